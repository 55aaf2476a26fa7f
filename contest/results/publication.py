"""Publishing the winners: defaults from the ranking and the People's Choice tally, the checks on
the organizer's choices, the canonical published document and its SHA-256, and freezing it all
in Result rows. A session and plain values in; no Flask objects.

The published document is canonical JSON (sorted keys, no spaces, UTF-8), so anyone holding the
downloaded file can recompute the digest stored in every Result row.
"""

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from contest.core.audit import AuditEvent, record
from contest.core.dbtypes import utcnow
from contest.core.errors import ValidationError
from contest.core.models.contests import Category
from contest.core.models.entries import Entry, School
from contest.core.models.results import Result
from contest.core.statuses import OUT_OF_RUNNING, ConsentStatus, EntryStatus
from contest.submissions.services import mail_school, tell_school

PLACES = (1, 2, 3)
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}
PC_ENTRY, PC_REASON = "pc_entry", "pc_reason"
CAPTIONS_REASON = "captions_reason"


def place_field(category_id, place):
    """The form field (and problem key) of a category's place."""
    return f"c{category_id}_place{place}"


def reason_field(category_id):
    return f"c{category_id}_reason"


class PublicationProblems(ValidationError):
    """Every problem with the organizer's choices at once: (field or None, message) pairs."""

    def __init__(self, problems):
        super().__init__(" ".join(message for _, message in problems))
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
        return f"“{entry.title}” is {entry.status}."
    if entry.hidden:
        return f"“{entry.title}” is hidden (taken down)."
    if entry.calibration_anchor:
        return f"“{entry.title}” is a calibration anchor."
    if entry.status != EntryStatus.READY:
        return f"“{entry.title}” is not ready (it is {entry.status})."
    if entry.consent_status != ConsentStatus.APPROVED:
        return f"“{entry.title}”'s consent form is not approved (it is {entry.consent_status})."
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
    """Default winners of one category (services.CategoryResults): the eligible entries in
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
        why = ineligibility(facts[entry_id]) if entry_id in facts else "not in this contest"
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


@dataclass
class Plan:
    categories: list[CategoryPlan]
    peoples_choice: PeoplesChoicePlan
    facts: dict


def plan(categories, tally, ballot_sha256, facts):
    """Defaults for the whole contest from services.category_results and the vote tally."""
    return Plan(
        [plan_category(results, facts) for results in categories],
        plan_peoples_choice(tally, ballot_sha256, facts),
        facts,
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


# --- checking the organizer's choices ----------------------------------------------------------


@dataclass
class Award:
    """One award as it will be published; `document()` is its entry in the published data."""

    award: str  # "place" or "peoples_choice"
    entry: EntryFacts
    category_id: int | None
    category: str | None
    place: int | None
    chosen: str  # "ranking", "votes", "tie resolved" or "override"
    figures: dict
    reason: str | None = None
    instead_of: list[int] = field(default_factory=list)  # the default, or the tied entries

    def document(self):
        data = {
            "award": self.award,
            "category_id": self.category_id,
            "category": self.category,
            "place": self.place,
            "entry_id": self.entry.id,
            "title": self.entry.title,
            "school": self.entry.school,
            "chosen": self.chosen,
            "figures": self.figures,
        }
        if self.chosen == "override":
            data["override_reason"] = self.reason
        elif self.chosen == "tie resolved":
            data["tie_reason"] = self.reason
        return data

    def describe(self):
        return (
            f"{ORDINALS[self.place]} place in {self.category}"
            if self.award == "place"
            else "the People's Choice award"
        )


def _titles(facts, ids):
    return " and ".join(f"“{facts[entry].title}”" for entry in ids)


def _how_chosen(entry_id, default, tied_with, clear):
    """How a choice stands to the default: `clear` when it is the default, "tie resolved" when
    it orders a tie, else "override"; with the entries it was chosen over."""
    if entry_id == default:
        return clear, []
    if default is None and entry_id in tied_with:
        return "tie resolved", tied_with
    return "override", [default] if default else tied_with


def _why_not(facts, entry_id, in_scope, scope):
    """Why `entry_id` cannot take an award in `scope` (a category or the contest), or None."""
    entry = facts.get(entry_id)
    if entry is None or not in_scope(entry):
        return f"That entry is not in {scope}."
    why = ineligibility(entry)
    return f"{why} It cannot win." if why else None


def _place_figures(category, row):
    return {
        "raw": row.raw,
        "normalised": row.normalised,
        "interval_90": list(row.interval),
        "ranked_by": category.ranked_by,
        "ranking_place": row.place,
        "decided_by": row.decided_by,
        "sheets": row.sheets,
    }


def _reason_wanted(facts, award):
    """What a reason must explain for `award` (a tie resolution or an override)."""
    chosen_over = _titles(facts, award.instead_of)
    if award.chosen == "tie resolved":
        return f"resolving the tie between {chosen_over}"
    if not chosen_over:
        return f"choosing “{award.entry.title}”, which does not lead the counted votes"
    return f"choosing “{award.entry.title}” instead of {chosen_over}"


def check_category(category, chosen, reason, facts):
    """The awards of one category from the chosen entry ids (place -> id or None), and the
    problems: an entry outside the category, ineligible or unranked, one entry in two places, a
    place left empty, or a tie resolved or the ranking changed without a reason.

    A category has as many places as it has eligible ranked entries, up to three; no entry can
    then fill a place beyond them without being ineligible, unranked or chosen twice."""
    problems, awards, seen = [], [], {}
    reason = (reason or "").strip()
    in_category = lambda entry: entry.category_id == category.category_id  # noqa: E731
    for slot, place in zip(category.slots, PLACES, strict=False):
        key, entry_id = place_field(category.category_id, place), chosen.get(place)
        if entry_id is None:
            problem = f"Choose the {ORDINALS[place]} place in {category.name}"
            if slot.tied_with:
                problem += f": {_titles(facts, slot.tied_with)} are tied, choose their order"
            problems.append((key, problem + "."))
            continue
        why = _why_not(facts, entry_id, in_category, category.name)
        if why is None and entry_id not in category.rows:
            why = (
                f"“{facts[entry_id].title}” has no counted score sheet, so it has no place to win."
            )
        if why is None and entry_id in seen:
            why = (
                f"“{facts[entry_id].title}” is chosen for both {ORDINALS[seen[entry_id]]} and "
                f"{ORDINALS[place]} place in {category.name}."
            )
        if why:
            problems.append((key, why))
            continue
        seen[entry_id] = place
        how, instead = _how_chosen(entry_id, slot.default, slot.tied_with, "ranking")
        awards.append(
            Award(
                award="place",
                entry=facts[entry_id],
                category_id=category.category_id,
                category=category.name,
                place=place,
                chosen=how,
                figures=_place_figures(category, category.rows[entry_id]),
                reason=reason if how != "ranking" else None,
                instead_of=instead,
            )
        )
    for place in PLACES[len(category.slots) :]:
        if chosen.get(place) is not None:
            problems.append(
                (
                    place_field(category.category_id, place),
                    f"{category.name} has {len(category.slots)} eligible ranked entries, so no "
                    f"{ORDINALS[place]} place.",
                )
            )
    needs_reason = [award for award in awards if award.chosen != "ranking"]
    if needs_reason and not reason and not problems:
        what = "; ".join(
            f"{ORDINALS[award.place]}: {_reason_wanted(facts, award)}" for award in needs_reason
        )
        problems.append(
            (
                reason_field(category.category_id),
                f"Give the reason for {what} in {category.name}: it is published with the results.",
            )
        )
    return awards, problems


def check_peoples_choice(pc, entry_id, reason, facts):
    """The People's Choice award (None when no vote was counted), and the problems."""
    reason = (reason or "").strip()
    if pc.counted == 0:
        if entry_id is not None:
            return None, [(PC_ENTRY, "No vote was counted, so there is no People's Choice award.")]
        return None, []
    if entry_id is None:
        return None, [
            (PC_ENTRY, f"Choose the People's Choice winner: {pc.counted} votes were counted.")
        ]
    why = _why_not(facts, entry_id, lambda entry: True, "this contest")
    if why:
        return None, [(PC_ENTRY, why)]
    how, instead = _how_chosen(entry_id, pc.default, pc.tied_with, "votes")
    award = Award(
        award="peoples_choice",
        entry=facts[entry_id],
        category_id=None,
        category=None,
        place=None,
        chosen=how,
        figures={
            "votes": pc.votes.get(entry_id, 0),
            "counted": pc.counted,
            "voided": pc.voided,
            "ballot_sha256": pc.ballot_sha256,
        },
        reason=reason if how != "votes" else None,
        instead_of=instead,
    )
    if how != "votes" and not reason:
        what = _reason_wanted(facts, award)
        return None, [(PC_REASON, f"Give the reason for {what}: it is published with the results.")]
    return award, []


def uncaptioned(facts, entry_ids):
    """The entries among `entry_ids` (None and repeats ignored) that have no captions."""
    ids = dict.fromkeys(entry_id for entry_id in entry_ids if entry_id in facts)
    return [facts[entry_id] for entry_id in ids if not facts[entry_id].has_captions]


def uncaptioned_choices(plan, choices):
    """The chosen winners (field name -> entry id, as check_choices takes them) without captions,
    for the publish screen's warning."""
    names = [place_field(c.category_id, p) for c in plan.categories for p in PLACES]
    return uncaptioned(plan.facts, [choices.get(name) for name in [*names, PC_ENTRY]])


def captions_problem(awards, reason):
    """Why `awards` may not be published as they are, or None: every winning video needs
    captions, unless the organizer gives the reason to publish without them (it is published)."""
    missing = uncaptioned({a.entry.id: a.entry for a in awards}, [a.entry.id for a in awards])
    if not missing or (reason or "").strip():
        return None
    titles = _titles({entry.id: entry for entry in missing}, [entry.id for entry in missing])
    return (
        f"{titles} {'has' if len(missing) == 1 else 'have'} no captions. Add captions, or give "
        "the reason to publish without them: it is published with the results."
    )


def captions_override(awards, reason):
    """What the published document and the audit log keep of a publication without captions."""
    missing = uncaptioned({a.entry.id: a.entry for a in awards}, [a.entry.id for a in awards])
    if not missing:
        return None
    return {"reason": (reason or "").strip(), "entry_ids": [entry.id for entry in missing]}


def voting_still_open(contest, now):
    """Why the contest may not be published yet because of its voting window, or None."""
    if contest.voting_open_at is None:
        return None
    if contest.voting_close_at is None:
        return "Voting has no closing time: set one, and publish once it has passed."
    if now < contest.voting_close_at:
        return (
            f"Voting is still open (it closes {contest.voting_close_at:%d %b %Y %H:%M} UTC): "
            "publish once it has closed, so the People's Choice count is final."
        )
    return None


def check_choices(contest, plan, choices, now=None):
    """The awards to publish from the organizer's choices (field name -> entry id or reason
    text), or PublicationProblems listing everything wrong."""
    now = now or utcnow()
    problems, awards = [], []
    if contest.published_at is not None:
        problems.append((None, "These results are already published: un-publish them first."))
    closed = voting_still_open(contest, now)
    if closed:
        problems.append((None, closed))
    for category in plan.categories:
        chosen = {place: choices.get(place_field(category.category_id, place)) for place in PLACES}
        found, trouble = check_category(
            category, chosen, choices.get(reason_field(category.category_id)), plan.facts
        )
        awards += found
        problems += trouble
    pc, trouble = check_peoples_choice(
        plan.peoples_choice, choices.get(PC_ENTRY), choices.get(PC_REASON), plan.facts
    )
    problems += trouble
    if pc:
        awards.append(pc)
    missing_captions = captions_problem(awards, choices.get(CAPTIONS_REASON))
    if missing_captions:
        problems.append((CAPTIONS_REASON, missing_captions))
    if not awards and not problems:
        problems.append(
            (
                None,
                "Nothing to publish: no category has an eligible ranked entry and no vote "
                "was counted.",
            )
        )
    if problems:
        raise PublicationProblems(problems)
    return awards


# --- the published document --------------------------------------------------------------------


def canonical_json(document):
    """The document's canonical bytes: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def digest(data):
    return hashlib.sha256(data).hexdigest()


def published_document(contest, published_at, awards, captions_reason=None):
    document = {
        "contest": {"id": contest.id, "name": contest.name, "slug": contest.slug},
        "published_at": published_at.isoformat(),
        "awards": [award.document() for award in awards],
    }
    without_captions = captions_override(awards, captions_reason)
    if without_captions:
        document["captions_override"] = without_captions
    return document


def _message(contest, award):
    return f"“{award.entry.title}” won {award.describe()} in {contest.name}. Congratulations!"


def publish_results(session, organizer, contest, awards, now=None, captions_reason=None):
    """Freeze `awards` (from check_choices) in Result rows with the document's digest, mark the
    contest published, audit it (with every tie resolution and override, and the reason to
    publish winners without captions) and tell each winning school. The caller commits.
    Returns (document bytes, digest)."""
    missing_captions = captions_problem(awards, captions_reason)
    if missing_captions:
        raise ValidationError(missing_captions, field=CAPTIONS_REASON)
    session.refresh(contest, with_for_update=True)  # two organizers publishing at once: one wins
    if contest.published_at is not None:
        raise ValidationError("results.these_results_already_published")
    now = (now or utcnow()).replace(microsecond=0)
    document = published_document(contest, now, awards, captions_reason)
    data = canonical_json(document)
    sha = digest(data)
    for award in awards:
        session.add(
            Result(
                contest_id=contest.id,
                category_id=award.category_id,
                award=award.award,
                place=award.place,
                entry_id=award.entry.id,
                figures=award.document(),
                digest=sha,
                published_at=now,
            )
        )
        tell_school(session, award.entry, "results.published", _message(contest, award))
    contest.published_at = now
    overrides = [
        {
            "award": a.describe(),
            "entry_id": a.entry.id,
            "chosen": a.chosen,
            "instead_of": a.instead_of,
            "reason": a.reason,
        }
        for a in awards
        if a.chosen not in ("ranking", "votes")
    ]
    record(
        session,
        organizer,
        "contest.published",
        contest,
        digest=sha,
        overrides=overrides,
        captions_override=document.get("captions_override"),
        payload=document,
    )
    session.flush()
    return data, sha


def mail_winners(session, contest, awards):
    """Mail each winning school's teachers once the publication commits (queued, retried)."""
    for award in awards:
        mail_school(session, award.entry, f"{contest.name}: results", _message(contest, award))


# How published results are listed (a query joined to Category): categories in order, places,
# People's Choice last.
RESULT_ORDER = (
    Result.category_id.is_(None),
    Category.sort_order,
    Category.id,
    Result.place,
    Result.id,
)


def published_results(session, contest):
    """The contest's frozen Result rows, in RESULT_ORDER."""
    return session.scalars(
        select(Result)
        .outerjoin(Category, Category.id == Result.category_id)
        .where(Result.contest_id == contest.id)
        .order_by(*RESULT_ORDER)
    ).all()


def published_payload(session, contest):
    """The exact published document (from the contest.published audit event whose digest the
    Result rows carry), or None when the contest is not published."""
    digests = set(
        session.scalars(select(Result.digest).where(Result.contest_id == contest.id)).all()
    )
    if contest.published_at is None or len(digests) != 1:
        return None
    event = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.action == "contest.published",
            AuditEvent.subject_type == "contests",
            AuditEvent.subject_id == contest.id,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None or event.data.get("digest") not in digests:
        return None
    return event.data["payload"]


def unpublish_results(session, organizer, contest, reason):
    """Withdraw the published results: the Result rows go, the contest is no longer published,
    and the audit event keeps the old digest and document. The caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("results.give_reason_un_publishing", field="reason")
    session.refresh(contest, with_for_update=True)
    if contest.published_at is None:
        raise ValidationError("results.these_results_published")
    payload = published_payload(session, contest)
    old = session.scalar(select(Result.digest).where(Result.contest_id == contest.id).limit(1))
    session.execute(delete(Result).where(Result.contest_id == contest.id))
    contest.published_at = None
    record(
        session,
        organizer,
        "contest.unpublished",
        contest,
        reason=reason,
        digest=old,
        payload=payload,
    )
    session.flush()
