"""Which entries move on from a judging round: the rules, as plain functions over plain data.

A round's mode ranks each category its own way (rubric scores with the results' tie-break chain,
a share of "yes" for screening) and gives `Standing`s; the round's advancement rule proposes who
moves on; the organizers confirm or change the proposal, giving a reason for every change and
for every pick (`decide`). No database and no Flask: the round's loader feeds plain data.

Ties at the cut, as the organizer chooses for the round (`AtTheCut`):
- CHAIN (the default): the mode's tie-break chain decides (for rubric rounds: score, then the
  heaviest criterion, then head-to-head); entries it cannot separate share a place, and a shared
  place within the top N advances every entry holding it, so a cut never falls inside a tie.
- ALL_TIED: every entry whose score equals the last advancing entry's score advances too,
  whatever the rest of the chain says.
Either way a rule may advance more than N entries, never fewer (unless fewer were judged), and
an entry without a score (not judged in the round) never advances by a rule, only by a pick.
"""

from dataclasses import dataclass

from contest.core.errors import ValidationError
from contest.core.statuses import AdvanceRule, AtTheCut
from contest.judging import messages  # noqa: F401  (the words of the codes below)

_SAME = 1e-9  # scores closer than this are equal (floating-point noise), as in the ranking


@dataclass(frozen=True)
class Standing:
    """One entry of one category as its round ranked it: its score (None if not judged), its
    place by the mode's tie-break chain (tied entries share one) and, where the mode has one,
    the interval its score plausibly lies in."""

    entry: object
    score: float | None
    place: int | None = None
    interval: tuple | None = None


@dataclass(frozen=True)
class Proposal:
    entry: object
    advances: bool
    why: str  # "in the top 3", "scored 71.5, at least 70", "tied at the cut" ...
    close: bool = False  # a close call: its interval reaches across the cut
    score: float | None = None  # the round's figure, None if not judged


@dataclass(frozen=True)
class Decision:
    entry: object
    advances: bool
    changed: bool  # the organizers decided otherwise than the rule proposed
    reason: str  # the organizers' reason ("" when the rule's proposal stands)


def propose(standings, rule, *, top=None, threshold=None, at_the_cut=AtTheCut.CHAIN):
    """The proposal for one category's `standings` under `rule` (with `top` N or a score
    `threshold`), best first."""
    ordered = sorted(
        standings,
        key=lambda s: (s.score is None, -(s.score or 0.0), s.place or 0, str(s.entry)),
    )
    scored = [s for s in ordered if s.score is not None]
    unscored = [Proposal(s.entry, False, "not judged in this round") for s in ordered
                if s.score is None]  # fmt: skip
    if rule == AdvanceRule.PICK:
        return [
            Proposal(s.entry, False, "awaits the organizers' pick", score=s.score) for s in scored
        ] + unscored
    if rule == AdvanceRule.THRESHOLD:
        if threshold is None:
            raise ValidationError("rounds.threshold_required", field="threshold")
        return [_by_threshold(s, threshold) for s in scored] + unscored
    if not isinstance(top, int) or top < 1:
        raise ValidationError("rounds.top_required", field="top")
    return _by_top(scored, top, AtTheCut(at_the_cut)) + unscored


def _by_threshold(standing, threshold):
    advances = standing.score >= threshold - _SAME
    low, high = standing.interval or (standing.score, standing.score)
    word = "at least" if advances else "below"
    return Proposal(
        standing.entry,
        advances,
        f"scored {standing.score:.1f}, {word} {threshold:g}",
        close=low < threshold <= high,
        score=standing.score,
    )


def _by_top(scored, top, at_the_cut):
    if len(scored) <= top:
        return [Proposal(s.entry, True, f"in the top {top}", score=s.score) for s in scored]
    cut = scored[top - 1]
    if at_the_cut == AtTheCut.ALL_TIED:
        inside = [s.score >= cut.score - _SAME for s in scored]
        level = [abs(s.score - cut.score) <= _SAME for s in scored]
    else:
        # A shared place inside the top N keeps the whole tie in.
        inside = [s.place is not None and s.place <= top for s in scored]
        level = [s.place is not None and s.place == cut.place for s in scored]
    advancing = [s for s, keep in zip(scored, inside, strict=True) if keep]
    staying = [s for s, keep in zip(scored, inside, strict=True) if not keep]
    # The cut lies between the last entry in and the first one out.
    last_in = min(s.score for s in advancing) if advancing else None
    first_out = max(s.score for s in staying) if staying else None
    across = len(advancing) > top  # a tie at the cut took more than N in
    proposals = []
    for standing, keep, at_cut in zip(scored, inside, level, strict=True):
        low, high = standing.interval or (standing.score, standing.score)
        if keep:
            why = "tied at the cut" if at_cut and across else f"in the top {top}"
            close = first_out is not None and low < first_out
        else:
            why = f"below the top {top}"
            close = last_in is not None and high > last_in
        proposals.append(Proposal(standing.entry, keep, why, close, standing.score))
    return proposals


def decide(proposals, changes, labels=None):
    """The round's decisions: each proposal stands unless `changes` ({entry: (advances,
    reason)}) says otherwise. A change needs a reason, and so does every entry advanced by a
    pick (a proposal that awaited one). ValidationError (field "reasons") naming the first entry
    without one, by `labels` ({entry: title}) when given."""
    decisions = []
    for proposal in proposals:
        advances, reason = changes.get(proposal.entry, (proposal.advances, ""))
        reason = " ".join((reason or "").split())
        changed = bool(advances) != proposal.advances
        if changed and not reason:
            label = (labels or {}).get(proposal.entry, proposal.entry)
            raise ValidationError("rounds.reason_required", field="reasons", entry=label)
        decisions.append(Decision(proposal.entry, bool(advances), changed, reason))
    return decisions
