"""The teacher's pages: their school's entries."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from contest.auth.guards import teacher_required
from contest.extensions import db
from contest.submissions import bp
from contest.submissions.models import Entry, School


@bp.route("/")
@teacher_required
def index():
    school_ids = current_user.school_ids
    schools = db.session.scalars(select(School).where(School.id.in_(school_ids))).all()
    entries = db.session.scalars(
        select(Entry).where(Entry.school_id.in_(school_ids)).order_by(Entry.created_at.desc())
    ).all()
    return render_template("submissions/index.html", schools=schools, entries=entries)
