"""The advancement rules of a judging round (issue 16): top N, a threshold, the organizers' pick,
ties at the cut both ways, close calls, and decisions that need reasons. Plain data only."""

import pytest

from contest.core.errors import ValidationError, describe
from contest.core.statuses import AdvanceRule as Rule
from contest.core.statuses import AtTheCut
from contest.judging.advancement import Standing, decide, propose


def _advancing(proposals):
    return [p.entry for p in proposals if p.advances]


def _why(proposals):
    return {p.entry: p.why for p in proposals}


# Places by the tie-break chain: B and C are level on score; the chain separates them (B
# second, C third); D and E are level on score and the chain cannot separate them (both 4th).
CATEGORY = [
    Standing("A", 90.0, 1),
    Standing("C", 80.0, 3),
    Standing("B", 80.0, 2),
    Standing("D", 70.0, 4),
    Standing("E", 70.0, 4),
    Standing("F", 60.0, 6),
    Standing("G", None),
]


def test_top_n_takes_the_best_n_and_never_an_unjudged_entry():
    proposals = propose(CATEGORY, Rule.TOP, top=1)
    assert _advancing(proposals) == ["A"]
    assert [p.entry for p in proposals] == ["A", "B", "C", "D", "E", "F", "G"]
    assert _why(proposals)["G"] == "not judged in this round"
    assert _why(proposals)["B"] == "below the top 1"
    everyone = propose(CATEGORY, Rule.TOP, top=10)
    assert _advancing(everyone) == ["A", "B", "C", "D", "E", "F"]


def test_the_chain_decides_a_tie_it_can_separate():
    proposals = propose(CATEGORY, Rule.TOP, top=2, at_the_cut=AtTheCut.CHAIN)
    assert _advancing(proposals) == ["A", "B"]
    assert _why(proposals)["B"] == "in the top 2"


def test_a_tie_the_chain_cannot_separate_advances_whole():
    proposals = propose(CATEGORY, Rule.TOP, top=4, at_the_cut=AtTheCut.CHAIN)
    assert _advancing(proposals) == ["A", "B", "C", "D", "E"]
    assert _why(proposals)["D"] == _why(proposals)["E"] == "tied at the cut"
    assert _why(proposals)["C"] == "in the top 4"


def test_all_tied_on_score_advance_when_the_organizer_chose_so():
    proposals = propose(CATEGORY, Rule.TOP, top=2, at_the_cut=AtTheCut.ALL_TIED)
    assert _advancing(proposals) == ["A", "B", "C"]
    assert _why(proposals)["B"] == _why(proposals)["C"] == "tied at the cut"
    # A tie wholly inside the top N is no tie at the cut.
    inside = propose(CATEGORY, Rule.TOP, top=3, at_the_cut=AtTheCut.ALL_TIED)
    assert _advancing(inside) == ["A", "B", "C"]
    assert _why(inside)["C"] == "in the top 3"


def test_a_threshold_keeps_every_entry_scoring_at_least_it():
    proposals = propose(CATEGORY, Rule.THRESHOLD, threshold=70)
    assert _advancing(proposals) == ["A", "B", "C", "D", "E"]
    assert _why(proposals)["D"] == "scored 70.0, at least 70"
    assert _why(proposals)["F"] == "scored 60.0, below 70"


def test_close_calls_are_entries_whose_interval_reaches_across_the_cut():
    standings = [
        Standing("A", 90.0, 1, (85.0, 95.0)),
        Standing("B", 75.0, 2, (60.0, 80.0)),  # in, but could be below C
        Standing("C", 72.0, 3, (70.0, 76.0)),  # out, but could be above B
        Standing("D", 50.0, 4, (45.0, 55.0)),
    ]
    top = {p.entry: p.close for p in propose(standings, Rule.TOP, top=2)}
    assert top == {"A": False, "B": True, "C": True, "D": False}
    bar = {p.entry: p.close for p in propose(standings, Rule.THRESHOLD, threshold=74)}
    assert bar == {"A": False, "B": True, "C": True, "D": False}


def test_a_pick_proposes_nobody_and_every_pick_needs_a_reason():
    proposals = propose(CATEGORY, Rule.PICK)
    assert _advancing(proposals) == []
    assert _why(proposals)["A"] == "awaits the organizers' pick"
    with pytest.raises(ValidationError) as refused:
        decide(proposals, {"A": (True, "  ")}, labels={"A": "Think First"})
    assert refused.value.field == "reasons"
    assert "Give a reason for “Think First”" in describe(refused.value.code, refused.value.params)
    decisions = decide(proposals, {"A": (True, "The strongest  message")})
    assert [(d.entry, d.advances, d.changed, d.reason) for d in decisions if d.advances] == [
        ("A", True, True, "The strongest message")
    ]


def test_a_proposal_stands_without_a_reason_and_a_change_needs_one():
    proposals = propose(CATEGORY, Rule.TOP, top=2)
    kept = decide(proposals, {"A": (True, "")})
    assert [d.entry for d in kept if d.advances] == ["A", "B"]
    assert not any(d.changed for d in kept)
    with pytest.raises(ValidationError):
        decide(proposals, {"C": (True, "")})
    changed = decide(proposals, {"C": (True, "Judge 2 saw a glitch"), "B": (False, "Music")})
    assert [d.entry for d in changed if d.advances] == ["A", "C"]
    assert {d.entry: d.reason for d in changed if d.changed} == {
        "C": "Judge 2 saw a glitch", "B": "Music",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "settings", "field"),
    [(Rule.TOP, {"top": 0}, "top"), (Rule.TOP, {}, "top"), (Rule.THRESHOLD, {}, "threshold")],
)
def test_a_rule_without_its_number_is_refused(rule, settings, field):
    with pytest.raises(ValidationError) as refused:
        propose(CATEGORY, rule, **settings)
    assert refused.value.field == field
