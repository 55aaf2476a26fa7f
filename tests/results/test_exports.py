"""CSV exports: the results and the anonymised score sheets, cell by cell, and formula safety."""

import csv
import io
from statistics import mean, pstdev

import pytest

from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.judging import ScoreSheet
from contest.core.models.results import Result
from contest.judging.progress import pseudonyms
from contest.results import exports, ranking
from tests import factories


def parsed(text):
    assert text.startswith("\ufeff"), "the byte-order mark spreadsheets need for UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return response, parsed(response.get_data().decode("utf-8"))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Safe = fine", "Safe = fine"),
        ("", ""),
        (-3, -3),
        (2.5, 2.5),
    ],
)
def test_formula_cells_are_neutralised(value, shown):
    assert exports.neutralise(value) == shown


def test_to_csv_quotes_and_neutralises_every_cell():
    text = exports.to_csv(("=head", "b"), [("a,b", '=HYPERLINK("x")'), (1, "é")])
    assert text == (
        "\ufeff'=head,b\r\n"
        '"a,b","\'=HYPERLINK(""x"")"\r\n'
        "1,é\r\n"
    )  # fmt: skip


def test_pseudonyms_follow_account_order_and_widen_past_99():
    assert pseudonyms([9, 3, 9, 5]) == {3: "J01", 5: "J02", 9: "J03"}
    assert pseudonyms(range(100))[99] == "J100"
    assert pseudonyms(range(100))[0] == "J001"


def _normalised(panel_scores):
    """Hand formula: pool mean + mean z (each judge's own mean and spread) x pool spread."""
    pool = [score for scores in panel_scores.values() for score in scores.values()]
    pool_mean, pool_sd = mean(pool), pstdev(pool)
    figures = {}
    for scores in panel_scores.values():
        own_mean, own_sd = mean(scores.values()), pstdev(scores.values())
        for entry, score in scores.items():
            z = (score - own_mean) / own_sd
            figures.setdefault(entry, []).append(pool_mean + z * pool_sd)
    return {entry: mean(values) for entry, values in figures.items()}


SHEET_SCORES = {  # the panel's sheet scores (tests/results/conftest.py)
    "a": {"E1": 100, "E2": 50, "E3": 0},
    "b": {"E1": 75, "E2": 50, "E3": 25},
    "c": {"E1": 75, "E2": 75, "E3": 50},
}


def test_results_csv_cell_by_cell(app, small_contest, login_as):
    contest, entries, _, _ = small_contest
    with app.app_context():
        row = db.session.get(Contest, contest.id)
        screen = ranking.category_results(db.session, row)[0].rows
    normalised = _normalised(SHEET_SCORES)
    response, table = download(login_as("organizer"), f"/admin/results/{contest.id}/results.csv")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{contest.slug}-results.csv"'
    )
    assert table[0] == list(exports.RESULTS_HEADER)
    expected = []
    for place, (title, raw) in enumerate([("E1", 83.33), ("E2", 58.33), ("E3", 25.0)], 1):
        shown = screen[place - 1]
        expected.append(
            [
                contest.categories[0].name,
                str(place),
                shown.decided_by,
                str(entries[title].id),
                title,
                "Lincoln High",
                f"{raw:.2f}",
                f"{normalised[title]:.2f}",
                "normalised",
                f"{shown.interval[0]:.2f}",
                f"{shown.interval[1]:.2f}",
                "3",
                "; ".join(shown.flags),
                "",
            ]
        )
    assert table[1:] == expected
    assert "few sheets" in table[1][12]  # 3 sheets: only 10 distinct redraws


def test_results_csv_carries_published_awards(app, small_contest, login_as):
    contest, entries, _, _ = small_contest
    category = contest.categories[0]
    # The People's Choice went to an entry no judge scored, in another category.
    favourite = factories.make_entry(
        app, contest.categories[1], factories.make_school(app, name="Hill School"),
        title="Crowd Pleaser", status="ready",
    )  # fmt: skip
    with app.app_context():
        digest = "d" * 64
        db.session.add_all(
            [
                Result(contest_id=contest.id, category_id=category.id, award="place", place=1,
                       entry_id=entries["E1"].id, digest=digest),
                Result(contest_id=contest.id, category_id=category.id, award="place", place=2,
                       entry_id=entries["E2"].id, digest=digest),
                Result(contest_id=contest.id, award="peoples_choice", entry_id=favourite.id,
                       digest=digest),
            ]
        )  # fmt: skip
        db.session.commit()
    client = login_as("organizer")
    url = f"/admin/results/{contest.id}/results.csv"
    _, unpublished = download(client, url)
    assert [row[-1] for row in unpublished[1:]] == ["", "", ""], "no awards before publication"
    with app.app_context():
        db.session.get(Contest, contest.id).published_at = utcnow()
        db.session.commit()
    _, table = download(client, url)
    assert [row[-1] for row in table[1:]] == ["1st place", "2nd place", "", "People's Choice"]
    assert table[4] == [
        contest.categories[1].name, "", "", str(favourite.id), "Crowd Pleaser", "Hill School",
        "", "", "", "", "", "", "", "People's Choice",
    ]  # fmt: skip


def test_score_sheets_csv_is_anonymous_cell_by_cell(app, small_contest, login_as):
    contest, entries, judges, _ = small_contest
    with app.app_context():
        for sheet in db.session.scalars(db.select(ScoreSheet)):
            sheet.comment = "Signed, Judge A"
            sheet.feedback = "From judge-a@example.org"
        db.session.commit()
    response, table = download(
        login_as("organizer"), f"/admin/results/{contest.id}/score-sheets.csv"
    )
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{contest.slug}-score-sheets.csv"'
    )
    name = contest.categories[0].name
    points = {"a": {"E1": (4, 4), "E2": (2, 2), "E3": (0, 0)},
              "b": {"E1": (4, 0), "E2": (2, 2), "E3": (1, 1)},
              "c": {"E1": (3, 3), "E2": (3, 3), "E3": (2, 2)}}  # fmt: skip
    # Judges a, b, c were made in that order: J01, J02, J03.
    expected = [
        [f"J0{number}", str(entries[title].id), name, "2",
         *map(str, points[judge][title]), f"{SHEET_SCORES[judge][title]:.2f}"]
        for title in ("E1", "E2", "E3")
        for number, judge in enumerate("abc", 1)
    ]  # fmt: skip
    assert table == [
        ["judge", "entry id", "category", "rubric version", "Message", "Craft", "sheet score"],
        *expected,
    ]
    text = response.get_data(as_text=True)
    for judge in judges.values():
        assert judge.name not in text and judge.email not in text
    assert "Signed" not in text and "example.org" not in text and "Lincoln" not in text


def test_titles_that_look_like_formulas_are_neutralised(app, login_as):
    contest = factories.make_contest(app)
    rubric = factories.make_rubric(app, contest, version=2)
    school = factories.make_school(app, name="@SUM(A1)")
    entry = factories.make_entry(
        app, contest.categories[0], school, title='=HYPERLINK("http://x")', status="ready"
    )
    judge = factories.make_user(app, roles=["judge"])
    factories.make_sheet(app, judge, entry, rubric, (3, 2))
    _, table = download(login_as("organizer"), f"/admin/results/{contest.id}/results.csv")
    assert table[1][4:6] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]


def test_an_empty_contest_gives_headers_only(app, login_as):
    contest = factories.make_contest(app)
    client = login_as("organizer")
    _, results = download(client, f"/admin/results/{contest.id}/results.csv")
    _, sheets = download(client, f"/admin/results/{contest.id}/score-sheets.csv")
    assert results == [list(exports.RESULTS_HEADER)]
    assert sheets == [["judge", "entry id", "category", "rubric version", "sheet score"]]


def test_the_results_page_links_the_downloads(app, login_as):
    contest = factories.make_contest(app)
    page = login_as("organizer").get(f"/admin/results/{contest.id}").get_data(as_text=True)
    for path in ("results.csv", "score-sheets.csv"):
        assert f'href="/admin/results/{contest.id}/{path}"' in page
    assert f'href="/admin/archive/{contest.id}.zip"' in page
