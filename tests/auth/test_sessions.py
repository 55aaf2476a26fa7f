"""Sessions end on the server: a copied cookie dies with sign-out, "sign out of every device"
ends the others, a new password ends them, and an idle session lapses."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.auth import accounts, sessions
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.accounts import User
from tests import factories
from tests.helpers import page_text, session_cookie, submit

NEW_PASSWORD = "a brand new pass phrase"


def signed_in(client):
    return client.get("/auth/account").status_code == 200


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie (a stolen cookie, say)."""
    thief = app.test_client()
    thief.set_cookie("session", session_cookie(client), domain="localhost")
    return thief


def generation(app, email):
    with app.app_context():
        return db.session.scalar(select(User.session_generation).where(User.email == email))


@pytest.fixture
def clock(monkeypatch):
    """Move the clock the session checks read by `clock.move(minutes)` from now."""

    class Clock:
        offset = timedelta()

        def move(self, minutes):
            self.offset += timedelta(minutes=minutes)

    moved = Clock()
    monkeypatch.setattr(sessions, "utcnow", lambda: utcnow() + moved.offset)
    return moved


def test_a_copied_cookie_stops_working_once_its_owner_signs_out(app, people):
    client = app.test_client()
    factories.sign_in(client, people["teacher_a"].email)
    thief = copy_of(app, client)
    assert signed_in(thief)  # the copy works while the session lives

    factories.sign_out(client)
    replay = thief.get("/school/")

    assert (replay.status_code, replay.headers["Location"]) == (
        302,
        "/auth/login?next=%2Fschool%2F",
    )
    assert not signed_in(thief)
    assert generation(app, people["teacher_a"].email) == 1


def test_signing_out_of_every_device_ends_another_browsers_session(app, people):
    email = people["judge"].email
    laptop, phone = app.test_client(), app.test_client()
    factories.sign_in(laptop, email)
    factories.sign_in(phone, email)
    copied = copy_of(app, laptop)

    response = submit(phone, "/auth/sessions/end", {}, page="/auth/account")

    assert (response.status_code, response.headers["Location"]) == (302, "/auth/login")
    assert "You are signed out on every device." in page_text(phone.get("/auth/login"))
    assert not signed_in(phone)
    assert not signed_in(laptop)
    assert not signed_in(copied)
    factories.sign_in(laptop, email)  # signing in again starts a session of the new generation
    assert signed_in(laptop)


def test_the_account_page_offers_signing_out_everywhere_by_post_with_csrf(app, login_as):
    client = login_as("teacher_a")
    page = page_text(client.get("/auth/account"))
    assert 'action="/auth/sessions/end"' in page and "Sign out of every device" in page

    assert client.get("/auth/sessions/end").status_code == 405
    assert client.post("/auth/sessions/end").status_code == 400  # no CSRF token: refused
    assert signed_in(client)


@pytest.mark.parametrize("how", ["change", "reset"])
def test_a_new_password_ends_copied_sessions_but_keeps_the_one_that_set_it(app, people, how):
    email = people["judge"].email
    client = app.test_client()
    factories.sign_in(client, email)
    thief = copy_of(app, client)
    fields = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    if how == "change":
        submit(client, "/auth/password", {**fields, "current_password": factories.PASSWORD})
    else:
        submit(client, factories.reset_link_path(app, email), fields)

    assert signed_in(client)
    assert not signed_in(thief)


def test_a_session_ends_after_the_idle_time_with_a_message(app, people, clock):
    client = app.test_client()
    factories.sign_in(client, people["teacher_a"].email)
    minutes = app.config["SESSION_IDLE_MINUTES"]

    clock.move(minutes - 1)
    assert signed_in(client)  # activity within the idle time keeps the session...
    clock.move(minutes - 1)
    assert signed_in(client)  # ...counted from the last request, not from signing in
    clock.move(minutes + 1)
    response = client.get("/school/")

    assert (response.status_code, response.headers["Location"]) == (
        302,
        "/auth/login?next=%2Fschool%2F",
    )
    page = page_text(client.get("/auth/login"))
    assert f"You were signed out after {minutes} minutes without activity." in page
    assert session_cookie(client) is None or not signed_in(client)


def test_the_idle_time_is_configurable(make_app, app, people, clock):
    site = make_app(SESSION_IDLE_MINUTES=5)
    client = site.test_client()
    factories.sign_in(client, people["judge"].email)

    clock.move(4)
    assert signed_in(client)
    clock.move(6)
    assert not signed_in(client)


def test_a_copied_idle_cookie_does_not_come_back_to_life(app, people, clock):
    client = app.test_client()
    factories.sign_in(client, people["judge"].email)
    thief = copy_of(app, client)

    clock.move(app.config["SESSION_IDLE_MINUTES"] + 1)

    assert not signed_in(thief)
    assert not signed_in(client)


def test_the_last_activity_is_written_at_most_once_a_minute(app, people, clock):
    client = app.test_client()
    factories.sign_in(client, people["judge"].email)
    with client.session_transaction() as stored:
        first = stored[sessions.LAST_SEEN]

    client.get("/auth/account")
    with client.session_transaction() as stored:
        assert stored[sessions.LAST_SEEN] == first  # seconds later: left as it was
    clock.move(2)
    client.get("/auth/account")
    with client.session_transaction() as stored:
        assert stored[sessions.LAST_SEEN] >= first + 120


def test_a_session_without_its_activity_stamp_is_signed_out(app, people):
    client = app.test_client()
    factories.sign_in(client, people["judge"].email)
    with client.session_transaction() as stored:
        del stored[sessions.LAST_SEEN]

    assert not signed_in(client)


@pytest.mark.parametrize(
    "session_id",
    ["", "x", "1", "1:", ":0", "1:a", "1:-1", "１:0", "1:０", "1:0:0", "9" * 40 + ":0", "1:²"],
)
def test_malformed_session_ids_name_nobody(session_id):
    assert sessions.parse_session_id(session_id) is None


def test_the_loader_takes_only_the_current_generation(app, session):
    user = factories.add_user(session, roles=["judge"])
    session.commit()
    assert sessions.load_user(user.get_id()) is user
    old = user.get_id()

    accounts.end_sessions(user)
    session.commit()

    assert user.session_generation == 1
    assert sessions.load_user(old) is None
    assert sessions.load_user(user.get_id()) is user


def test_the_generation_does_not_depend_on_a_password(app, session):
    """An account without a password (one that will sign in through a school's identity
    provider) has sessions that end all the same."""
    user = factories.add_user(session, password_hash=None)
    session.commit()
    before = user.get_id()

    accounts.end_sessions(user)
    session.commit()

    assert user.password_hash is None
    assert sessions.load_user(before) is None


def test_two_ends_at_once_both_count(app, make_app, session):
    """The increment happens in SQL: two processes ending sessions at once never write back
    the same generation."""
    mine = session()  # this process's Session (db.session follows the active app context)
    user = factories.add_user(mine)
    mine.commit()
    assert user.session_generation == 0
    with make_app().app_context():
        theirs = db.session.get(User, user.id)
        assert theirs.session_generation == 0  # both processes read 0
        accounts.end_sessions(theirs)
        accounts.end_sessions(user)
        mine.commit()
        db.session.commit()
    mine.expire_all()
    assert mine.get(User, user.id).session_generation == 2
