"""The organizer's results screen."""

from flask import render_template
from sqlalchemy import select

from contest.auth.guards import organizer_required
from contest.contests.models import Contest
from contest.extensions import db
from contest.results import bp


@bp.route("/")
@organizer_required
def index():
    contests = db.session.scalars(select(Contest).order_by(Contest.created_at.desc())).all()
    return render_template("results/index.html", contests=contests)
