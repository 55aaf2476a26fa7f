"""A judge's score sheet: open, save drafts, record watch evidence, submit (locks), reopen.

Plain functions: a session, the acting user and values in; `contest.core.errors` exceptions out. The
caller commits. Autosaves are audited compactly: the first draft and every change to a reopened
sheet, never each keystroke; submitting and reopening always are.
"""

import math

from sqlalchemy import select

from contest.core import audit, permissions
from contest.core.dbtypes import utcnow
from contest.core.errors import NotAllowed, ValidationError
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry
from contest.core.models.judging import Criterion, Score, ScoreSheet
from contest.core.permissions import Action
from contest.core.statuses import SheetStatus
from contest.judging.rubrics import rubric_for

# A judge who played this much of the video has watched it all (players stop a hair early).
FULL_PLAY_FRACTION = 0.97
MAX_TEXT_LENGTH = 5000
MAX_RANGES = 500


class SheetLocked(NotAllowed):
    """The sheet was submitted: it stays as it is until an organizer reopens it."""


LOCKED_MESSAGE = "judging.sheet_locked"


def _check_judge(judge, sheet):
    if sheet.assignment.judge_id != judge.id:
        raise NotAllowed("judging.score_sheet_belongs_another")


def _check_open(sheet):
    if sheet.status == SheetStatus.SUBMITTED:
        raise SheetLocked(LOCKED_MESSAGE)


def criteria_of(session, sheet):
    """The criteria of the rubric version the sheet is scored on, in rubric order."""
    return session.scalars(
        select(Criterion)
        .where(Criterion.rubric_id == sheet.rubric_id)
        .order_by(Criterion.sort_order, Criterion.id)
    ).all()


def points_of(sheet):
    """{criterion_id: points} of the sheet's saved scores."""
    return {score.criterion_id: score.points for score in sheet.scores}


def contest_of_sheet(session, sheet):
    entry = session.get(Entry, sheet.assignment.entry_id)
    return session.get(Contest, session.get(Category, entry.category_id).contest_id)


def sheet_for(session, judge, assignment):
    """The assignment's score sheet, made as a draft on the entry's current rubric when the
    judge first opens it. NotAllowed if the assignment is someone else's.

    Two tabs opening it at the same moment both try to add it: the unique assignment_id makes
    one of them fail with IntegrityError at flush, and the caller may roll back and call again."""
    if assignment.judge_id != judge.id:
        raise NotAllowed("judging.entry_assigned")
    existing = session.scalar(select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))
    if existing is not None:
        return existing
    entry = session.get(Entry, assignment.entry_id)
    rubric = rubric_for(session, session.get(Category, entry.category_id))
    if rubric is None:
        raise ValidationError("judging.contest_rubric_yet_organizers")
    sheet = ScoreSheet(assignment_id=assignment.id, rubric_id=rubric.id, status=SheetStatus.DRAFT)
    session.add(sheet)
    session.flush()
    audit.record(session, judge, "score_sheet.opened", sheet, rubric_id=rubric.id)
    return sheet


def _whole_number(value):
    return type(value) is int or (type(value) is float and value.is_integer())


def _checked_points(criteria, points):
    by_id = {criterion.id: criterion for criterion in criteria}
    checked = {}
    for criterion_id, value in points.items():
        criterion = by_id.get(criterion_id) if type(criterion_id) is int else None
        if criterion is None:
            raise ValidationError(
                "judging.there_criterion_rubric", field="points", criterion_id=criterion_id
            )
        if value is None:
            checked[criterion_id] = None
            continue
        low, high = criterion.min_points, criterion.max_points
        if not _whole_number(value) or not low <= value <= high:
            raise ValidationError(
                "judging.choose_whole_number_from",
                field=f"criterion-{criterion_id}",
                name=criterion.name,
                low=low,
                high=high,
            )
        checked[criterion_id] = int(value)
    return checked


def _checked_text(value, label):
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("judging.must_text", field=label, label=label)
    if len(value) > MAX_TEXT_LENGTH:
        raise ValidationError(
            "judging.too_long_keep_under", field=label, label=label, MAX_TEXT_LENGTH=MAX_TEXT_LENGTH
        )
    return value.strip()


def save_draft(session, judge, sheet, points, comment=None, feedback=None):
    """Save the judge's scores as they stand (all or nothing).

    `points` maps criterion ids to whole points or None (not scored yet); criteria it leaves out
    keep their score. A comment or feedback of None is left as it is. Refused (SheetLocked) once
    submitted; a value off its criterion's scale, or an unknown criterion, is a ValidationError
    naming it. Returns the sheet.
    """
    _check_judge(judge, sheet)
    _check_open(sheet)
    checked = _checked_points(criteria_of(session, sheet), points)
    comment = _checked_text(comment, "comment")
    feedback = _checked_text(feedback, "feedback")
    first_draft = not sheet.scores and not sheet.comment and not sheet.feedback

    current = {score.criterion_id: score for score in sheet.scores}
    changed = {}
    for criterion_id, value in checked.items():
        score = current.get(criterion_id)
        if value is None:
            if score is not None:
                sheet.scores.remove(score)
                changed[criterion_id] = None
        elif score is None:
            sheet.scores.append(Score(criterion_id=criterion_id, points=value))
            changed[criterion_id] = value
        elif score.points != value:
            score.points = value
            changed[criterion_id] = value
    text_changed = False
    if comment is not None and comment != sheet.comment:
        sheet.comment, text_changed = comment, True
    if feedback is not None and feedback != sheet.feedback:
        sheet.feedback, text_changed = feedback, True
    if changed or text_changed:
        # Scores are rows of their own: mark the sheet changed too, so the page can tell whether a
        # draft kept in a browser is newer than the server's.
        sheet.updated_at = utcnow()
    session.flush()

    if (changed or text_changed) and (first_draft or sheet.status == SheetStatus.REOPENED):
        audit.record(
            session,
            judge,
            "score_sheet.draft_saved",
            sheet,
            status=sheet.status,
            points={str(key): value for key, value in changed.items()},
            text_changed=text_changed,
        )
    return sheet


def _number(value):
    return type(value) in (int, float) and math.isfinite(value)


def merge_ranges(ranges):
    """Sorted, non-overlapping [start, end] ranges covering the same seconds as `ranges`."""
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def record_watch(session, judge, sheet, ranges, duration):
    """Add the [start, end] second ranges the player reports to the sheet's watch evidence.

    Ranges are clamped to 0..duration and merged with those already recorded, so replaying a
    part counts once; watched_seconds is the length of their union, watched_fraction that over
    the duration. Submitted sheets keep the evidence they were submitted with (SheetLocked).
    """
    _check_judge(judge, sheet)
    _check_open(sheet)
    if not _number(duration) or duration <= 0:
        raise ValidationError("judging.video_s_length_unknown")
    if not isinstance(ranges, list) or len(ranges) > MAX_RANGES:
        raise ValidationError("judging.send_list_most_start", MAX_RANGES=MAX_RANGES)
    clamped = []
    for played in ranges:
        if (
            not isinstance(played, list | tuple)
            or len(played) != 2
            or not all(_number(second) for second in played)
            or played[0] > played[1]
        ):
            raise ValidationError("judging.each_watched_range_must")
        start, end = (min(max(float(second), 0.0), float(duration)) for second in played)
        if end > start:
            clamped.append([start, end])
    merged = merge_ranges([list(part) for part in sheet.watched_ranges or []] + clamped)
    sheet.watched_ranges = [[round(start, 3), round(end, 3)] for start, end in merged]
    seconds = sum(end - start for start, end in merged)
    sheet.watched_seconds = round(min(seconds, duration), 3)
    sheet.watched_fraction = round(min(seconds / duration, 1.0), 4)
    session.flush()
    return sheet


def submit_sheet(session, judge, sheet, now):
    """Submit and lock the sheet: every criterion scored and, when the contest requires full
    play, at least FULL_PLAY_FRACTION of the video watched. Returns the sheet."""
    _check_judge(judge, sheet)
    _check_open(sheet)
    scored = points_of(sheet)
    missing = [c.name for c in criteria_of(session, sheet) if c.id not in scored]
    if missing:
        raise ValidationError(
            "judging.criteria_unscored", field="points", missing=", ".join(missing)
        )
    if (
        contest_of_sheet(session, sheet).require_full_play
        and sheet.watched_fraction < FULL_PLAY_FRACTION
    ):
        raise ValidationError(
            "judging.contest_asks_judges_watch",
            field="watch",
            watched_fraction=sheet.watched_fraction,
        )
    sheet.status = SheetStatus.SUBMITTED
    sheet.submitted_at = now
    session.flush()
    audit.record(
        session,
        judge,
        "score_sheet.submitted",
        sheet,
        points={str(key): value for key, value in scored.items()},
        watched_fraction=sheet.watched_fraction,
    )
    return sheet


def reopen_sheet(session, organizer, sheet, reason):
    """Unlock a submitted sheet so its judge can change it: the contest's organizers only, with a
    reason that the audit trail and the sheet keep. Returns the sheet."""
    contest_id = session.get(Entry, sheet.assignment.entry_id).contest_id
    if not permissions.allowed(organizer, Action.MANAGE, contest_id):
        raise NotAllowed("judging.only_organizers_reopen_score")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("judging.say_why_sheet_reopened", field="reason")
    if len(reason) > MAX_TEXT_LENGTH:
        raise ValidationError("judging.reason_too_long", field="reason")
    if sheet.status != SheetStatus.SUBMITTED:
        raise ValidationError("judging.only_submitted_score_sheet", field="reason")
    sheet.status = SheetStatus.REOPENED
    sheet.reopen_reason = reason
    session.flush()
    audit.record(
        session,
        organizer,
        "score_sheet.reopened",
        sheet,
        reason=reason,
        judge_id=sheet.assignment.judge_id,
    )
    return sheet
