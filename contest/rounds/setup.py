"""Setting up a contest's judging rounds: add one after the last, change one not yet closed,
remove one nobody judged. Plain values in (times in the contest's own zone), rows or
ValidationError out; every change audited.

The final round's close is the contest's judging close (the contest form sets it too); rounds
follow each other: one opens no earlier than the one before it closes.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from contest.core.audit import record
from contest.core.errors import ValidationError
from contest.core.models.contests import Round
from contest.core.models.judging import Assignment
from contest.core.rules import contest_time, utc_time
from contest.core.statuses import AdvanceRule, AtTheCut, RoundMode

NAME_LENGTH = Round.__table__.c.name.type.length
JUDGES = (1, 20)
TOP = (1, 1000)
SCORE = (0.0, 100.0)


@dataclass
class RoundDraft:
    """What an organizer fills in for a round; times are naive, in the contest's zone."""

    name: str
    mode: str = RoundMode.RUBRIC
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    judges_per_entry: int = 3
    rule: str = AdvanceRule.TOP
    rule_top: int | None = 3
    rule_threshold: float | None = None
    at_the_cut: str = AtTheCut.CHAIN


def draft_from(round_):
    """A round's settings as a draft, its times in the contest's zone (to edit)."""
    zone = ZoneInfo(round_.contest.timezone)

    def local(value):
        return value.astimezone(zone).replace(tzinfo=None) if value else None

    return RoundDraft(
        name=round_.name,
        mode=round_.mode,
        opens_at=local(round_.opens_at),
        closes_at=local(round_.closes_at),
        judges_per_entry=round_.judges_per_entry,
        rule=round_.rule,
        rule_top=round_.rule_top,
        rule_threshold=round_.rule_threshold,
        at_the_cut=round_.at_the_cut,
    )


def _whole(value, low, high):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _checked(contest, draft, round_=None):
    """The draft's values for the Round row; ValidationError naming the field at fault."""
    name = " ".join((draft.name or "").split())
    if not name:
        raise ValidationError("rounds.name_required", field="name")
    if len(name) > NAME_LENGTH:
        raise ValidationError("rounds.name_too_long", field="name", limit=NAME_LENGTH)
    if draft.mode not in set(RoundMode):
        raise ValidationError("rounds.mode_unknown", field="mode")
    if not _whole(draft.judges_per_entry, *JUDGES):
        raise ValidationError("rounds.judges_range", field="judges_per_entry", low=JUDGES[0],
                              high=JUDGES[1])  # fmt: skip
    if draft.rule not in set(AdvanceRule) or draft.at_the_cut not in set(AtTheCut):
        raise ValidationError("rounds.rule_unknown", field="rule")
    if draft.rule == AdvanceRule.TOP and not _whole(draft.rule_top, *TOP):
        raise ValidationError("rounds.top_required", field="rule_top")
    threshold = draft.rule_threshold
    if draft.rule == AdvanceRule.THRESHOLD and (
        not isinstance(threshold, int | float) or not SCORE[0] <= threshold <= SCORE[1]
    ):
        raise ValidationError("rounds.threshold_required", field="rule_threshold")
    zone = ZoneInfo(contest.timezone)
    opens = utc_time(draft.opens_at, zone, "opens_at")
    closes = utc_time(draft.closes_at, zone, "closes_at")
    if opens is not None and closes is not None and closes <= opens:
        raise ValidationError("rounds.closes_before_opens", field="closes_at")
    others = [other for other in contest.rounds if other is not round_]
    position = round_.position if round_ is not None else len(contest.rounds) + 1
    before = [other for other in others if other.position < position]
    if opens is not None and before and before[-1].closes_at and opens < before[-1].closes_at:
        when = contest_time(before[-1].closes_at, contest.timezone)
        raise ValidationError("rounds.opens_before_previous_closes", field="opens_at",
                              name=before[-1].name, when=when)  # fmt: skip
    return {
        "name": name,
        "mode": draft.mode,
        "opens_at": opens,
        "closes_at": closes,
        "judges_per_entry": draft.judges_per_entry,
        "rule": draft.rule,
        "rule_top": draft.rule_top if draft.rule == AdvanceRule.TOP else None,
        "rule_threshold": float(threshold) if draft.rule == AdvanceRule.THRESHOLD else None,
        "at_the_cut": draft.at_the_cut,
    }


def add_round(session, contest, draft, actor):
    """A new round after the contest's last one (it becomes the final round)."""
    values = _checked(contest, draft)
    round_ = Round(position=len(contest.rounds) + 1, **values)
    contest.rounds.append(round_)
    session.flush()
    record(session, actor, "round.added", contest, round=round_.position, name=round_.name)
    return round_


def update_round(session, round_, draft, actor):
    """Change a round that is not closed yet."""
    if round_.closed_at is not None:
        raise ValidationError("rounds.closed_no_change", name=round_.name)
    for column, value in _checked(round_.contest, draft, round_).items():
        setattr(round_, column, value)
    session.flush()
    record(session, actor, "round.changed", round_.contest, round=round_.position,
           name=round_.name)  # fmt: skip
    return round_


def remove_round(session, round_, actor):
    """Remove a round nobody was given entries in, that is not closed and not the only one;
    the rounds after it move up."""
    contest = round_.contest
    if len(contest.rounds) == 1:
        raise ValidationError("rounds.last_round", name=round_.name)
    given = session.scalar(
        select(func.count(Assignment.id)).where(Assignment.round_id == round_.id)
    )
    if given or round_.closed_at is not None:
        raise ValidationError("rounds.round_in_use", name=round_.name)
    name, position = round_.name, round_.position
    contest.rounds.remove(round_)
    session.flush()
    for number, other in enumerate(contest.rounds, 1):
        other.position = number
    session.flush()
    record(session, actor, "round.removed", contest, round=position, name=name)
