"""Sign-in, sign-out, passwords, invitations, resets and role guards, through the test client."""

from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import func, select

from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.accounts import Invitation, LoginFailure, User
from tests import factories
from tests.helpers import (
    csrf_token,
    fail_sign_ins,
    link_path,
    outbox_messages,
    page_text,
    session_cookie,
    submit,
    tamper,
)

NEW_PASSWORD = "a brand new pass phrase"
HOME = {"organizer": "/admin/", "teacher_a": "/school/", "judge": "/judging/"}


def signed_in(client):
    return client.get("/auth/account").status_code == 200


def roles_of(app, email):
    user = factories.fetch_user(app, email)
    return {(grant.role, grant.school_id) for grant in user.grants} if user else set()


def login_failures(app, email):
    with app.app_context():
        return db.session.scalar(select(func.count()).where(LoginFailure.email == email))


# --- signing in and out -------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(HOME))
def test_signing_in_lands_on_the_home_of_the_role(app, people, role):
    client = app.test_client()

    response = factories.sign_in(client, people[role].email.upper())

    assert response.headers["Location"] == HOME[role]
    account = page_text(client.get("/auth/account"))
    assert people[role].email in account
    assert "You are signed in." in account


def test_signing_in_starts_a_fresh_session(app, people):
    client = app.test_client()
    client.get("/auth/login")
    with client.session_transaction() as before:
        before["planted"] = "set before sign-in"
    cookie_before = session_cookie(client)

    factories.sign_in(client, people["judge"].email)

    assert session_cookie(client) not in (None, cookie_before)
    with client.session_transaction() as after:
        assert "planted" not in after
        assert "_user_id" in after


@pytest.mark.parametrize("target", ["/auth/account", "/judging/?sort=title&page=2"])
def test_next_returns_to_a_page_of_this_site(app, people, target):
    client = app.test_client()
    url = f"/auth/login?{urlencode({'next': target})}"

    response = submit(client, url, {"email": people["judge"].email, "password": factories.PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/sign-in",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "http:/evil.example/",
        "javascript:alert(1)",
        "judging/",
    ],
)
def test_next_never_leaves_the_site(app, people, target):
    client = app.test_client()
    url = f"/auth/login?{urlencode({'next': target})}"

    response = submit(client, url, {"email": people["judge"].email, "password": factories.PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/judging/"


def test_a_wrong_password_is_a_clear_error_on_the_form(app, client, people):
    response = submit(
        client, "/auth/login", {"email": people["judge"].email, "password": "not the password"}
    )

    text = page_text(response)
    assert response.status_code == 200
    assert 'id="password-error">Wrong email address or password.</p>' in text
    assert 'aria-invalid="true"' in text
    assert not signed_in(client)
    assert login_failures(app, people["judge"].email) == 1


def test_an_empty_sign_in_form_says_what_is_missing(client):
    response = submit(client, "/auth/login", {"email": "", "password": ""})

    text = page_text(response)
    assert response.status_code == 200
    assert "Enter your email address." in text
    assert "Enter your password." in text


def test_a_switched_off_account_cannot_sign_in(app, client):
    user = factories.make_user(app, roles=["judge"], active=False)

    response = submit(client, "/auth/login", {"email": user.email, "password": factories.PASSWORD})

    assert response.status_code == 200
    assert "Wrong email address or password." in page_text(response)
    assert not signed_in(client)


def test_switching_an_account_off_ends_its_sessions(app, login_as, people):
    client = login_as("judge")
    with app.app_context():
        db.session.get(User, people["judge"].id).active = False
        db.session.commit()

    response = client.get("/judging/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_the_sign_in_page_sends_a_signed_in_person_home(login_as):
    client = login_as("organizer")
    response = client.get("/auth/login")
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")


def test_signing_out_takes_a_post_with_the_csrf_token(login_as):
    client = login_as("judge")

    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400  # no CSRF token: refused
    assert signed_in(client)

    response = factories.sign_out(client)

    assert response.headers["Location"] == "/"
    assert "You are signed out." in page_text(client.get("/"))
    assert not signed_in(client)
    with client.session_transaction() as after:
        assert "_user_id" not in after


# --- changing the password ----------------------------------------------------------------------


def test_changing_the_password_needs_signing_in(client):
    response = client.get("/auth/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Fauth%2Fpassword"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current_password": "not the password"}, "Your current password is not right."),
        ({"password": "short", "confirm": "short"}, "Use at least 10 characters."),
        ({"confirm": "something else entirely"}, "The two passwords differ."),
        (
            {"password": factories.PASSWORD, "confirm": factories.PASSWORD},
            "Choose a password you have not used here.",
        ),
    ],
    ids=["wrong-current", "too-short", "confirm-differs", "unchanged"],
)
def test_changing_the_password_explains_what_is_wrong(login_as, people, fields, message):
    client = login_as("judge")
    data = {"current_password": factories.PASSWORD, "password": NEW_PASSWORD}
    data["confirm"] = NEW_PASSWORD
    data.update(fields)

    response = submit(client, "/auth/password", data)

    assert response.status_code == 200
    assert message in page_text(response)
    factories.sign_out(client)
    factories.sign_in(client, people["judge"].email)  # the password is as it was


def test_after_changing_the_password_only_the_new_one_signs_in(app, login_as, people):
    client = login_as("judge")
    email = people["judge"].email

    response = submit(
        client,
        "/auth/password",
        {"current_password": factories.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert "Your password is changed." in page_text(client.get("/auth/account"))
    factories.sign_out(client)
    refused = submit(client, "/auth/login", {"email": email, "password": factories.PASSWORD})
    assert refused.status_code == 200
    assert "Wrong email address or password." in page_text(refused)
    factories.sign_in(client, email, NEW_PASSWORD)


def test_changing_the_password_signs_out_other_sessions(app, people):
    laptop, phone = app.test_client(), app.test_client()
    factories.sign_in(laptop, people["judge"].email)
    factories.sign_in(phone, people["judge"].email)

    submit(
        laptop,
        "/auth/password",
        {"current_password": factories.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert signed_in(laptop)
    assert not signed_in(phone)


# --- throttling ---------------------------------------------------------------------------------


def test_failed_sign_ins_on_one_app_process_hold_back_another(app, make_app, people):
    first, second = make_app(), make_app()  # two processes, one database
    email = people["judge"].email
    limit = first.config["LOGIN_FAILURE_LIMIT"]
    window = first.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    fail_sign_ins(first.test_client(), email, limit)
    client = second.test_client()

    response = submit(client, "/auth/login", {"email": email, "password": factories.PASSWORD})

    assert response.status_code == 429
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit()
    assert 0 < int(retry_after) <= window
    assert "Too many failed sign-ins for this address" in page_text(response)
    assert not signed_in(client)

    # The window passes (the failures age), and the right password works again.
    with app.app_context():
        for failure in db.session.scalars(select(LoginFailure)):
            failure.at -= timedelta(seconds=window)
        db.session.commit()
    factories.sign_in(client, email)
    assert login_failures(app, email) == 0


def test_a_successful_sign_in_clears_the_failures(app, people):
    client = app.test_client()
    email = people["judge"].email
    limit = app.config["LOGIN_FAILURE_LIMIT"]

    fail_sign_ins(client, email, limit - 1)
    factories.sign_in(client, email)
    factories.sign_out(client)
    fail_sign_ins(client, email, limit - 1)

    factories.sign_in(client, email)


# --- invitations --------------------------------------------------------------------------------


def test_accepting_a_teacher_invitation_makes_the_account_at_the_school(app, people):
    school = people["school_a"]
    _, link = factories.make_invitation(
        app, "new.teacher@example.org", "teacher", school=school, invited_by=people["organizer"]
    )
    client = app.test_client()

    page = page_text(client.get(link))
    assert "You are invited as a teacher" in page
    assert "Choose a password to create your account." in page

    response = submit(
        client, link, {"name": "Tess Teacher", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/school/")
    assert "Welcome! You now have the teacher role." in page_text(client.get("/school/"))
    assert roles_of(app, "new.teacher@example.org") == {("teacher", school.id)}
    assert factories.fetch_user(app, "new.teacher@example.org").name == "Tess Teacher"
    factories.sign_out(client)
    factories.sign_in(client, "new.teacher@example.org", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        (NEW_PASSWORD, "something else entirely", "The two passwords differ."),
        ("short", "short", "Use at least 10 characters for your password."),
        ("", "", "Enter a password."),
    ],
)
def test_an_invitation_form_explains_what_is_wrong(app, client, password, confirm, message):
    invitation, link = factories.make_invitation(app, "new.judge@example.org", "judge")

    response = submit(client, link, {"password": password, "confirm": confirm})

    assert response.status_code == 200
    assert message in page_text(response)
    assert factories.fetch_user(app, invitation.email) is None
    assert client.get(link).status_code == 200  # still open


def test_an_invitation_past_its_expiry_is_refused(app, client):
    invitation, link = factories.make_invitation(app, "late@example.org", "judge")
    with app.app_context():
        stored = db.session.get(Invitation, invitation.id)
        stored.created_at = utcnow() - timedelta(days=2)
        stored.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    response = client.get(link)

    assert response.status_code == 400
    assert "This link has expired. Ask for a new one." in page_text(response)


def test_an_invitation_older_than_the_configured_age_is_refused(app, make_app):
    site = make_app(INVITATION_MAX_AGE_SECONDS=60)
    sent_at = utcnow() - timedelta(seconds=61)
    _, link = factories.make_invitation(site, "late@example.org", "judge", now=sent_at)

    response = site.test_client().get(link)

    assert response.status_code == 400
    assert "This link has expired" in page_text(response)


def test_an_invitation_works_once(app, people):
    _, link = factories.make_invitation(app, "new.judge@example.org", "judge")
    first = app.test_client()
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert submit(first, link, data).status_code == 302

    again = app.test_client()
    opened = again.get(link)
    token = csrf_token(again, "/auth/login")
    posted = again.post(link, data={**data, "csrf_token": token})

    for response in (opened, posted):
        assert response.status_code == 400
        assert "This invitation has already been used. Sign in instead." in page_text(response)
    assert not signed_in(again)


def test_forged_invitation_links_are_refused(app, make_app):
    invitation, link = factories.make_invitation(app, "judge@example.org", "judge")
    other_site = make_app(SECRET_KEY="another-secret-key-that-is-long-enough-98765")
    _, other_key_link = factories.make_invitation(other_site, "judge@example.org", "judge")
    key = app.config["SECRET_KEY"]
    wrong_email = factories.signed_token(
        key, "invitation", {"id": invitation.id, "email": "mallory@example.org"}
    )
    forged = {
        "tampered": tamper(link),
        "other-secret-key": other_key_link,
        "email-mismatch": f"/auth/invitation/{wrong_email}",
        "signed-for-reset": "/auth/invitation/"
        + factories.signed_token(key, "reset", {"id": invitation.id, "email": invitation.email}),
    }
    client = app.test_client()

    for name, forgery in forged.items():
        response = client.get(forgery)
        assert response.status_code == 400, name
        assert "This link is not valid. Check that you copied all of it." in page_text(response)
    assert client.get(link).status_code == 200  # the real one still works


def test_a_teacher_invited_to_judge_gives_their_password_and_does_both(app, people):
    teacher = people["teacher_a"]
    _, link = factories.make_invitation(app, teacher.email, "judge")
    client = app.test_client()

    page = page_text(client.get(link))
    assert "You already have an account: enter its password" in page
    assert 'name="confirm"' not in page

    refused = submit(client, link, {"password": "not the password"})
    assert refused.status_code == 200
    assert "enter its password to add this role to it." in page_text(refused)
    assert roles_of(app, teacher.email) == {("teacher", people["school_a"].id)}

    accepted = submit(client, link, {"password": factories.PASSWORD})

    assert (accepted.status_code, accepted.headers["Location"]) == (302, "/judging/")
    assert roles_of(app, teacher.email) == {("teacher", people["school_a"].id), ("judge", None)}
    assert client.get("/judging/").status_code == 200
    assert client.get("/school/").status_code == 200


def test_an_invitation_cannot_be_used_to_guess_a_password(app, people):
    """Wrong passwords through an invitation count like failed sign-ins, across the site."""
    email = people["judge"].email
    _, link = factories.make_invitation(app, email, "admin")
    client = app.test_client()
    fail_sign_ins(client, email, app.config["LOGIN_FAILURE_LIMIT"], path=link)

    response = submit(client, link, {"password": factories.PASSWORD})

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in page_text(response)
    assert roles_of(app, email) == {("judge", None)}
    refused = submit(client, "/auth/login", {"email": email, "password": factories.PASSWORD})
    assert refused.status_code == 429


# --- password resets ----------------------------------------------------------------------------


def test_a_reset_link_by_mail_sets_a_new_password_once(app, make_app, people):
    site = make_app()  # its own outbox
    client = site.test_client()
    email = people["judge"].email

    response = submit(client, "/auth/forgot", {"email": email.upper()})

    assert (response.status_code, response.headers["Location"]) == (302, "/auth/login")
    [message] = outbox_messages(site)
    assert (message["To"], message["Subject"]) == (email, "Reset your PSA Contest password")
    link = link_path(message.get_content(), "/auth/reset/")
    assert f"For {email}." in page_text(client.get(link))

    reset = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert (reset.status_code, reset.headers["Location"]) == (302, "/judging/")
    assert "Your new password is set and you are signed in." in page_text(client.get("/judging/"))
    reused = client.get(link)
    assert reused.status_code == 400
    assert "This link has already been used. Ask for a new one." in page_text(reused)
    factories.sign_out(client)
    old = submit(client, "/auth/login", {"email": email, "password": factories.PASSWORD})
    assert old.status_code == 200
    factories.sign_in(client, email, NEW_PASSWORD)


@pytest.mark.parametrize(
    "email", ["nobody@example.org", "switched.off@example.org"], ids=["unknown", "switched-off"]
)
def test_asking_for_a_reset_reveals_nothing_about_the_address(app, make_app, people, email):
    factories.make_user(app, email="switched.off@example.org", active=False)
    site = make_app()
    known, other = site.test_client(), site.test_client()

    known_response = submit(known, "/auth/forgot", {"email": people["judge"].email})
    other_response = submit(other, "/auth/forgot", {"email": email})

    assert other_response.status_code == known_response.status_code == 302
    assert other_response.headers["Location"] == known_response.headers["Location"]
    notice = "If an account uses that address, we have sent it a link to reset the password."
    assert notice in page_text(known.get("/auth/login"))
    assert notice in page_text(other.get("/auth/login"))
    assert [message["To"] for message in outbox_messages(site)] == [people["judge"].email]


def test_an_expired_reset_link_is_refused(app, client, people):
    max_age = app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
    issued = utcnow() - timedelta(seconds=max_age + 1)
    link = factories.reset_link_path(app, people["judge"].email, now=issued)

    response = client.get(link)

    assert response.status_code == 400
    assert "This link has expired. Ask for a new one." in page_text(response)


def test_forged_reset_links_are_refused(app, make_app, people):
    email = people["judge"].email
    link = factories.reset_link_path(app, email)
    other_site = make_app(SECRET_KEY="another-secret-key-that-is-long-enough-98765")
    _, invitation_link = factories.make_invitation(app, "someone@example.org", "judge")
    forged = {
        "tampered": tamper(link),
        "other-secret-key": factories.reset_link_path(other_site, email),
        "invitation-token": invitation_link.replace("/invitation/", "/reset/"),
        "garbage": "/auth/reset/not-a-token",
    }
    client = app.test_client()

    for name, forgery in forged.items():
        response = client.get(forgery)
        assert response.status_code == 400, name
        assert "This link is not valid. Check that you copied all of it." in page_text(response)
    assert client.get(link).status_code == 200


def test_the_reset_form_explains_what_is_wrong_and_keeps_the_link(app, client, people):
    link = factories.reset_link_path(app, people["judge"].email)

    short = submit(client, link, {"password": "short", "confirm": "short"})
    differ = submit(client, link, {"password": NEW_PASSWORD, "confirm": "something else"})

    assert "Use at least 10 characters." in page_text(short)
    assert "The two passwords differ." in page_text(differ)
    assert client.get(link).status_code == 200
    factories.sign_in(client, people["judge"].email)  # the password is as it was


def test_a_reset_signs_out_other_sessions_and_lifts_the_throttle(app, people):
    email = people["judge"].email
    elsewhere = app.test_client()
    factories.sign_in(elsewhere, email)
    client = app.test_client()
    fail_sign_ins(client, email, app.config["LOGIN_FAILURE_LIMIT"])

    submit(
        client,
        factories.reset_link_path(app, email),
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert signed_in(client)
    assert not signed_in(elsewhere)
    assert login_failures(app, email) == 0


# --- role guards --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/people", "/judging/", "/school/", "/auth/account"]
)
def test_anonymous_visitors_are_sent_to_sign_in_with_next(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/auth/login?next={quote(path, safe='')}"
    assert "Please sign in to see that page." in page_text(client.get(response.headers["Location"]))


def test_signing_in_from_a_guarded_page_returns_to_it(app, people):
    client = app.test_client()
    login_url = client.get("/admin/people").headers["Location"]

    response = submit(
        client, login_url, {"email": people["organizer"].email, "password": factories.PASSWORD}
    )

    assert response.headers["Location"] == "/admin/people"
    assert client.get("/admin/people").status_code == 200


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("teacher_a", "/admin/"),
        ("judge", "/admin/people"),
        ("teacher_a", "/judging/"),
        ("judge", "/school/"),
        ("organizer", "/judging/"),
        ("organizer", "/school/"),
    ],
)
def test_the_wrong_role_gets_403(login_as, role, path):
    response = login_as(role).get(path)

    assert response.status_code == 403
    assert "Not allowed" in page_text(response)


@pytest.mark.parametrize(("role", "path"), sorted(HOME.items()))
def test_the_right_role_gets_in(login_as, role, path):
    assert login_as(role).get(path).status_code == 200
