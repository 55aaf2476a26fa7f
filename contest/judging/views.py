"""The judge's pages: their assignments."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from contest.auth.guards import judge_required
from contest.extensions import db
from contest.judging import bp
from contest.judging.models import Assignment


@bp.route("/")
@judge_required
def index():
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.judge_id == current_user.id)
    ).all()
    return render_template("judging/index.html", assignments=assignments)
