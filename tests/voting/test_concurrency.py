"""Many confirmations at once against a real HTTP server: one vote per voter, never an error.

Codes are issued through the service (fast); the confirmations go over HTTP from a thread pool,
each voter with its own cookie session, as browsers would send them.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from contest.core.extensions import db, limiter
from contest.core.models.voting import Vote, Voter
from contest.voting import casting, identity
from contest.voting.counting import voter_key
from tests.factories import make_voting_contest

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Limits stay on, set high enough for the crowd: every request here is a legitimate voter.
LIMITS = {
    "VOTE_ATTEMPTS_PER_IP": "10000 per hour",
    "VOTE_ATTEMPTS_PER_CODE": "1000 per hour",
}


@pytest.fixture
def server(app, live_server):
    started = live_server(**LIMITS)
    limiter.reset()
    return started


def issue_links(app, contest, entries, count, same_voter=False):
    """Mailed-link tokens for `count` distinct voters (or one voter), issued by the service."""
    with app.app_context():
        key = voter_key()
        blocked = identity.disposable_domains()
        tokens = []
        for number in range(count):
            email = "one@example.org" if same_voter else f"voter{number}@s{number % 7}.example.org"
            issued = casting.request_code(
                db.session, contest, entries[number % len(entries)].id, email,
                key=key, blocked_domains=blocked, ip="198.51.100.7", lifetime_seconds=900,
            )  # fmt: skip
            tokens.append(issued.link_token)
        db.session.commit()
        return tokens


def open_link(base_url, token, session=None):
    """(session, csrf token) after opening the confirmation page, as a browser does."""
    session = session or requests.Session()
    page = session.get(f"{base_url}/vote/confirm/{token}", timeout=60)
    assert page.status_code == 200, page.text
    return session, CSRF.search(page.text).group(1)


def confirm(session, base_url, token, csrf):
    response = session.post(
        f"{base_url}/vote/confirm/{token}", data={"csrf_token": csrf}, timeout=120
    )
    return response.status_code, response.text


def assert_no_error_page(results):
    statuses = sorted({status for status, _ in results})
    assert statuses == [200], statuses
    for _, text in results:
        assert "Error " not in text and "Something went wrong" not in text


def test_200_simultaneous_confirmations_by_one_voter_record_one_vote(app, server):
    contest, entries = make_voting_contest(app)
    (token,) = issue_links(app, contest, entries, 1)
    session, csrf = open_link(server.url, token)

    def one_click(_):
        clicker = requests.Session()  # one browser's cookies, many clicks at once
        clicker.cookies.update(session.cookies)
        return confirm(clicker, server.url, token, csrf)

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one_click, range(200)))
    assert_no_error_page(results)
    counted = sum("your vote is counted" in text for _, text in results)
    already = sum("You have already voted" in text for _, text in results)
    assert (counted, already) == (1, 199)
    with app.app_context():
        assert db.session.scalar(select(func.count(Vote.id))) == 1
        receipts = {re.search(r'class="receipt">([^<]+)<', t).group(1) for _, t in results}
        assert receipts == {db.session.scalar(select(Vote.receipt))}


def test_1000_distinct_voters_confirming_in_parallel_record_1000_votes(app, server):
    contest, entries = make_voting_contest(app, entries_per_category=2)
    tokens = issue_links(app, contest, entries, 1000)

    def one_voter(token):
        session, csrf = open_link(server.url, token)
        return confirm(session, server.url, token, csrf)

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(one_voter, tokens))
    assert_no_error_page(results)
    assert sum("your vote is counted" in text for _, text in results) == 1000
    with app.app_context():
        assert db.session.scalar(select(func.count(Vote.id))) == 1000
        assert db.session.scalar(select(func.count(Vote.receipt.distinct()))) == 1000
        verified = select(func.count(Voter.id)).where(Voter.verified_at.is_not(None))
        assert db.session.scalar(verified) == 1000


def test_one_voter_confirming_several_codes_at_once_records_one_vote(app, server):
    """Codes for different entries claim different rows: the UNIQUE constraint decides."""
    contest, entries = make_voting_contest(app, entries_per_category=4)
    tokens = issue_links(app, contest, entries, 40, same_voter=True)
    opened = [open_link(server.url, token) for token in tokens]

    def one_confirmation(index):
        session, csrf = opened[index]
        return confirm(session, server.url, tokens[index], csrf)

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(one_confirmation, range(len(tokens))))
    assert_no_error_page(results)
    assert sum("your vote is counted" in text for _, text in results) == 1
    assert sum("You have already voted" in text for _, text in results) == 39
    with app.app_context():
        assert db.session.scalar(select(func.count(Vote.id))) == 1
        assert db.session.scalar(select(func.count(Voter.id))) == 1
