"""The judge's list of assigned entries: progress, to-do / done, calibration anchors first."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from contest.auth.guards import judge_required
from contest.core import rules
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Category, Contest, Round
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment, ScoreSheet
from contest.core.statuses import SheetStatus
from contest.judging import bp
from contest.web.pagination import ROWS_PER_PAGE, paginate, requested_page

FILTERS = {"todo": "To do", "done": "Done", "all": "All"}


@bp.route("/")
@judge_required
def index():
    """The judge's entries in every round still being judged, by title and category only
    (judging is blind); finished rounds' sheets are listed apart and never counted. A newer
    contest set up early hides nothing still open."""
    rows = db.session.execute(
        select(Assignment, Entry.title, Category.name, ScoreSheet.status, Contest, Round)
        .join(Round, Round.id == Assignment.round_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .join(Category, Category.id == Entry.category_id)
        .join(Contest, Contest.id == Category.contest_id)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.judge_id == current_user.id)
        .order_by(
            Contest.created_at.desc(),
            Assignment.calibration.desc(),
            Category.sort_order,
            Entry.title,
            Assignment.id,
        )
    ).all()
    now = utcnow()
    items, past = [], {}
    for assignment, title, category, status, contest, round_ in rows:
        item = {
            "assignment": assignment,
            "title": title,
            "category": category,
            "contest": contest,
            "status": status or "new",
            "done": status == SheetStatus.SUBMITTED,
        }
        if rules.round_closed(contest, round_, now):
            past.setdefault(contest, []).append(item)
        else:
            items.append(item)
    judging = list(dict.fromkeys(item["contest"] for item in items))
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
        judging=judging,
        past=list(past.items()),
    )
