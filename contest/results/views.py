"""The organizer's results screen: rankings, uncertainty, reliability and each entry's sheets."""

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from contest.auth.guards import manages_contest, overview_required, sees_contest
from contest.core import permissions
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.permissions import Action
from contest.judging.progress import judge_pseudonyms
from contest.results import bp, exports, ranking, scoring
from contest.web.pagination import ROWS_PER_PAGE, paginate, requested_page


@bp.route("/")
@overview_required
def index():
    contests = db.session.scalars(
        select(Contest)
        .where(permissions.only(current_user, Contest.id, Action.VIEW))
        .order_by(Contest.created_at.desc())
    ).all()
    return render_template("results/index.html", contests=contests)


def requested_round(contest):
    """The round a results page or download is about: `?round=<id>`, else the final round
    (whose results give the places); 404 for a round of another contest."""
    wanted = request.args.get("round", type=int)
    if wanted is None:
        return contest.final_round
    return next((round_ for round_ in contest.rounds if round_.id == wanted), None) or abort(404)


@bp.route("/<int:contest_id>")
@sees_contest
def contest(contest_id):
    row = db.get_or_404(Contest, contest_id)
    round_ = requested_round(row)
    categories = ranking.category_results(db.session, row, round_id=round_.id)
    if not permissions.allowed(current_user, Action.MANAGE, row.id):  # an observer
        names = judge_pseudonyms(db.session, row)
        categories = exports.without_judge_names(categories, names)
    # Each category's ranking pages on its own: ?category=<id>&page=<n> turns one of them.
    turned = request.args.get("category", "")
    pages = {
        category.category_id: paginate(
            category.rows,
            requested_page(request.args) if turned == str(category.category_id) else 1,
            ROWS_PER_PAGE,
        )
        for category in categories
    }
    return render_template(
        "results/contest.html",
        contest=row,
        round_=round_,
        categories=categories,
        pages=pages,
        scoring=scoring,
    )


@bp.route("/entries/<int:entry_id>")
@manages_contest
def entry(entry_id):
    row = db.get_or_404(Entry, entry_id)
    if row.category is None:
        abort(404)
    return render_template(
        "results/entry.html",
        entry=row,
        contest=row.category.contest,
        sheets=ranking.entry_sheets(db.session, row),
    )
