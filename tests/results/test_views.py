"""The organizer's results screen and an entry's sheets: what the organizer sees, who is kept
out, and pages free of inline code (the CSP)."""

import re

import pytest

from tests import factories
from tests.helpers import page_text
from tests.test_security import inline_code


def test_the_results_index_links_every_contest(login_as, small_contest):
    contest, *_ = small_contest
    page = page_text(login_as("organizer").get("/admin/results/"))
    assert f'href="/admin/results/{contest.id}"' in page
    assert "Small Contest" in page


def test_the_organizer_sees_rankings_figures_explained_and_charts(login_as, small_contest):
    contest, entries, *_ = small_contest
    response = login_as("organizer").get(f"/admin/results/{contest.id}")
    assert response.status_code == 200
    page = page_text(response)
    assert inline_code(page) == []
    assert "ranks by the\n<strong>normalised score</strong>" in page
    rows = re.findall(r'<th scope="row"><a href="/admin/results/entries/(\d+)">(E\d)</a>', page)
    assert rows == [(str(entries[t].id), t) for t in ("E1", "E2", "E3")]
    assert "Anchor" not in page and "Gone" not in page  # calibration and withdrawn: not ranked
    assert "<td>83.3</td>" in page  # E1's raw score, beside its normalised one in bold
    assert "few sheets (10 distinct redraws)" in page
    for words in ("How to read these figures", "Krippendorff", "Leniency", "90% interval"):
        assert words in page
    charts = re.findall(r'<svg class="histogram" role="img"[^>]*aria-labelledby="([^"]+)"', page)
    assert len(charts) == 3
    for chart in charts:
        title, desc = chart.split()
        assert f'<title id="{title}">' in page and f'<desc id="{desc}">' in page
    assert "Judge A's sheets in each score band" in page  # the chart's numbers as a table


def test_the_drill_down_shows_every_sheet_with_judge_points_and_watch_evidence(
    login_as,
    small_contest,
):
    _, entries, *_ = small_contest
    response = login_as("organizer").get(f"/admin/results/entries/{entries['Anchor'].id}")
    page = page_text(response)
    assert response.status_code == 200 and inline_code(page) == []
    assert "Judge A" in page and "(calibration anchor)" in page and "does not count" in page
    assert "Status: draft" in page and "Status: reopened" in page
    e1 = page_text(login_as("organizer").get(f"/admin/results/entries/{entries['E1'].id}"))
    assert "score 75.0 out of 100" in e1 and "counts toward the results" in e1
    assert "50% of the video" in e1
    assert '<th scope="row">Craft</th><td>1.0</td><td>0</td>' in e1


@pytest.mark.parametrize("role", ["teacher_a", "teacher_b", "judge"])
def test_only_organizers_see_results(login_as, small_contest, role):
    contest, entries, *_ = small_contest
    client = login_as(role)
    for path in ("/admin/results/", f"/admin/results/{contest.id}"):
        assert client.get(path).status_code == 403
    assert client.get(f"/admin/results/entries/{entries['E1'].id}").status_code == 403


def test_unknown_contests_and_entries_are_not_found(login_as, people):
    client = login_as("organizer")
    assert client.get("/admin/results/999999").status_code == 404
    assert client.get("/admin/results/entries/999999").status_code == 404


def test_a_contest_without_sheets_says_so(app, login_as, people):
    contest = factories.make_contest(app)
    page = page_text(login_as("organizer").get(f"/admin/results/{contest.id}"))
    assert page.count("No submitted score sheet counts in this category yet.") == 3
