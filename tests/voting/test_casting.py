"""Casting a vote through the pages: entry, email, code or link, receipt; every bad input."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from contest.core import jobs, rules
from contest.core.dbtypes import utcnow
from contest.core.extensions import db, limiter
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry, School
from contest.core.models.voting import Vote, VoteCode, Voter
from contest.voting import casting, identity
from tests.factories import make_entry, make_voting_contest, store_asset
from tests.helpers import csrf_token, outbox_messages, page_text, submit


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()


def last_code(app):
    body = outbox_messages(app)[-1].get_content()
    return re.search(r"Your code: (\d{6})", body).group(1), body


def ask_code(client, entry, email):
    return submit(client, f"/vote/entry/{entry.id}", {"email": email})


def vote(app, client, entry, email):
    response = ask_code(client, entry, email)
    assert response.status_code == 302, page_text(response)
    code, _ = last_code(app)
    return submit(client, "/vote/code", {"code": code}, follow_redirects=True)


def count_votes(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Vote.id)))


def test_a_vote_by_code_is_counted_with_a_receipt(app, client):
    contest, entries = make_voting_contest(app)
    response = vote(app, client, entries[1], "Pupil@Example.org")
    text = page_text(response)
    assert "your vote is counted" in text
    with app.app_context():
        vote_row = db.session.scalar(select(Vote))
        assert vote_row.entry_id == entries[1].id
        assert vote_row.receipt in text
        voter = db.session.get(Voter, vote_row.voter_id)
        assert voter.verified_at is not None and voter.email_domain == "example.org"


def test_the_mailed_link_confirms_the_vote(app, client):
    _, entries = make_voting_contest(app)
    ask_code(client, entries[0], "linker@example.org")
    _, body = last_code(app)
    path = re.search(r"http://localhost(/vote/confirm/\S+)", body).group(1)
    other = app.test_client()  # the link works from another device
    confirm_page = other.get(path)
    assert "You are voting for" in page_text(confirm_page)
    assert count_votes(app) == 0, "opening the link alone must not vote (mail scanners do)"
    response = submit(other, path, {}, follow_redirects=True)
    assert "your vote is counted" in page_text(response)
    assert count_votes(app) == 1


def test_the_email_is_never_stored_in_clear(app, client):
    _, entries = make_voting_contest(app)
    vote(app, client, entries[0], "Secret.Person+vote@Example.org")
    with app.app_context():
        rows = [
            *db.session.execute(select(Voter.__table__)).all(),
            *db.session.execute(select(VoteCode.__table__)).all(),
            *db.session.execute(select(Vote.__table__)).all(),
        ]
        assert rows
        stored = " ".join(str(value) for row in rows for value in row).lower()
        for fragment in ("secret", "person", "secret.person", "@example.org"):
            assert fragment not in stored
        key = app.config["VOTER_KEY"].encode()
        voter = db.session.scalar(select(Voter))
        assert voter.email_hash == identity.email_hash(key, "secret.person@example.org")


def test_a_wrong_code_says_so_and_counts_down(app, client):
    _, entries = make_voting_contest(app)
    ask_code(client, entries[0], "typo@example.org")
    code, _ = last_code(app)
    wrong = "000000" if code != "000000" else "111111"
    response = submit(client, "/vote/code", {"code": wrong})
    assert "That code is not right" in page_text(response)
    assert "4 tries left" in page_text(response)
    assert count_votes(app) == 0


def test_too_many_wrong_codes_kill_the_code(app, client):
    _, entries = make_voting_contest(app)
    ask_code(client, entries[0], "guesser@example.org")
    code, _ = last_code(app)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(app.config["VOTE_CODE_MAX_ATTEMPTS"]):
        response = submit(client, "/vote/code", {"code": wrong})
    assert "Too many wrong tries: this code no longer works" in page_text(response)
    response = submit(client, "/vote/code", {"code": code})  # even the right one, now
    assert "Too many wrong tries" in page_text(response)
    assert count_votes(app) == 0


def test_an_expired_code_is_refused(app, client):
    _, entries = make_voting_contest(app)
    ask_code(client, entries[0], "late@example.org")
    code, _ = last_code(app)
    with app.app_context():
        row = db.session.scalar(select(VoteCode))
        row.created_at = utcnow() - timedelta(minutes=20)
        row.expires_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    response = submit(client, "/vote/code", {"code": code})
    assert "This code has expired. Ask for a new one: it is valid for 15 minutes." in page_text(
        response
    )
    assert count_votes(app) == 0


def test_a_reused_code_shows_the_vote_already_cast(app, client):
    _, entries = make_voting_contest(app)
    ask_code(client, entries[0], "twice@example.org")
    code, body = last_code(app)
    token = csrf_token(client, "/vote/code")
    client.post("/vote/code", data={"code": code, "csrf_token": token})
    path = re.search(r"http://localhost(/vote/confirm/\S+)", body).group(1)
    response = submit(app.test_client(), path, {}, follow_redirects=True)
    assert "You have already voted" in page_text(response)
    assert count_votes(app) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("a+tag@x.org", "A@X.org"),
        ("A.B@gmail.com", "ab@gmail.com"),
        (" ab+school@googlemail.com ", "a.b@gmail.com"),
    ],
)
def test_an_alias_of_an_address_that_voted_cannot_vote_again(app, first, second):
    _, entries = make_voting_contest(app)
    vote(app, app.test_client(), entries[0], first)
    response = vote(app, app.test_client(), entries[1], second)
    text = page_text(response)
    assert "You have already voted" in text
    with app.app_context():
        assert db.session.scalar(select(func.count(Voter.id))) == 1
        assert db.session.scalar(select(Vote.entry_id)) == entries[0].id
    assert count_votes(app) == 1


@pytest.mark.parametrize("email", ["someone@mailinator.com", "x@eu.yopmail.com"])
def test_a_disposable_address_is_refused(app, client, email):
    _, entries = make_voting_contest(app)
    response = ask_code(client, entries[0], email)
    assert response.status_code == 200
    assert "Addresses from throwaway-mailbox services cannot vote" in page_text(response)
    assert not (app.config["INSTANCE_DIR"] / "outbox").exists()


def test_a_domain_from_the_configured_file_is_refused(make_app, tmp_path):
    extra = tmp_path / "blocked.txt"
    extra.write_text("# ours\nthrowaway.example\n")
    app = make_app(DISPOSABLE_DOMAINS_FILE=str(extra))
    _, entries = make_voting_contest(app)
    response = ask_code(app.test_client(), entries[0], "kid@throwaway.example")
    assert "throwaway-mailbox services" in page_text(response)


@pytest.mark.parametrize("email", ["not-an-address", "two@@example.org", "a b@example.org"])
def test_an_invalid_address_is_refused(app, client, email):
    _, entries = make_voting_contest(app)
    response = ask_code(client, entries[0], email)
    assert "Enter a valid email address" in page_text(response)


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [(3600, 7200, "Voting has not opened yet."), (-7200, -3600, "Voting has closed.")],
)
def test_voting_outside_the_window_is_refused(app, client, opens, closes, message):
    _, entries = make_voting_contest(app, opens=opens, closes=closes)
    assert message in page_text(client.get("/vote/"))
    assert message in page_text(client.get(f"/vote/entry/{entries[0].id}"))
    token = csrf_token(client, "/auth/forgot")  # the session's token: the page has no form now
    response = client.post(
        f"/vote/entry/{entries[0].id}", data={"email": "early@example.org", "csrf_token": token}
    )
    assert message in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(VoteCode.id))) == 0


def test_a_code_confirmed_after_the_close_is_refused(app, client):
    contest, entries = make_voting_contest(app)
    ask_code(client, entries[0], "slow@example.org")
    code, _ = last_code(app)
    with app.app_context():
        db.session.get(Contest, contest.id).voting_close_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = submit(client, "/vote/code", {"code": code})
    assert "Voting has closed." in page_text(response)
    assert count_votes(app) == 0


def test_an_unknown_or_ineligible_entry_is_refused(app, client):
    contest, entries = make_voting_contest(app)
    with app.app_context():
        school = db.session.scalar(select(School))
    draft = make_entry(app, contest.categories[0], school, status="submitted")
    hidden = make_entry(
        app, contest.categories[0], school, status="ready", consent_status="approved",
        hidden_at=utcnow(), hidden_reason="Takedown request.",
    )  # fmt: skip
    no_consent = make_entry(app, contest.categories[0], school, status="ready")
    for entry in (draft, hidden, no_consent):
        response = client.get(f"/vote/entry/{entry.id}")
        assert response.status_code == 404
        assert "not part of the People&#39;s Choice vote" in page_text(response)
        assert entry.title not in page_text(client.get("/vote/"))
    response = client.get(f"/vote/entry/{entries[-1].id + 1000}")
    assert response.status_code == 404
    assert "There is no entry with that number" in page_text(response)


def test_a_missing_csrf_token_is_refused(app, client):
    _, entries = make_voting_contest(app)
    client.get(f"/vote/entry/{entries[0].id}")
    response = client.post(f"/vote/entry/{entries[0].id}", data={"email": "x@example.org"})
    assert response.status_code == 400
    assert "Your form expired or came from another site" in page_text(response)
    response = client.post("/vote/code", data={"code": "123456"})
    assert response.status_code == 400
    assert "Your form expired or came from another site" in page_text(response)


def test_the_code_page_without_a_code_says_where_to_start(client):
    response = client.get("/vote/code")
    assert "There is no code waiting in this browser" in page_text(response)


def test_an_unknown_link_is_refused(app, client):
    make_voting_contest(app)
    response = client.get("/vote/confirm/not-a-real-link")
    assert response.status_code == 404
    assert "This confirmation link is not valid" in page_text(response)


def test_the_voting_page_lists_entries_by_category_in_a_stable_per_visitor_order(app):
    contest, entries = make_voting_contest(app, entries_per_category=6)
    first = app.test_client()
    order = re.findall(r'id="entry-(\d+)"', page_text(first.get("/vote/")))
    assert sorted(map(int, order)) == sorted(e.id for e in entries)
    assert re.findall(r'id="entry-(\d+)"', page_text(first.get("/vote/"))) == order
    orders = {tuple(re.findall(r'id="entry-(\d+)"', page_text(app.test_client().get("/vote/"))))
              for _ in range(8)}  # fmt: skip
    assert len(orders | {tuple(order)}) > 1, "every visitor saw the same order"
    text = page_text(first.get("/vote/"))
    positions = [text.index(f'id="category-{c.id}"') for c in contest.categories]
    assert positions == sorted(positions)
    assert "vote</p>" not in text and "votes</p>" not in text  # no live tally by default


@pytest.mark.parametrize("show", [True, False])
def test_the_live_tally_shows_only_when_the_contest_chooses_it(app, show):
    _, entries = make_voting_contest(app, show_live_tally=show)
    vote(app, app.test_client(), entries[0], "counted@example.org")
    text = page_text(app.test_client().get("/vote/"))
    assert ("1 vote</p>" in text and "0 votes</p>" in text) is show
    assert entries[0].title in text


def test_the_code_mail_goes_through_smtp(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url)
    _, entries = make_voting_contest(app)
    client = app.test_client()
    response = ask_code(client, entries[0], "real@example.org")
    assert response.status_code == 302
    recipients, message = smtp_server.messages[-1]
    assert recipients == ["real@example.org"]
    code = re.search(r"Your code: (\d{6})", message.get_content()).group(1)
    assert "/vote/confirm/" in message.get_content()
    response = submit(client, "/vote/code", {"code": code}, follow_redirects=True)
    assert "your vote is counted" in page_text(response)


def test_the_code_mail_is_never_queued_so_the_address_is_kept_nowhere(
    make_app, smtp_server, restore_job_queue
):
    """The job queue stores its jobs' arguments: a queued code mail would keep the voter's
    address, their code and a link that casts the vote (docs/privacy.md)."""
    app = make_app(MAIL_URL=smtp_server.url, JOBS_IMMEDIATE=False)
    _, entries = make_voting_contest(app)
    response = ask_code(app.test_client(), entries[0], "Kept.Nowhere@example.org")
    assert response.status_code == 302
    [(recipients, message)] = smtp_server.messages  # sent in the request, after the commit
    assert recipients == ["kept.nowhere@example.org"]
    assert jobs.huey.pending_count() == 0
    queue = Path(app.config["JOBS_SQLITE_PATH"])
    stored = queue.read_bytes().lower() if queue.exists() else b""
    assert b"kept.nowhere" not in stored and b"nowhere@example.org" not in stored


def test_the_public_can_watch_eligible_entries_only_while_voting_is_open(app, client):
    contest, entries = make_voting_contest(app)
    with app.app_context():
        video = store_asset(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4")
        captions = store_asset(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", "text/vtt")
        row = db.session.get(Entry, entries[0].id)
        row.video_asset_id, row.captions_asset_id = video.id, captions.id
        db.session.commit()
        video_id, captions_id = video.id, captions.id
    page = page_text(client.get(f"/vote/entry/{entries[0].id}"))
    assert f'src="/media/{video_id}"' in page and f'src="/media/{captions_id}"' in page
    for asset_id in (video_id, captions_id):
        response = client.get(f"/media/{asset_id}")
        assert response.status_code == 200
        response.close()  # file responses hold their file open until closed
    with app.app_context():
        db.session.get(Contest, contest.id).voting_open_at = utcnow() + timedelta(hours=1)
        db.session.get(Contest, contest.id).voting_close_at = utcnow() + timedelta(hours=2)
        db.session.commit()
    response = client.get(f"/media/{video_id}")
    assert response.status_code == 404
    response.close()


def test_voting_state_follows_the_window_and_publication():
    now = utcnow()
    hour = timedelta(hours=1)
    window = Contest(voting_open_at=now - hour, voting_close_at=now + hour)
    assert rules.voting(window, now) == "open"
    assert rules.voting(window, now - 2 * hour) == "not_open"
    assert rules.voting(window, now + hour) == "closed"  # the close is exclusive
    assert rules.voting(Contest(), now) == "not_open"
    published = Contest(voting_open_at=now - hour, published_at=now - hour / 2)
    assert rules.voting(published, now) == "closed"


def test_shuffled_is_stable_per_seed_and_keeps_every_entry():
    entries = list(range(20))
    assert casting.shuffled(entries, "1:5") == casting.shuffled(entries, "1:5")
    assert sorted(casting.shuffled(entries, "2:5")) == entries
    assert casting.shuffled(entries, "1:5") != casting.shuffled(entries, "2:5")


def test_receipts_are_random_and_easy_to_copy():
    receipts = {casting.new_receipt() for _ in range(500)}
    assert len(receipts) == 500
    for receipt in receipts:
        assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}(-[2-9A-HJKMNP-TV-Z]{4}){2}", receipt)
