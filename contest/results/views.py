"""The organizer's results screen: rankings, uncertainty, reliability and each entry's sheets."""

from flask import abort, render_template
from sqlalchemy import select

from contest.auth.guards import organizer_required
from contest.contests.models import Contest
from contest.extensions import db
from contest.results import bp, scoring, services
from contest.submissions.models import Entry


@bp.route("/")
@organizer_required
def index():
    contests = db.session.scalars(select(Contest).order_by(Contest.created_at.desc())).all()
    return render_template("results/index.html", contests=contests)


@bp.route("/<int:contest_id>")
@organizer_required
def contest(contest_id):
    row = db.get_or_404(Contest, contest_id)
    return render_template(
        "results/contest.html",
        contest=row,
        categories=services.category_results(db.session, row),
        scoring=scoring,
    )


@bp.route("/entries/<int:entry_id>")
@organizer_required
def entry(entry_id):
    row = db.get_or_404(Entry, entry_id)
    if row.category is None:
        abort(404)
    return render_template(
        "results/entry.html",
        entry=row,
        contest=row.category.contest,
        sheets=services.entry_sheets(db.session, row),
    )
