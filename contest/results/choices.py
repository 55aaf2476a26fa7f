"""The checks on the organizer's choices of winners: every problem at once, each on its field,
and the awards the choices make when there is none."""

from dataclasses import dataclass, field

from contest.core import rules
from contest.core.dbtypes import utcnow
from contest.core.errors import Listing, Phrase
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
        return Phrase("results.entry_not_in", scope=scope)
    why = ineligibility(entry)
    return Phrase("results.entry_cannot_win", why=why) if why else None


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
        return Phrase("results.reason_tie", titles=chosen_over)
    if not chosen_over:
        return Phrase("results.reason_not_leading", title=award.entry.title)
    return Phrase("results.reason_instead", title=award.entry.title, titles=chosen_over)


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
            where = {"ordinal": ORDINALS[place], "category": category.name}
            if slot.tied_with:
                titles = _titles(facts, slot.tied_with)
                problems.append((key, Phrase("results.choose_tied_place", titles=titles, **where)))
            else:
                problems.append((key, Phrase("results.choose_place", **where)))
            continue
        why = _why_not(facts, entry_id, in_category, category.name)
        if why is None and entry_id not in category.rows:
            why = Phrase("results.no_counted_sheet", title=facts[entry_id].title)
        if why is None and entry_id in seen:
            why = Phrase(
                "results.chosen_twice",
                title=facts[entry_id].title,
                first=ORDINALS[seen[entry_id]],
                second=ORDINALS[place],
                category=category.name,
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
                    Phrase(
                        "results.no_such_place",
                        category=category.name,
                        count=len(category.slots),
                        ordinal=ORDINALS[place],
                    ),
                )
            )
    needs_reason = [award for award in awards if award.chosen != "ranking"]
    if needs_reason and not reason and not problems:
        what = Listing(
            (
                Phrase(
                    "results.reason_for_place",
                    ordinal=ORDINALS[award.place],
                    what=_reason_wanted(facts, award),
                )
                for award in needs_reason
            ),
            separator="; ",
        )
        problems.append(
            (
                reason_field(category.category_id),
                Phrase("results.give_category_reason", what=what, category=category.name),
            )
        )
    return awards, problems


def check_peoples_choice(pc, entry_id, reason, facts):
    """The People's Choice award (None when no vote was counted), and the problems."""
    reason = (reason or "").strip()
    if pc.counted == 0:
        if entry_id is not None:
            return None, [(PC_ENTRY, Phrase("results.no_votes_no_award"))]
        return None, []
    if entry_id is None:
        return None, [(PC_ENTRY, Phrase("results.choose_peoples_choice", counted=pc.counted))]
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
        return None, [(PC_REASON, Phrase("results.give_reason", what=what))]
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
    code = "results.captions_missing_one" if len(missing) == 1 else "results.captions_missing"
    return Phrase(code, titles=titles)


def captions_override(awards, reason):
    """What the published document and the audit log keep of a publication without captions."""
    missing = uncaptioned({a.entry.id: a.entry for a in awards}, [a.entry.id for a in awards])
    if not missing:
        return None
    return {"reason": (reason or "").strip(), "entry_ids": [entry.id for entry in missing]}


def voting_still_open(contest, now):
    """Why the contest may not be published yet because of its voting window, or None."""
    if rules.voting_final(contest, now):
        return None
    if contest.voting_close_at is None:
        return Phrase("results.voting_no_close")
    when = rules.contest_time(contest.voting_close_at, contest.timezone)
    return Phrase("results.voting_still_open", when=when)


def judging_unfinished(state):
    """Why publishing now would publish unfinished judging, or None: judging must have closed
    and every judged entry have its judges' sheets, unless a stated reason says otherwise."""
    if state is None or state.finished:
        return None
    facts = []
    if not state.closed:
        when = rules.contest_time(state.close_at, state.timezone)
        facts.append(
            Phrase("results.judging_open", when=when)
            if when
            else Phrase("results.judging_no_close")
        )
    if state.short == 1:
        facts.append(Phrase("results.judging_short_one", judges=state.judges_per_entry))
    elif state.short:
        facts.append(
            Phrase("results.judging_short", count=state.short, judges=state.judges_per_entry)
        )
    return Phrase("results.judging_unfinished", facts=Listing(facts, separator="; "))


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
        problems.append((None, Phrase("results.these_results_already_published")))
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
        problems.append((None, Phrase("results.nothing_to_publish")))
    if problems:
        raise PublicationProblems(problems)
    return awards
