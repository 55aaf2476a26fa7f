"""Judging progress: each judge's sheets, who is overdue, and the reminders they get."""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from contest.core.audit import record
from contest.core.mail import queue_mail
from contest.core.models.accounts import User
from contest.core.models.contests import Category
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment, ScoreSheet
from contest.core.rules import contest_time, current_round
from contest.core.statuses import SheetStatus
from contest.judging.in_round import in_round
from contest.judging.panel import contest_assignments, contest_judges

# Judges are reminded from this long before judging closes, and after.
REMINDER_WINDOW = timedelta(days=3)

# --- progress and reminders --------------------------------------------------------------------


@dataclass
class Tally:
    assigned: int = 0
    submitted: int = 0
    drafts: int = 0

    @property
    def not_started(self):
        return self.assigned - self.submitted - self.drafts

    @property
    def finished(self):
        return self.submitted >= self.assigned

    def count(self, assignment):
        self.assigned += 1
        status = assignment.sheet.status if assignment.sheet is not None else None
        if status == SheetStatus.SUBMITTED:
            self.submitted += 1
        elif status is not None:
            self.drafts += 1


@dataclass
class JudgeProgress:
    """One judge's work: all of it, the calibration part and each category's."""

    judge: User
    total: Tally = field(default_factory=Tally)
    calibration: Tally = field(default_factory=Tally)
    categories: dict = field(default_factory=dict)  # category id -> Tally


def judge_progress(session, contest):
    """(JudgeProgress per judge of the contest or holding its work, {category id: Tally}), in
    the round judging is in."""
    judges = {judge.id: JudgeProgress(judge) for judge in contest_judges(session, contest)}
    per_category = {category.id: Tally() for category in contest.categories}
    for assignment in contest_assignments(session, contest, current_round(contest)):
        entry = session.get(Entry, assignment.entry_id)
        if assignment.judge_id not in judges:
            judges[assignment.judge_id] = JudgeProgress(session.get(User, assignment.judge_id))
        progress = judges[assignment.judge_id]
        progress.total.count(assignment)
        if assignment.calibration:
            progress.calibration.count(assignment)
            continue
        progress.categories.setdefault(entry.category_id, Tally()).count(assignment)
        per_category[entry.category_id].count(assignment)
    return list(judges.values()), per_category


def pseudonyms(judge_ids):
    """Judge id -> "J01", "J02" ... by ascending id (wider numbers past 99 judges)."""
    ordered = sorted(set(judge_ids))
    width = max(2, len(str(len(ordered))))
    return {judge: f"J{number:0{width}d}" for number, judge in enumerate(ordered, 1)}


def judge_pseudonyms(session, contest):
    """The pseudonym of every judge holding work in `contest`: how observers and the score-sheet
    export know judges, the same on every page."""
    return pseudonyms(
        session.scalars(
            select(Assignment.judge_id)
            .join(Entry, Entry.id == Assignment.entry_id)
            .join(Category, Category.id == Entry.category_id)
            .where(Category.contest_id == contest.id)
        )
    )


def overdue_judges(session, contest, now):
    """JudgeProgress of judges with unfinished sheets once the current round closes within
    REMINDER_WINDOW (or has closed); none while the close is far or unset."""
    close = current_round(contest).ends_at
    if close is None or now < close - REMINDER_WINDOW:
        return []
    progress, _ = judge_progress(session, contest)
    return [row for row in progress if not row.total.finished]


@dataclass
class OpenSheets:
    """How much judging is still open: judges with sheets to submit, and those sheets."""

    judges: int
    sheets: int
    assigned: int


def open_sheets(progress):
    unfinished = [row for row in progress if not row.total.finished]
    return OpenSheets(
        judges=len(unfinished),
        sheets=sum(row.total.assigned - row.total.submitted for row in unfinished),
        assigned=sum(row.total.assigned for row in progress),
    )


def reminder_body(contest, progress, link):
    left = progress.total.assigned - progress.total.submitted
    when = contest_time(contest.judging_close_at, contest.timezone) or "soon"
    return (
        f"Hello {progress.judge.name or progress.judge.email},\n\n"
        f"You have {left} of {progress.total.assigned} score sheets still to submit for "
        f"{contest.name}. Judging closes {when}.\n\n"
        f"Your judging page: {link}\n\n"
        "Thank you for judging.\n"
    )


def send_reminders(session, contest, judges, actor, link):
    """Mail each of `judges` (JudgeProgress rows) how much is left, with `link` to their page,
    once the caller commits (the queue retries a mail server that is down); each is audited.
    The addresses reminded."""
    for progress in judges:
        queue_mail(
            session,
            progress.judge.email,
            f"{contest.name}: score sheets waiting",
            reminder_body(contest, progress, link),
        )
        record(session, actor, "judge.reminded", progress.judge, contest_id=contest.id)
    return [progress.judge.email for progress in judges]


def entries_short_of_judges(session, contest):
    """How many entries the judges score (calibration anchors aside) have fewer submitted,
    counted sheets in the final round than its judges per entry: judging is not finished while
    any has."""
    submitted = (
        select(Assignment.entry_id, func.count(ScoreSheet.id).label("sheets"))
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(
            ScoreSheet.status == SheetStatus.SUBMITTED,
            Assignment.calibration.is_(False),
            Assignment.round_id == contest.final_round.id,
        )
        .group_by(Assignment.entry_id)
        .subquery()
    )
    return session.scalar(
        select(func.count(Entry.id))
        .join(Category, Category.id == Entry.category_id)
        .outerjoin(submitted, submitted.c.entry_id == Entry.id)
        .where(
            Category.contest_id == contest.id,
            Entry.judgeable,
            in_round(contest, contest.final_round),
            Entry.calibration_anchor.is_(False),
            func.coalesce(submitted.c.sheets, 0) < contest.final_round.judges_per_entry,
        )
    )
