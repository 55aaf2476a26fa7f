"""The judge's scoring screen: the video beside the rubric, drafts (form or JSON autosave), watch
evidence, submitting, and declaring a conflict ("I know this school").

Judges see an entry's title, category and video only: never its school, teacher, credit line or
other judges' scores. An assignment that is not the judge's is a 404, so ids reveal nothing.
"""

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import DatabaseError, IntegrityError

from contest.auth.guards import judge_required
from contest.core.dbtypes import whole_number
from contest.core.errors import ValidationError
from contest.core.extensions import db
from contest.core.models.contests import Category
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment
from contest.core.statuses import SheetStatus
from contest.core.transaction import hold, unit_of_work
from contest.judging import bp, panel, sheets
from contest.web.errors import json_error

# A submission the database refused (the draft was committed before it was tried: nothing lost).
NOT_SUBMITTED = "Your scores could not be submitted just now; your draft is saved. Try again."


def _judge():
    return current_user._get_current_object()


def _own_assignment(assignment_id):
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.judge_id != current_user.id:
        return None
    return assignment


def _open_sheet(assignment):
    """The assignment's sheet, made (and committed) on first open."""
    try:
        with unit_of_work(db.session):
            sheet = sheets.sheet_for(db.session, _judge(), assignment)
    except IntegrityError:  # another tab made it a moment ago
        sheet = sheets.sheet_for(db.session, _judge(), assignment)
    return sheet


def _sheet_or_404(assignment_id):
    assignment = _own_assignment(assignment_id)
    if assignment is None:
        abort(404)
    try:
        return assignment, _open_sheet(assignment)
    except ValidationError as error:  # no rubric yet
        abort(409, error.message)


def _form_points():
    """{criterion id: points or None} from the form's radio groups (`criterion-<id>`).

    Values are passed on as sent when they are not whole numbers, so the service's message names
    the criterion; an id that is not a number is passed on as text and refused as unknown.
    """
    points = {}
    for name, value in request.form.items():
        if not name.startswith("criterion-"):
            continue
        key = name.removeprefix("criterion-")
        key = _whole_or_text(key)
        value = value.strip()
        number = whole_number(value.removeprefix("-"))
        if number is None:
            points[key] = value or None
        else:
            points[key] = -number if value.startswith("-") else number
    return points


def _whole_or_text(key):
    """A criterion id as a number when it is one in plain digits, else the text as sent."""
    number = whole_number(key)
    return key if number is None else number


def _all_points(sheet, posted):
    """Every criterion of the sheet, unscored unless the form chose a level: an unchosen radio
    group sends nothing."""
    return {c.id: None for c in sheets.criteria_of(db.session, sheet)} | posted


def _render(assignment, sheet, error=None, status=200, points=None):
    entry = db.session.get(Entry, assignment.entry_id)
    category = db.session.get(Category, entry.category_id)
    page = render_template(
        "judging/sheet.html",
        assignment=assignment,
        sheet=sheet,
        entry=entry,
        category=category,
        criteria=sheets.criteria_of(db.session, sheet),
        points=sheets.points_of(sheet) if points is None else points,
        locked=sheet.status == SheetStatus.SUBMITTED,
        contest=sheets.contest_of_sheet(db.session, sheet),
        error=error,
    )
    return page, status


def _save_form(sheet):
    """Save the posted form as a draft; the error page's (message, status) if it is refused."""
    posted = _form_points()
    with unit_of_work(db.session, show=hold) as work:
        sheets.save_draft(
            db.session,
            _judge(),
            sheet,
            _all_points(sheet, posted),
            request.form.get("comment", ""),
            request.form.get("feedback", ""),
        )
    if isinstance(work.error, sheets.SheetLocked):
        return work.error.message, 409, None
    if work.error:
        return work.error.message, 400, posted
    return None


@bp.route("/sheets/<int:assignment_id>", methods=["GET", "POST"])
@judge_required
def sheet(assignment_id):
    """The scoring screen; a POST saves the form as a draft (the page works without JS)."""
    assignment, sheet = _sheet_or_404(assignment_id)
    if request.method == "POST":
        refused = _save_form(sheet)
        if refused:
            message, status, posted = refused
            return _render(assignment, sheet, message, status, points=posted)
        flash("Draft saved.", "success")
        return redirect(url_for("judging.sheet", assignment_id=assignment.id))
    return _render(assignment, sheet)


@bp.route("/sheets/<int:assignment_id>/submit", methods=["POST"])
@judge_required
def sheet_submit(assignment_id):
    """Save the form, then submit and lock the sheet."""
    assignment, sheet = _sheet_or_404(assignment_id)
    refused = _save_form(sheet)
    if refused:
        message, status, posted = refused
        return _render(assignment, sheet, message, status, points=posted)
    try:
        with unit_of_work(db.session, show=hold) as work:
            sheets.submit_sheet(db.session, _judge(), sheet, datetime.now(UTC))
    except DatabaseError:
        current_app.logger.exception("submitting score sheet %s failed", sheet.id)
        flash(NOT_SUBMITTED, "error")  # not the page's "Not saved" box: the draft is saved
        return _render(assignment, sheet, status=503)
    if work.error:
        status = 409 if isinstance(work.error, sheets.SheetLocked) else 400
        return _render(assignment, sheet, work.error.message, status)
    flash(
        f"Your scores for “{db.session.get(Entry, assignment.entry_id).title}” are submitted.",
        "success",
    )
    return redirect(url_for("judging.index"))


@bp.route("/sheets/<int:assignment_id>/conflict", methods=["POST"])
@judge_required
def sheet_conflict(assignment_id):
    """ "I know this school": record the judge's conflict; the entry goes to another judge."""
    assignment, sheet = _sheet_or_404(assignment_id)
    reason = request.form.get("reason", "").strip()
    if not reason:
        return _render(
            assignment, sheet, "Say briefly how you know the school, for the organizers.", 400
        )
    entry = db.session.get(Entry, assignment.entry_id)
    with unit_of_work(db.session, show=hold) as work:
        panel.declare_conflict(db.session, _judge(), entry, reason)
    if work.error:
        return _render(assignment, sheet, work.error.message, 400)
    flash("Thank you for telling us. This entry will go to another judge.", "success")
    return redirect(url_for("judging.index"))


# --- JSON endpoints for static/js/scoring.js (CSRF token in the X-CSRFToken header) ------------


def _api_sheet(assignment_id):
    """(assignment, sheet, None), or (None, None, an error response) for the JSON endpoints."""
    if not current_user.is_authenticated:
        problem = json_error(401, "You are signed out. Sign in again: your scores are kept here.")
        return None, None, problem
    if not current_user.has_role("judge"):
        return None, None, json_error(403, "Only judges score entries.")
    assignment = _own_assignment(assignment_id)
    if assignment is None:
        return None, None, json_error(404, "This entry is not assigned to you.")
    try:
        return assignment, _open_sheet(assignment), None
    except ValidationError as error:
        return None, None, json_error(409, error.message)


def _refusal(error):
    status = 409 if isinstance(error, sheets.SheetLocked) else 400
    return json_error(status, error.message)


def _sheet_state(sheet):
    return {
        "saved": True,
        "status": sheet.status,
        "updated_at": sheet.updated_at.isoformat(),
        "points": {str(key): value for key, value in sheets.points_of(sheet).items()},
        "watched_seconds": sheet.watched_seconds,
        "watched_fraction": sheet.watched_fraction,
    }


@bp.route("/sheets/<int:assignment_id>/draft", methods=["POST"])
def sheet_draft(assignment_id):
    """Autosave: {points: {criterion id: points or null}, comment, feedback} → the saved sheet."""
    assignment, sheet, problem = _api_sheet(assignment_id)
    if problem:
        return problem
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("points", {}), dict):
        return json_error(400, "Send the draft as JSON: {points: {criterion id: points}}.")
    points = {_whole_or_text(key): value for key, value in data.get("points", {}).items()}
    with unit_of_work(db.session, show=hold) as work:
        sheets.save_draft(
            db.session, _judge(), sheet, points, data.get("comment"), data.get("feedback")
        )
    if work.error:
        return _refusal(work.error)
    return _sheet_state(sheet)


@bp.route("/sheets/<int:assignment_id>/watch", methods=["POST"])
def sheet_watch(assignment_id):
    """Watch evidence: {ranges: [[start, end], ...], duration} from the player → the totals.

    The entry's own duration (from the video file) wins over the one the browser reports."""
    assignment, sheet, problem = _api_sheet(assignment_id)
    if problem:
        return problem
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, "Send the watched ranges as JSON: {ranges: [[start, end]]}.")
    entry = db.session.get(Entry, assignment.entry_id)
    duration = entry.duration_seconds or data.get("duration")
    with unit_of_work(db.session, show=hold) as work:
        sheets.record_watch(db.session, _judge(), sheet, data.get("ranges"), duration)
    if work.error:
        return _refusal(work.error)
    return _sheet_state(sheet)
