"""Rate limits on code requests and code attempts (Flask-Limiter), and the client address
behind proxies. Each test sets its limits explicitly and small; limiting is never off."""

import re
import secrets

import pytest
import redis
from sqlalchemy import select

from contest.core.extensions import db, limiter
from contest.core.models.voting import VoteCode
from contest.voting import identity
from tests.factories import make_voting_contest
from tests.helpers import csrf_token, outbox_messages, page_text
from tests.test_mail import closed_port_url

GENEROUS = {
    "VOTE_CODE_REQUESTS_PER_IP": "100 per hour",
    "VOTE_CODE_REQUESTS_PER_EMAIL": "100 per hour",
    "VOTE_ATTEMPTS_PER_IP": "100 per hour",
    "VOTE_ATTEMPTS_PER_CODE": "100 per hour",
}


@pytest.fixture
def limited_app(app, make_app):
    """An app with GENEROUS limits but for the ones a test names (the database is `app`'s)."""

    def build(**limits):
        built = make_app(**{**GENEROUS, **limits})
        limiter.reset()
        return built

    return build


def ask(client, entry, email, **environ):
    token = csrf_token(client, f"/vote/entry/{entry.id}")
    return client.post(
        f"/vote/entry/{entry.id}",
        data={"email": email, "csrf_token": token},
        environ_base=environ,
    )


def assert_throttled(response):
    assert response.status_code == 429
    text = page_text(response)
    assert "Too many attempts" in text
    assert re.search(r"Please try again in \d+ minutes?\.", text), text
    assert int(response.headers["Retry-After"]) > 0


def test_code_requests_per_email_are_limited_across_aliases(limited_app):
    app = limited_app(VOTE_CODE_REQUESTS_PER_EMAIL="2 per hour")
    _, entries = make_voting_contest(app)
    client = app.test_client()
    assert ask(client, entries[0], "sam@gmail.com").status_code == 302
    assert ask(client, entries[0], "S.A.M+again@googlemail.com").status_code == 302
    assert_throttled(ask(client, entries[0], " Sam@Gmail.com"))
    assert len(outbox_messages(app)) == 2
    assert ask(client, entries[0], "someone.else@example.org").status_code == 302


def test_code_requests_per_ip_are_limited_and_only_sent_codes_count(limited_app):
    app = limited_app(VOTE_CODE_REQUESTS_PER_IP="3 per hour")
    _, entries = make_voting_contest(app)
    client = app.test_client()
    for refused in ("not-an-address", "x@mailinator.com"):
        assert ask(client, entries[0], refused).status_code == 200  # refused, not counted
    for number in range(3):
        assert ask(client, entries[0], f"pupil{number}@example.org").status_code == 302
    assert_throttled(ask(client, entries[0], "pupil9@example.org"))


def test_a_code_mail_that_cannot_go_says_so_and_costs_no_request(limited_app):
    """The voter is told no code went out, keeps the address typed, and may try again: the
    failure is not counted against the code-request limits."""
    app = limited_app(
        MAIL_URL=closed_port_url(),
        VOTE_CODE_REQUESTS_PER_EMAIL="1 per hour",
        VOTE_CODE_REQUESTS_PER_IP="1 per hour",
    )
    _, entries = make_voting_contest(app)
    client = app.test_client()
    for _ in range(3):
        response = ask(client, entries[0], "sam@example.org")
        assert response.status_code == 200
        text = page_text(response)
        assert "We could not send the email just now, so no code went out." in text
        assert 'value="sam@example.org"' in response.get_data(as_text=True)
    with client.session_transaction() as state:
        assert "vote_code_id" not in state


def test_code_attempts_per_code_are_limited(limited_app):
    app = limited_app(VOTE_ATTEMPTS_PER_CODE="3 per hour", VOTE_CODE_MAX_ATTEMPTS=10)
    _, entries = make_voting_contest(app)
    client = app.test_client()
    ask(client, entries[0], "tries@example.org")
    token = csrf_token(client, "/vote/code")
    for _ in range(3):
        response = client.post("/vote/code", data={"code": "abcdef", "csrf_token": token})
        assert "That code is not right" in page_text(response)
    assert_throttled(client.post("/vote/code", data={"code": "abcdef", "csrf_token": token}))


def test_code_attempts_per_ip_are_limited(limited_app):
    app = limited_app(VOTE_ATTEMPTS_PER_IP="2 per hour")
    _, entries = make_voting_contest(app)
    client = app.test_client()
    ask(client, entries[0], "ip.tries@example.org")
    token = csrf_token(client, "/vote/code")
    for _ in range(2):
        client.post("/vote/code", data={"code": "000000", "csrf_token": token})
    assert_throttled(client.post("/vote/code", data={"code": "000000", "csrf_token": token}))


def test_the_defaults_are_nat_friendly(app):
    assert app.config["VOTE_CODE_REQUESTS_PER_IP"] == "2000 per hour"
    assert app.config["VOTE_CODE_REQUESTS_PER_EMAIL"] == "5 per hour"
    assert app.config["RATELIMIT_STORAGE_URI"] in ("memory://", app.config["REDIS_URL"])
    assert app.config["PROXY_HOPS"] == 0


def test_x_forwarded_for_is_ignored_without_proxy_hops(limited_app):
    app = limited_app(VOTE_CODE_REQUESTS_PER_IP="2 per hour")
    _, entries = make_voting_contest(app)
    client = app.test_client()
    for number in range(2):
        forged = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{number}"}
        assert ask(client, entries[0], f"f{number}@example.org", **forged).status_code == 302
    forged = {"HTTP_X_FORWARDED_FOR": "203.0.113.77"}
    assert_throttled(ask(client, entries[0], "f9@example.org", **forged))


def test_x_forwarded_for_gives_the_client_address_behind_configured_proxies(limited_app):
    app = limited_app(VOTE_CODE_REQUESTS_PER_IP="2 per hour", PROXY_HOPS=1)
    _, entries = make_voting_contest(app)
    client = app.test_client()
    for number in range(4):  # four schools behind one proxy: each has its own allowance
        school = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{number}"}
        assert ask(client, entries[0], f"s{number}@example.org", **school).status_code == 302
    school = {"HTTP_X_FORWARDED_FOR": "203.0.113.0"}
    assert ask(client, entries[0], "s8@example.org", **school).status_code == 302
    assert_throttled(ask(client, entries[0], "s9@example.org", **school))
    with app.app_context():
        key = app.config["VOTER_KEY"].encode()
        networks = set(db.session.scalars(select(VoteCode.network_hash)))
        assert networks == {identity.network_hash(key, "203.0.113.5")}  # one /24


def test_limits_are_counted_in_redis_when_redis_url_is_set(app, make_app, restore_job_queue):
    url = "redis://127.0.0.1:6379/0"
    prefix = f"test-votes-{secrets.token_hex(4)}"
    shared = make_app(
        REDIS_URL=url, RATELIMIT_KEY_PREFIX=prefix, **{**GENEROUS, "VOTE_ATTEMPTS_PER_IP": "1/hour"}
    )
    assert shared.config["RATELIMIT_STORAGE_URI"] == url
    store = redis.Redis.from_url(url)
    try:
        client = shared.test_client()
        token = csrf_token(client, "/auth/forgot")  # no code asked for: the page has no form
        assert client.post("/vote/code", data={"csrf_token": token}).status_code == 200
        assert_throttled(client.post("/vote/code", data={"csrf_token": token}))
        assert store.keys(f"*{prefix}*"), "no limit counter in Redis"
    finally:
        # The one limiter follows the app built last: send the tests after this back to memory.
        make_app()
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        store.close()
