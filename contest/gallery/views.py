"""Public pages: the contest home."""

from flask import render_template
from sqlalchemy import select

from contest.contests.models import Contest
from contest.extensions import db
from contest.gallery import bp
from contest.gallery.services import contest_phase, current_contest


@bp.route("/")
def index():
    contest = current_contest()
    past = []
    if contest is not None:
        past = db.session.scalars(
            select(Contest).where(Contest.id != contest.id).order_by(Contest.created_at.desc())
        ).all()
    phase = contest_phase(contest) if contest else None
    return render_template("gallery/index.html", contest=contest, phase=phase, past=past)
