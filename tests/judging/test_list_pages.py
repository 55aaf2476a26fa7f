"""The judge's list in pages: rows per page, page links that keep the filter, and a number of
queries that does not grow with the assignments."""

import re

from contest.core.extensions import db
from contest.web.pagination import ROWS_PER_PAGE
from tests import factories
from tests.helpers import count_statements, page_text

SHEET_LINK = re.compile(r'href="/judging/sheets/(\d+)"')


def assign(app, judge, count):
    """`count` entries of one new contest, assigned to `judge`; their assignment ids."""
    contest = factories.make_contest(app)
    school = factories.make_school(app)
    entries = [
        factories.make_entry(app, contest.categories[n % 3], school, status="ready")
        for n in range(count)
    ]
    with app.app_context():
        rows = [factories.assignment_row(db.session, judge.id, entry.id) for entry in entries]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def listed(response):
    assert response.status_code == 200
    return [int(found) for found in SHEET_LINK.findall(page_text(response))]


def test_the_list_pages_its_rows_and_links_keep_the_filter(app, people, login_as):
    ids = assign(app, people["judge"], ROWS_PER_PAGE + 5)
    judge = login_as("judge")
    first, second = listed(judge.get("/judging/")), listed(judge.get("/judging/?page=2"))
    assert len(first) == ROWS_PER_PAGE and len(second) == 5
    assert sorted(first + second) == sorted(ids)
    text = page_text(judge.get("/judging/?show=todo&page=2"))
    assert "0 of 65 done" in text and "Page 2 of 2 (65 in all)" in text
    assert 'href="/judging/?page=1&amp;show=todo" rel="prev"' in text
    assert re.search(r'href="/judging/\?page=2&amp;show=todo" aria-current="page"', text)


def test_the_query_count_does_not_grow_with_the_assignments(app, people, login_as):
    with app.app_context():
        engine = db.engine
    judge = login_as("judge")
    assign(app, people["judge"], 5)
    with count_statements(engine) as few:
        assert len(listed(judge.get("/judging/"))) == 5
    assign(app, people["judge"], 55)
    with count_statements(engine) as many:
        assert len(listed(judge.get("/judging/"))) == ROWS_PER_PAGE
    assert len(many) == len(few), list(many)
