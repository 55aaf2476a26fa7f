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


@bp.route("/<int:contest_id>")
@sees_contest
def contest(contest_id):
    row = db.get_or_404(Contest, contest_id)
    categories = ranking.category_results(db.session, row)
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
        "results/contest.html", contest=row, categories=categories, pages=pages, scoring=scoring
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
