"""The judges' feedback a school reads after publication, and the school's choice to share it on
the public winners page. Plain functions: a session and plain values in; no Flask.

Feedback is the text judges write for the school (ScoreSheet.feedback) on counted sheets only:
submitted, not calibration, on an entry still in the running. Judges' names and their comments
for the organizers never leave the organizers' screens.
"""

from sqlalchemy import select

from contest.core.audit import record
from contest.core.errors import NotAllowed, PhaseClosed
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment, ScoreSheet
from contest.core.statuses import SheetStatus
from contest.web.caching import invalidate_after_commit


def judges_feedback(session, entry_ids):
    """entry id -> the feedback texts of its counted sheets, in the order they were written."""
    if not entry_ids:
        return {}
    rows = session.execute(
        select(Assignment.entry_id, ScoreSheet.feedback)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(
            Assignment.entry_id.in_(entry_ids),
            ScoreSheet.status == SheetStatus.SUBMITTED,
            Assignment.calibration.is_(False),
            Entry.in_running,
            ScoreSheet.feedback != "",
        )
        .order_by(ScoreSheet.submitted_at, ScoreSheet.id)
    )
    found = {}
    for entry_id, text in rows:
        if text.strip():
            found.setdefault(entry_id, []).append(text.strip())
    return found


def share_feedback(session, teacher, contest, entry, share):
    """Record the school's choice to show (or stop showing) the judges' feedback on `entry`'s
    public page. Audited; the caller commits (the contest's cached pages are refreshed then)."""
    if entry.school_id not in teacher.school_ids:
        raise NotAllowed("results.entry_one_school_s")
    if contest.published_at is None:
        raise PhaseClosed("results.results_published_yet_feedback")
    share = bool(share)
    if entry.feedback_public == share:
        return False
    entry.feedback_public = share
    invalidate_after_commit(session, contest.id)
    record(session, teacher, "entry.feedback_shared" if share else "entry.feedback_unshared", entry)
    return True
