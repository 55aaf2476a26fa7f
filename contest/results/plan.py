"""The awards plan: what the rules need to know about each entry, and the defaults the ranking
and the People's Choice tally give each place. Plain values in and out."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from contest.core import rules
from contest.core.errors import Listing, Phrase, ValidationError
from contest.core.models.contests import Category
from contest.core.models.entries import Entry, School
from contest.core.statuses import OUT_OF_RUNNING, ConsentStatus, EntryStatus
from contest.judging.progress import entries_short_of_judges

PLACES = (1, 2, 3)
# A place as people read it: "1st" in lists and sentences, "First" where it is a title.
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}
ORDINAL_WORDS = {1: "First", 2: "Second", 3: "Third"}
PC_ENTRY, PC_REASON = "pc_entry", "pc_reason"
CAPTIONS_REASON = "captions_reason"
JUDGING_REASON = "judging_reason"


def place_field(category_id, place):
    """The form field (and problem key) of a category's place."""
    return f"c{category_id}_place{place}"


def reason_field(category_id):
    return f"c{category_id}_reason"


class PublicationProblems(ValidationError):
    """Every problem with the organizer's choices at once: (field or None, Phrase) pairs, each
    a code and its parameters, worded where they are shown."""

    def __init__(self, problems):
        super().__init__(
            "results.publication_problems", problems=Listing(phrase for _, phrase in problems)
        )
        self.problems = problems


# --- what the rules need to know about entries -------------------------------------------------


@dataclass(frozen=True)
class EntryFacts:
    id: int
    title: str
    school_id: int
    school: str
    category_id: int
    status: str
    consent_status: str
    hidden: bool
    calibration_anchor: bool = False
    has_captions: bool = True


def entry_facts(session, contest):
    """Every entry of the contest by id (one query)."""
    rows = session.execute(
        select(Entry, School.name)
        .join(School, School.id == Entry.school_id)
        .join(Category, Category.id == Entry.category_id)
        .where(Category.contest_id == contest.id)
        .order_by(Entry.title, Entry.id)
    )
    return {
        entry.id: EntryFacts(
            entry.id,
            entry.title,
            entry.school_id,
            school,
            entry.category_id,
            entry.status,
            entry.consent_status,
            entry.hidden_at is not None,
            entry.calibration_anchor,
            entry.captions_asset_id is not None,
        )
        for entry, school in rows
    }


def ineligibility(entry):
    """Why `entry` may not win anything, or None: it must be ready, its consent approved, and
    not withdrawn, disqualified, hidden or a calibration anchor."""
    if entry.status in OUT_OF_RUNNING:
        return Phrase("results.entry_out_of_running", title=entry.title, status=entry.status)
    if entry.hidden:
        return Phrase("results.entry_hidden", title=entry.title)
    if entry.calibration_anchor:
        return Phrase("results.entry_calibration_anchor", title=entry.title)
    if entry.status != EntryStatus.READY:
        return Phrase("results.entry_not_ready", title=entry.title, status=entry.status)
    if entry.consent_status != ConsentStatus.APPROVED:
        return Phrase(
            "results.entry_consent_not_approved", title=entry.title, status=entry.consent_status
        )
    return None


# --- defaults ----------------------------------------------------------------------------------


@dataclass
class Slot:
    place: int
    default: int | None  # None: a declared tie crosses this place; the organizer orders it
    tied_with: list[int] = field(default_factory=list)


@dataclass
class CategoryPlan:
    category_id: int
    name: str
    ranked_by: str
    rows: dict  # entry id -> RankingRow, eligible entries only
    slots: list[Slot]
    left_out: list[tuple[object, str]]  # (RankingRow, why) for ranked entries that may not win


def plan_category(results, facts):
    """Default winners of one category (ranking.CategoryResults): the eligible entries in
    ranking order fill 1st, 2nd and 3rd; a declared tie among them leaves every place it
    touches without a default. Fewer than three eligible entries give fewer places."""
    eligible, left_out = [], []
    for row in results.rows:
        why = ineligibility(facts[row.entry_id])
        if why:
            left_out.append((row, why))
        else:
            eligible.append(row)
    groups = []  # runs of eligible rows sharing a declared tie
    for row in eligible:
        if groups and row.tied and groups[-1][-1].tied and groups[-1][-1].place == row.place:
            groups[-1].append(row)
        else:
            groups.append([row])
    slots = []
    for group in groups:
        for row in group:
            if len(slots) == len(PLACES):
                break
            tied = [other.entry_id for other in group] if len(group) > 1 else []
            slots.append(Slot(len(slots) + 1, None if tied else row.entry_id, tied))
    return CategoryPlan(
        results.category_id,
        results.name,
        results.ranked_by,
        {row.entry_id: row for row in eligible},
        slots,
        left_out,
    )


@dataclass
class PeoplesChoicePlan:
    counted: int
    voided: dict
    votes: dict  # entry id -> counted votes
    default: int | None
    tied_with: list[int]
    ballot_sha256: str
    left_out: list[tuple[int, str]]  # (entry id, why) for voted entries that may not win


def plan_peoples_choice(tally, ballot_sha256, facts):
    """The People's Choice default: the eligible entry with the most counted votes (voided votes
    never count); none when the top is tied or nothing was counted."""
    ranked, left_out = [], []
    for entry_id, votes in tally.ranked():
        why = (
            ineligibility(facts[entry_id])
            if entry_id in facts
            else Phrase("results.entry_not_in_contest")
        )
        if why:
            left_out.append((entry_id, why))
        else:
            ranked.append((entry_id, votes))
    leaders = [entry for entry, votes in ranked if ranked and votes == ranked[0][1]]
    return PeoplesChoicePlan(
        counted=tally.counted,
        voided=dict(tally.voided),
        votes=dict(tally.counts),
        default=leaders[0] if len(leaders) == 1 else None,
        tied_with=leaders if len(leaders) > 1 else [],
        ballot_sha256=ballot_sha256,
        left_out=left_out,
    )


@dataclass(frozen=True)
class JudgingState:
    """How far judging got: closed or not, and how many judged entries still lack sheets."""

    closed: bool
    close_at: datetime | None
    timezone: str
    judges_per_entry: int
    short: int  # entries with fewer submitted sheets than judges_per_entry

    @property
    def finished(self):
        return self.closed and not self.short


def judging_state(session, contest, now=None):
    return JudgingState(
        closed=rules.judging_closed(contest, now),
        close_at=contest.judging_close_at,
        timezone=contest.timezone,
        judges_per_entry=contest.final_round.judges_per_entry,
        short=entries_short_of_judges(session, contest),
    )


@dataclass
class Plan:
    categories: list[CategoryPlan]
    peoples_choice: PeoplesChoicePlan
    facts: dict
    judging: JudgingState | None = None  # None: not asked (judging counts as finished)


def plan(categories, tally, ballot_sha256, facts, judging=None):
    """Defaults for the whole contest from ranking.category_results and the vote tally."""
    return Plan(
        [plan_category(results, facts) for results in categories],
        plan_peoples_choice(tally, ballot_sha256, facts),
        facts,
        judging,
    )


def default_choices(plan):
    """The form's prefill: field name -> entry id (None where the organizer must choose)."""
    choices = {}
    for category in plan.categories:
        for place in PLACES:
            slot = category.slots[place - 1] if place <= len(category.slots) else None
            choices[place_field(category.category_id, place)] = slot and slot.default
    choices[PC_ENTRY] = plan.peoples_choice.default
    return choices
