"""sheet_score: hand-computed cases and the sheets it refuses to score."""

from types import SimpleNamespace

import pytest

from contest.results.scoring import Scale, sheet_score

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
