"""The judge's list of assigned entries: progress, to-do / done, calibration anchors first."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from contest.auth.guards import judge_required
from contest.core.extensions import db
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment, ScoreSheet
from contest.core.rules import current_contest
from contest.core.statuses import SheetStatus
from contest.judging import bp
from contest.web.pagination import ROWS_PER_PAGE, paginate, requested_page

FILTERS = {"todo": "To do", "done": "Done", "all": "All"}


@bp.route("/")
@judge_required
def index():
    """The judge's entries in the current contest, by title and category only (judging is
    blind); earlier contests' sheets are listed apart and never counted."""
    contest = current_contest()
    rows = db.session.execute(
        select(Assignment, Entry.title, Category.name, ScoreSheet.status, Category.contest_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .join(Category, Category.id == Entry.category_id)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.judge_id == current_user.id)
        .order_by(Assignment.calibration.desc(), Category.sort_order, Entry.title, Assignment.id)
    ).all()
    items, past = [], {}
    for assignment, title, category, status, contest_id in rows:
        item = {
            "assignment": assignment,
            "title": title,
            "category": category,
            "status": status or "new",
            "done": status == SheetStatus.SUBMITTED,
        }
        if contest is not None and contest_id == contest.id:
            items.append(item)
        else:
            past.setdefault(contest_id, []).append(item)
    done = sum(item["done"] for item in items)
    show = request.args.get("show", "all")
    if show not in FILTERS:
        show = "all"
    shown = [item for item in items if show == "all" or item["done"] == (show == "done")]
    page = paginate(shown, requested_page(request.args), ROWS_PER_PAGE)
    return render_template(
        "judging/index.html",
        page=page,
        items=page.items,
        total=len(items),
        done=done,
        show=show,
        filters=FILTERS,
        contest=contest,
        past=[
            (earlier, past[earlier.id])
            for earlier in db.session.scalars(
                select(Contest).where(Contest.id.in_(past)).order_by(Contest.created_at.desc())
            )
        ],
    )
