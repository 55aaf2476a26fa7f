"""category_results and entry_sheets through the database: hand-checked figures on a small
contest, what counts (submitted, not calibration, entries in the running), and a query count
that does not grow with the number of entries."""

import statistics

import krippendorff
import numpy as np
import pytest

from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.results import scoring
from contest.results.ranking import category_results, entry_sheets
from tests import factories
from tests.helpers import count_statements

# The sheet scores of tests/results/conftest.py PANEL, judge by judge, E1-E3.
SCORES = {"a": [100, 50, 0], "b": [75, 50, 25], "c": [75, 75, 50]}


def results_of(session, contest):
    return category_results(session, session.get(Contest, contest.id))


def test_the_figures_of_a_small_contest_by_hand(session, small_contest):
    contest, entries, judges, _ = small_contest
    first, *others = results_of(session, contest)
    assert [category.rows for category in others] == [[], []]
    assert [row.title for row in first.rows] == ["E1", "E2", "E3"]
    assert [row.raw for row in first.rows] == pytest.approx([250 / 3, 175 / 3, 25])
    assert [row.place for row in first.rows] == [1, 2, 3]
    assert first.ranked_by == "normalised"
    assert (first.judge_count, first.entry_count, first.sheet_count) == (3, 3, 9)

    # normalised: each judge's z-scores mapped onto the pool's mean and spread
    pool = [score for scores in SCORES.values() for score in scores]
    mean, spread = statistics.fmean(pool), statistics.pstdev(pool)
    mapped = {
        judge: [
            min(100, max(0, mean + (s - statistics.fmean(own)) / statistics.pstdev(own) * spread))
            for s in own
        ]
        for judge, own in SCORES.items()
    }
    expected = [statistics.fmean(mapped[judge][index] for judge in "abc") for index in range(3)]
    assert [row.normalised for row in first.rows] == pytest.approx(expected)

    # reliability against the independent package
    table = np.array([SCORES[judge] for judge in "abc"], dtype=float)
    assert first.alpha == pytest.approx(
        krippendorff.alpha(reliability_data=table, level_of_measurement="interval")
    )

    # judge A against the others' mean (75, 62.5, 37.5): +25, -12.5, -37.5
    judge_a = next(judge for judge in first.judges if judge.name == "Judge A")
    assert judge_a.leniency == pytest.approx(-25 / 3)
    assert judge_a.agreement == pytest.approx(
        statistics.correlation([100, 50, 0], [75, 62.5, 37.5])
    )
    assert judge_a.scores == [100, 50, 0]
    assert (judge_a.sheets, judge_a.shared, judge_a.normalised) == (3, 3, True)
    assert sum(band.mine for band in judge_a.bins) == 3

    # three sheets each: ten distinct resamples, said plainly
    assert all("few sheets" in row.flags for row in first.rows)
    assert all(row.distinct_resamples == 10 for row in first.rows)
    low, high = first.rows[0].interval
    assert min(mapped[j][0] for j in "abc") <= low <= expected[0] <= high


def test_raw_scores_rank_when_the_contest_says_so(session, small_contest):
    contest, *_ = small_contest
    row = session.get(Contest, contest.id)
    row.normalise_scores = False
    session.flush()
    first = category_results(session, row)[0]
    assert first.ranked_by == "raw"
    lows = [r.interval[0] for r in first.rows]
    assert lows[0] == pytest.approx(75)  # E1's raw sheets are 100, 75, 75: no resample below 75


def test_a_judge_with_one_sheet_is_not_normalised_and_the_entry_says_so(
    app, session, small_contest
):
    contest, entries, _, rubric = small_contest
    late = factories.make_user(app, roles=["judge"], name="Judge D")
    factories.make_sheet(app, late, entries["E3"], rubric, (4, 4))
    first = results_of(session, contest)[0]
    flagged = {row.title: "judge not normalised" in row.flags for row in first.rows}
    assert flagged == {"E1": False, "E2": False, "E3": True}
    judge_d = next(judge for judge in first.judges if judge.name == "Judge D")
    assert judge_d.normalised is False and "not normalised" in judge_d.flags
    e3 = next(row for row in first.rows if row.title == "E3")
    assert e3.raw == pytest.approx(175 / 4)


def test_the_drill_down_lists_every_sheet_with_its_evidence(session, small_contest):
    contest, entries, *_ = small_contest
    rows = entry_sheets(session, session.get(Entry, entries["Anchor"].id))
    assert [(r.judge_name, r.status, r.calibration, r.counted) for r in rows] == [
        ("Judge A", "submitted", True, False),
        ("Judge B", "draft", False, False),
        ("Judge C", "reopened", False, False),
    ]
    sheets = entry_sheets(session, session.get(Entry, entries["E1"].id))
    judge_b = sheets[1]
    assert (judge_b.score, judge_b.counted, judge_b.watched_fraction) == (75, True, 0.5)
    assert [(p.criterion, p.points, p.max_points) for p in judge_b.points] == [
        ("Message", 4, 4),
        ("Craft", 0, 4),
    ]


def add_entries(app, contest, rubric, judges, count, school):
    for number in range(count):
        entry = factories.make_entry(
            app, contest.categories[number % 3], school, title=f"More {number}", status="ready"
        )
        for offset, judge in enumerate(judges.values()):
            factories.make_sheet(app, judge, entry, rubric, ((number + offset) % 5, number % 5))


def test_the_number_of_queries_does_not_grow_with_the_entries(app, small_contest):
    contest, _, judges, rubric = small_contest
    school = factories.make_school(app)

    def statements():
        with app.app_context():
            row = db.session.get(Contest, contest.id)
            with count_statements(db.engine) as seen:
                results = category_results(db.session, row)
            return len(seen), sum(category.entry_count for category in results)

    add_entries(app, contest, rubric, judges, 3, school)
    few = statements()
    add_entries(app, contest, rubric, judges, 12, school)
    many = statements()
    assert (few[1], many[1]) == (6, 18)
    assert few[0] == many[0] == 4


def test_a_contest_without_sheets_has_empty_categories(session, app):
    contest = factories.make_contest(app)
    results = results_of(session, contest)
    assert [(c.rows, c.alpha, c.judges) for c in results] == [([], None, [])] * 3
    assert scoring.BOOTSTRAP_RESAMPLES == 200
