"""The scoring engine: hand-computed small cases for every figure, and Krippendorff's alpha
against the independent `krippendorff` package."""

import math
from types import SimpleNamespace

import krippendorff
import numpy as np
import pytest

from contest.judging.points import Scale, sheet_score
from contest.results.scoring import (
    Candidate,
    Sheet,
    alpha_table,
    bootstrap,
    distinct_resamples,
    entry_score,
    head_to_head,
    judge_figures,
    krippendorff_alpha,
    normalise,
    pearson,
    rank,
)

DEFAULT = [(3, 1, 5), (2, 1, 5), (3, 1, 5), (1, 1, 5), (1, 1, 5)]  # the default PSA rubric


def test_the_bottom_of_every_scale_is_0_and_the_top_is_100():
    assert sheet_score(DEFAULT, [1, 1, 1, 1, 1]) == 0
    assert sheet_score(DEFAULT, [5, 5, 5, 5, 5]) == 100


def test_a_hand_computed_sheet():
    # (3*3/4 + 2*2/4 + 3*1/4 + 1*4/4 + 1*0/4) / 10 * 100 = (2.25 + 1 + 0.75 + 1 + 0) * 10
    assert sheet_score(DEFAULT, [4, 3, 2, 5, 1]) == pytest.approx(50.0)


def test_each_criterion_counts_on_its_own_scale():
    # 0-10 at 7 is 0.7, weight 1; 1-3 at 2 is 0.5, weight 3: (0.7 + 1.5) / 4 * 100 = 55
    assert sheet_score([(1, 0, 10), (3, 1, 3)], [7, 2]) == pytest.approx(55.0)


def test_equal_weights_are_a_plain_mean_whatever_their_size():
    assert sheet_score([(0.5, 0, 4), (0.5, 0, 4)], [1, 3]) == pytest.approx(50.0)
    assert sheet_score([(7, 0, 4), (7, 0, 4)], [1, 3]) == pytest.approx(50.0)


def test_a_single_two_level_criterion():
    assert sheet_score([(1, 0, 1)], [1]) == 100
    assert sheet_score([(1, 0, 1)], [0]) == 0


def test_criteria_may_be_scales_or_rows():
    row = SimpleNamespace(weight=2.0, min_points=1, max_points=5, name="Impact")
    assert sheet_score([Scale(1, 0, 4), row], [2, 3]) == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("criteria", "points", "message"),
    [
        ([], [], "at least one criterion"),
        ([(1, 1, 5)], [], "0 points given for 1 criteria"),
        ([(1, 1, 5)], [3, 4], "2 points given"),
        ([(1, 1, 5)], [None], "outside the scale"),
        ([(1, 1, 5)], [0], "outside the scale 1-5"),
        ([(1, 1, 5)], [6], "outside the scale 1-5"),
        ([(0, 1, 5)], [3], "above 0"),
        ([(-1, 1, 5)], [3], "above 0"),
        ([(float("inf"), 1, 5)], [3], "above 0"),
        ([(1, 3, 3)], [3], "has no range"),
    ],
)
def test_a_sheet_that_cannot_be_scored_is_refused(criteria, points, message):
    with pytest.raises(ValueError, match=message):
        sheet_score(criteria, points)


def test_an_entry_scores_the_mean_of_its_sheets():
    assert entry_score([60, 70, 80]) == 70
    assert entry_score([55.5]) == 55.5
    assert entry_score([]) is None


def sheets_of(table):
    """Sheets from {judge: [(entry, score), ...]}."""
    return [Sheet(judge, entry, score) for judge, rows in table.items() for entry, score in rows]


def test_two_judges_with_the_same_pattern_at_different_levels_normalise_alike():
    # pool 40, 50, 60, 60, 70, 80: mean 60, sd sqrt(1000/6); each judge's z is -sqrt(1.5), 0,
    # +sqrt(1.5), so z * pool sd = sqrt(1.5 * 1000 / 6) = sqrt(250)
    sheets = sheets_of({"a": [(1, 40), (2, 50), (3, 60)], "b": [(1, 60), (2, 70), (3, 80)]})
    result = normalise(sheets)
    step = math.sqrt(250)
    assert result.pool_mean == pytest.approx(60)
    assert result.pool_sd == pytest.approx(math.sqrt(1000 / 6))
    assert result.scores == pytest.approx([60 - step, 60, 60 + step] * 2)
    assert result.unnormalised == set()


def test_normalised_scores_are_clipped_to_the_scale():
    # pool 0, 50, 100, 90, 100, 95: mean 72.5, variance 8087.5 / 6; judge d's 100 has z sqrt(1.5)
    sheets = sheets_of({"c": [(1, 0), (2, 50), (3, 100)], "d": [(1, 90), (2, 100), (3, 95)]})
    result = normalise(sheets)
    step = math.sqrt(1.5 * 8087.5 / 6)
    assert step > 27.5  # so 72.5 + step is past 100
    assert result.scores[3:] == pytest.approx([72.5 - step, 100, 72.5])


def test_a_judge_with_too_few_sheets_or_no_spread_keeps_raw_scores_and_is_flagged():
    sheets = sheets_of(
        {
            "few": [(1, 90), (2, 10)],
            "flat": [(1, 50), (2, 50), (3, 50)],
            "fine": [(1, 20), (2, 40), (3, 60)],
        }
    )
    result = normalise(sheets)
    assert result.unnormalised == {"few", "flat"}
    assert result.scores[:5] == [90, 10, 50, 50, 50]
    assert result.scores[5:] != [20, 40, 60]
    assert normalise([]).scores == []


@pytest.mark.parametrize(
    ("sheets", "distinct"), [(0, 0), (1, 1), (2, 3), (3, 10), (4, 35), (5, 126)]
)
def test_the_number_of_distinct_resamples(sheets, distinct):
    assert distinct_resamples(sheets) == distinct


def test_the_bootstrap_interval_and_flip_probability_by_hand():
    # B's resample means are 40 (1/4), 55 (1/2), 70 (1/4): the 90% interval spans 40-70 and B
    # beats A's 60 in a quarter of resamples; C and D are identical, so every resample ties (1/2)
    result = bootstrap({"a": [60], "b": [40, 70], "c": [50, 50], "d": [50, 50]}, resamples=20000)
    assert result.interval("a") == (60, 60)
    assert result.interval("b") == (40, 70)
    assert result.flip_probability("a", "b") == pytest.approx(0.25, abs=0.01)
    assert result.flip_probability("c", "d") == 0.5
    assert result.flip_probability("a", "c") == 0


def test_the_bootstrap_is_the_same_every_time():
    scores = {entry: [entry % 7 * 10, entry % 5 * 20, 50] for entry in range(30)}
    first, second = bootstrap(scores), bootstrap(dict(reversed(scores.items())))
    assert np.array_equal(first.means, second.means)
    assert first.means.shape == (30, 200)
    with pytest.raises(ValueError, match="at least one sheet"):
        bootstrap({"a": []})


def candidate(entry, score, heaviest=50.0, **by_judge):
    return Candidate(entry, score, heaviest, by_judge)


def test_the_tie_break_chain_down_to_a_declared_tie():
    placed = rank(
        [
            candidate(8, 60, j1=70, j2=60),  # level with 7 all the way down: a declared tie
            candidate(7, 60, j1=60, j2=70),
            candidate(6, 70, j1=70, j2=65, j3=75),  # beats 5 with two of the three judges
            candidate(5, 70, j1=80, j2=60, j3=70),
            candidate(4, 75, heaviest=50),
            candidate(3, 75, heaviest=75),  # beats 4 on the heaviest criterion
            candidate(2, 80),
            candidate(1, 90),
        ]
    )
    assert [(p.entry, p.place, p.decided_by, p.tied) for p in placed] == [
        (1, 1, "score", False),
        (2, 2, "score", False),
        (3, 3, "heaviest criterion", False),
        (4, 4, "heaviest criterion", False),
        (6, 5, "head-to-head", False),
        (5, 6, "head-to-head", False),
        (7, 7, "tie", True),
        (8, 7, "tie", True),
    ]


def test_head_to_head_counts_only_the_judges_who_scored_both():
    first = candidate(1, 0, j1=80, j2=60, j4=100)
    second = candidate(2, 0, j1=70, j2=60, j3=0)
    assert head_to_head(first, second) == 1  # j1 prefers 1, j2 is level, j3 and j4 scored one
    assert head_to_head(second, first) == -1


def test_alpha_by_hand():
    # units (1,1), (2,2), (3,4): o_11 = o_22 = 2, o_34 = o_43 = 1; n = 6, n_c = 2, 2, 1, 1.
    # interval: 1 - 5 * 2 / (2 * 41) ; nominal: 1 - 5 * 2 / (36 - 10)
    data = [[1, 2, 3], [1, 2, 4]]
    assert krippendorff_alpha(data) == pytest.approx(1 - 10 / 82)
    assert krippendorff_alpha(data, "nominal") == pytest.approx(1 - 10 / 26)
    assert krippendorff_alpha([[1, 2], [2, 1]]) == pytest.approx(-0.5)
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]]) == 1


def test_alpha_ignores_entries_rated_once_and_refuses_what_it_cannot_measure():
    assert krippendorff_alpha([[1, 2, 3, 9], [1, 2, 4, None]]) == pytest.approx(1 - 10 / 82)
    assert krippendorff_alpha([[1, None], [None, 2]]) is None  # nothing rated twice
    assert krippendorff_alpha([[5, 5], [5, 5]]) is None  # no variation at all
    assert krippendorff_alpha([]) is None
    with pytest.raises(ValueError, match="level must be one of"):
        krippendorff_alpha([[1], [1]], "cardinal")
    with pytest.raises(ValueError, match="one cell per entry"):
        krippendorff_alpha([[1, 2], [1]])


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("seed", range(8))
def test_alpha_matches_the_krippendorff_package(level, seed):
    rng = np.random.default_rng(seed)
    judges, entries = rng.integers(2, 6), rng.integers(5, 40)
    data = rng.integers(0, rng.integers(2, 12), size=(judges, entries)).astype(float)
    if seed % 2:
        data = np.round(data * 7.5 + rng.random(data.shape) * 3, 1)  # scores with decimals
    data[rng.random(data.shape) < 0.3] = np.nan
    rows = [[None if np.isnan(cell) else float(cell) for cell in row] for row in data]
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(rows, level) == pytest.approx(expected, abs=1e-9)


def test_pearson_by_hand():
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert pearson([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert pearson([1, 2, 3], [5, 5, 5]) is None
    assert pearson([1], [1]) is None


def test_leniency_and_agreement_by_hand():
    # against the others' mean: a meets 50/60/70 exactly; b is 15 below 55/65/75; c 15 above
    sheets = sheets_of(
        {
            "a": [(1, 50), (2, 60), (3, 70)],
            "b": [(1, 40), (2, 50), (3, 60)],
            "c": [(1, 60), (2, 70), (3, 80)],
        }
    )
    figures = {figure.judge: figure for figure in judge_figures(sheets)}
    assert figures["a"].leniency == pytest.approx(0)
    assert figures["b"].leniency == pytest.approx(-15)
    assert figures["c"].leniency == pytest.approx(15)
    assert all(figure.agreement == pytest.approx(1) for figure in figures.values())
    assert [figures[j].flags for j in "abc"] == [[], ["severe"], ["lenient"]]
    assert figures["a"].sheets == figures["a"].shared == 3


def test_a_judge_who_ranks_the_other_way_is_out_of_step():
    sheets = sheets_of(
        {"a": [(1, 50), (2, 60), (3, 70), (4, 80)], "b": [(1, 80), (2, 70), (3, 60), (5, 10)]}
    )
    figures = {figure.judge: figure for figure in judge_figures(sheets)}
    assert figures["a"].agreement == pytest.approx(-1)
    assert figures["a"].leniency == pytest.approx(-10)  # -30, -10, +10 over entries 1-3
    assert figures["a"].flags == ["out of step"]  # exactly 10 below is not beyond the limit
    assert (figures["b"].sheets, figures["b"].shared) == (4, 3)


def test_a_judge_sharing_no_entry_has_no_figures():
    (figure,) = judge_figures(sheets_of({"alone": [(1, 50), (2, 60)]}))
    assert (figure.leniency, figure.agreement, figure.flags, figure.shared) == (None, None, [], 0)


def test_the_alpha_table_has_a_row_per_judge_and_a_column_per_entry():
    sheets = sheets_of({"a": [(1, 50), (2, 60)], "b": [(2, 70), (3, 80)]})
    assert alpha_table(sheets) == (["a", "b"], [1, 2, 3], [[50, 60, None], [None, 70, 80]])
