"""The checks on the organizer's choices of winners: every problem at once, each on its field,
and the awards the choices make when there is none."""

from dataclasses import dataclass, field

from contest.core import rules
from contest.core.dbtypes import utcnow
from contest.results.plan import (
    CAPTIONS_REASON,
    JUDGING_REASON,
    ORDINALS,
    PC_ENTRY,
    PC_REASON,
    PLACES,
    EntryFacts,
    PublicationProblems,
    ineligibility,
    place_field,
    reason_field,
)

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
        when = rules.contest_time(contest.voting_close_at, contest.timezone)
        return (
            f"Voting is still open (it closes {when}): "
            "publish once it has closed, so the People's Choice count is final."
        )
    return None


def judging_unfinished(state):
    """Why publishing now would publish unfinished judging, or None: judging must have closed
    and every judged entry have its judges' sheets, unless a stated reason says otherwise."""
    if state is None or state.finished:
        return None
    parts = []
    if not state.closed:
        when = rules.contest_time(state.close_at, state.timezone)
        parts.append(f"Judging is still open (it closes {when})" if when else
                     "Judging has no closing time")  # fmt: skip
    if state.short:
        entries = "1 entry has" if state.short == 1 else f"{state.short} entries have"
        parts.append(f"{entries} fewer than {state.judges_per_entry} submitted score sheets")
    return (
        "; ".join(parts) + ". Publish once judging is finished, or give the reason to publish "
        "now: it is published with the results."
    )


def judging_override(state, reason):
    """What the published document and the audit log keep of a publication before judging
    finished, or None."""
    if judging_unfinished(state) is None:
        return None
    return {
        "reason": (reason or "").strip(),
        "judging_closed": state.closed,
        "entries_short": state.short,
        "judges_per_entry": state.judges_per_entry,
    }


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
    unfinished = judging_unfinished(plan.judging)
    if unfinished and not (choices.get(JUDGING_REASON) or "").strip():
        problems.append((JUDGING_REASON, unfinished))
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
