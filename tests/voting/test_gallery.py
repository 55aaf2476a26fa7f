"""The public voting gallery: pages of entries in each visitor's own order, a constant number of
queries whatever the number of entries, served from the cache until what it shows changes."""

import re
from datetime import timedelta

import pytest

from contest.core.dbtypes import utcnow
from contest.core.extensions import db, limiter
from contest.voting import casting
from contest.voting.views import SEED
from contest.web.pagination import CARDS_PER_PAGE
from tests.factories import make_entry, make_school, make_voting_contest
from tests.helpers import count_statements, outbox_messages, page_text, submit

VOTE_LINK = re.compile(r'href="/vote/entry/(\d+)"')


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()


def entry_ids(response):
    assert response.status_code == 200
    return [int(found) for found in VOTE_LINK.findall(page_text(response))]


def add_entries(app, contest, count):
    """`count` more eligible entries, spread over the contest's categories."""
    school = make_school(app)
    categories = contest.categories
    for number in range(count):
        make_entry(
            app, categories[number % len(categories)], school, status="ready",
            consent_status="approved",
        )  # fmt: skip


def statements_for(app, client, url):
    with app.app_context():
        engine = db.engine
    with count_statements(engine) as statements:
        assert client.get(url).status_code == 200
    return list(statements)


def visitor(app, seed):
    """A test client whose visitor drew `seed` for their order."""
    client = app.test_client()
    with client.session_transaction() as session:
        session[SEED] = seed
    return client


def test_every_entry_appears_once_over_the_pages_in_the_visitors_order(app):
    contest, entries = make_voting_contest(app, entries_per_category=20)
    first = visitor(app, 1)
    pages = [entry_ids(first.get(f"/vote/?page={n}")) for n in (1, 2, 3)]
    assert [len(page) for page in pages] == [CARDS_PER_PAGE, CARDS_PER_PAGE, 12]
    seen = [entry for page in pages for entry in page]
    assert sorted(seen) == sorted(entry.id for entry in entries)
    assert entry_ids(first.get("/vote/?page=1")) == pages[0], "a visitor's order is stable"
    other = visitor(app, 2)
    others = [entry for n in (1, 2, 3) for entry in entry_ids(other.get(f"/vote/?page={n}"))]
    assert sorted(others) == sorted(seen) and others != seen, "visitors see other orders"


def test_visitors_share_a_fixed_number_of_orders(app):
    make_voting_contest(app, entries_per_category=20)
    assert casting.gallery_order(1) == casting.gallery_order(1 + casting.GALLERY_ORDERS)
    orders = {tuple(entry_ids(visitor(app, seed).get("/vote/"))) for seed in range(100)}
    assert len(orders) == casting.GALLERY_ORDERS


def test_a_new_visitor_draws_an_order_once(app, client):
    make_voting_contest(app, entries_per_category=20)
    first = entry_ids(client.get("/vote/"))
    with client.session_transaction() as session:
        assert isinstance(session[SEED], int)
    assert entry_ids(client.get("/vote/")) == first


def test_the_page_links_name_the_current_page(app, client):
    make_voting_contest(app, entries_per_category=20)
    text = page_text(client.get("/vote/?page=2"))
    assert 'aria-label="Pages of entries"' in text and "Page 2 of 3 (60 in all)" in text
    assert re.search(r'href="/vote/\?page=2" aria-current="page"', text)
    assert 'href="/vote/?page=1" rel="prev"' in text and 'href="/vote/?page=3" rel="next"' in text
    assert "Page 3 of 3" in page_text(client.get("/vote/?page=99")), "past the end: the last"


def test_a_one_page_gallery_has_no_page_links(app, client):
    make_voting_contest(app, entries_per_category=2)
    text = page_text(client.get("/vote/"))
    assert len(entry_ids(client.get("/vote/"))) == 6
    assert 'class="pagination"' not in text


def test_the_query_count_does_not_grow_with_the_entries(app):
    make_voting_contest(app, entries_per_category=2, show_live_tally=True)
    few = statements_for(app, app.test_client(), "/vote/")
    contest, _ = make_voting_contest(app, entries_per_category=2, show_live_tally=True)
    add_entries(app, contest, 54)  # the newest contest is the one shown
    many = statements_for(app, app.test_client(), "/vote/?page=2")
    assert len(many) == len(few), many


def test_the_gallery_is_served_from_the_cache_until_a_vote_changes_the_live_tally(app):
    contest, entries = make_voting_contest(app, entries_per_category=2, show_live_tally=True)
    first = statements_for(app, visitor(app, 7), "/vote/")
    again = statements_for(app, visitor(app, 7), "/vote/")
    assert any("FROM entries" in statement for statement in first)
    assert not any("FROM entries" in s or "FROM votes" in s for s in again), again
    assert len(again) < len(first)

    voter = app.test_client()
    assert (
        submit(voter, f"/vote/entry/{entries[0].id}", {"email": "v@example.org"}).status_code == 302
    )
    code = re.search(r"Your code: (\d{6})", outbox_messages(app)[-1].get_content()).group(1)
    assert submit(voter, "/vote/code", {"code": code}).status_code == 302

    text = page_text(visitor(app, 7).get("/vote/"))
    card = text[text.index(f'id="entry-{entries[0].id}"') :]
    assert re.search(r'class="vote-count">1 vote<', card[: card.index("</li>")])


def test_without_a_live_tally_a_vote_leaves_the_cache_alone(app):
    contest, entries = make_voting_contest(app, entries_per_category=1)
    statements_for(app, visitor(app, 7), "/vote/")
    voter = app.test_client()
    submit(voter, f"/vote/entry/{entries[0].id}", {"email": "w@example.org"})
    code = re.search(r"Your code: (\d{6})", outbox_messages(app)[-1].get_content()).group(1)
    assert submit(voter, "/vote/code", {"code": code}).status_code == 302
    after = statements_for(app, visitor(app, 7), "/vote/")
    assert not any("FROM entries" in statement for statement in after)
    assert "vote-count" not in page_text(visitor(app, 7).get("/vote/"))


def test_credits_show_only_what_the_consent_allows(app, client):
    """A credit that looks like a minor's full name is left off unless the approved consent
    forms allow full names; first names and team names show (once judging has closed: until
    then no credit shows, tests/voting/test_blind_judging.py)."""
    contest, _ = make_voting_contest(
        app, entries_per_category=0, judging_close_at=utcnow() - timedelta(hours=1)
    )
    school, category = make_school(app), contest.categories[0]
    team = make_entry(app, category, school, title="Team credit", status="ready",
                      consent_status="approved", credit_line="Team Pixel")  # fmt: skip
    named = make_entry(app, category, school, title="Named credit", status="ready",
                       consent_status="approved", credit_line="Maya Lopez")  # fmt: skip
    for url in ("/vote/", f"/vote/entry/{team.id}", f"/vote/entry/{named.id}"):
        body = page_text(client.get(url))
        assert "Maya Lopez" not in body
    assert "Team Pixel" in page_text(client.get("/vote/"))
    assert "by Team Pixel" in page_text(client.get(f"/vote/entry/{team.id}"))


def test_visitors_who_are_not_signed_in_share_one_rendered_page(app, login_as):
    """The whole page is cached for the public; a signed-in visitor, or one with a message
    waiting, gets their own page (their menu, their message), and it is not cached for others."""
    make_voting_contest(app, entries_per_category=2)
    assert statements_for(app, visitor(app, 7), "/vote/"), "the first visitor's page is built"
    assert statements_for(app, visitor(app, 7), "/vote/") == [], "the next costs no query"

    organizer = login_as("organizer")
    with organizer.session_transaction() as session:
        session[SEED] = 7
    assert "Sign out" in page_text(organizer.get("/vote/"))
    flashed = visitor(app, 7)
    with flashed.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this visitor only.")]
    assert "A message for this visitor only." in page_text(flashed.get("/vote/"))
    public = page_text(visitor(app, 7).get("/vote/"))
    assert "Sign out" not in public and "A message for this visitor only." not in public
