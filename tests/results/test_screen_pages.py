"""The organizer's results screen pages each category's ranking on its own, with a number of
queries that does not grow with the entries."""

import re

from contest.core.extensions import db
from contest.web.pagination import ROWS_PER_PAGE
from tests import factories
from tests.helpers import count_statements, page_text

RANKED = re.compile(r'<th scope="row"><a href="/admin/results/entries/(\d+)">')


def scored_contest(app, counts):
    """A contest whose categories hold `counts` entries each, every one scored by two judges."""
    contest = factories.make_contest(app)
    rubric = factories.make_rubric(app, contest, version=2)
    school = factories.make_school(app)
    judges = [factories.make_user(app, roles=["judge"]) for _ in range(2)]
    for category, count in zip(contest.categories, counts, strict=False):
        for number in range(count):
            entry = factories.make_entry(app, category, school, status="ready")
            for judge, points in zip(judges, ((number % 5 + 1, 2), (3, number % 4)), strict=True):
                factories.make_sheet(app, judge, entry, rubric, points)
    return contest


def ranked(response):
    assert response.status_code == 200
    return [int(found) for found in RANKED.findall(page_text(response))]


def test_each_categorys_ranking_turns_its_own_pages(app, login_as):
    contest = scored_contest(app, (ROWS_PER_PAGE + 3, 2))
    first, second = contest.categories[0], contest.categories[1]
    organizer = login_as("organizer")
    page_one = organizer.get(f"/admin/results/{contest.id}")
    assert len(ranked(page_one)) == ROWS_PER_PAGE + 2
    text = page_text(page_one)
    assert f'aria-label="Pages of the ranking in {first.name}"' in text
    assert f"Pages of the ranking in {second.name}" not in text, "one page: no links"
    link = f"/admin/results/{contest.id}?page=2&amp;category={first.id}#category-{first.id}"
    assert f'href="{link}"' in text
    page_two = organizer.get(f"/admin/results/{contest.id}?page=2&category={first.id}")
    in_first = ranked(page_one)[:ROWS_PER_PAGE] + ranked(page_two)[:3]
    assert len(set(in_first)) == ROWS_PER_PAGE + 3, "page 2 holds the rest of the ranking"
    assert ranked(page_two)[3:] == ranked(page_one)[ROWS_PER_PAGE:], "the other stays on page 1"


def test_the_query_count_does_not_grow_with_the_entries(app, login_as):
    organizer = login_as("organizer")
    with app.app_context():
        engine = db.engine
    few_contest = scored_contest(app, (5,))
    with count_statements(engine) as few:
        assert len(ranked(organizer.get(f"/admin/results/{few_contest.id}"))) == 5
    many_contest = scored_contest(app, (65,))
    with count_statements(engine) as many:
        assert len(ranked(organizer.get(f"/admin/results/{many_contest.id}"))) == ROWS_PER_PAGE
    assert len(many) == len(few), list(many)
