"""While judging is open the public sees of an entry no more than its judges do (title, category,
video): the vote page once showed the teacher's description ("...made by students at Carver
Middle School"), so a judge could look a title up and learn its school."""

from datetime import timedelta

import pytest

from contest.core.dbtypes import utcnow
from contest.core.extensions import db, limiter
from contest.core.models.contests import Contest
from tests.factories import make_entry, make_school, make_voting_contest
from tests.helpers import page_text

DESCRIPTION = "Made by students at Carver Middle School"
CREDIT = "Team Pixel"


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()


def _voting_during_judging(app, judging_closes_in):
    contest, _ = make_voting_contest(app, entries_per_category=0)
    with app.app_context():
        row = db.session.get(Contest, contest.id)
        row.judging_close_at = utcnow() + timedelta(seconds=judging_closes_in)
        db.session.commit()
    school = make_school(app, name="Carver Middle School", district="Lakeshore")
    entry = make_entry(
        app, contest.categories[0], school, title="Think First", status="ready",
        consent_status="approved", credit_line=CREDIT, description=DESCRIPTION,
    )  # fmt: skip
    return contest, entry


@pytest.mark.parametrize("url", ["/vote/", "/vote/entry/{id}"])
def test_the_public_sees_what_judges_see_while_judging_is_open(app, client, url):
    _, entry = _voting_during_judging(app, judging_closes_in=3600)
    body = page_text(client.get(url.format(id=entry.id)))
    assert "Think First" in body
    for hidden in (DESCRIPTION, CREDIT, "Carver", "Lakeshore"):
        assert hidden not in body, f"{hidden!r} shown while judging is open"


def test_once_judging_has_closed_the_description_and_credit_show(app, client):
    _, entry = _voting_during_judging(app, judging_closes_in=-60)
    body = page_text(client.get(f"/vote/entry/{entry.id}"))
    assert DESCRIPTION in body and f"by {CREDIT}" in body
    assert CREDIT in page_text(client.get("/vote/"))
