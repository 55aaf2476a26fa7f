"""Outgoing mail: MAIL_URL parsing, the outbox, and a real SMTP server (aiosmtpd) end to end."""

import logging
import re
from email.utils import parsedate_to_datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from config import ConfigError
from contest.core.extensions import db, limiter
from contest.core.mail import (
    MailError,
    MailServer,
    NotOneRecipient,
    build_message,
    parse_mail_url,
    queue_mail,
    send_mail,
)
from contest.core.models.accounts import Invitation
from tests import factories
from tests.email_tricks import addresses, tricked, with_control
from tests.helpers import SmtpSink, free_port, outbox_messages, page_text, submit

NEW_PASSWORD = "a brand new pass phrase"
NOTICE = "If an account uses that address, we have sent it a link to reset the password."


def closed_port_url():
    return f"smtp://127.0.0.1:{free_port()}"


def invitations(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Invitation))


# --- MAIL_URL -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [None, "", "outbox"])
def test_the_outbox_needs_no_server(url):
    assert parse_mail_url(url) is None


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://mail.example.org", MailServer("smtp", "mail.example.org", 25, None, None)),
        ("smtp://127.0.0.1:1025", MailServer("smtp", "127.0.0.1", 1025, None, None)),
        (
            "smtp+starttls://contest%40example.org:p%40ss%3Aword@mail.example.org",
            MailServer(
                "smtp+starttls", "mail.example.org", 587, "contest@example.org", "p@ss:word"
            ),
        ),
        (
            "smtps://user:secret@Mail.Example.org:2465",
            MailServer("smtps", "mail.example.org", 2465, "user", "secret"),
        ),
    ],
)
def test_smtp_urls_name_the_server_port_and_login(url, server):
    assert parse_mail_url(url) == server


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.org", "scheme must be one of outbox, smtp, smtp+starttls, smtps"),
        ("sendmail", "scheme must be one of"),
        ("outbox://", "scheme must be one of"),
        ("smtp://", "has no host"),
        ("smtp:///relay", "has no host"),
        ("smtps://user:secret@:465", "has no host"),
        ("smtp://mail.example.org:mail", "has a bad port"),
        ("smtp://mail.example.org:70000", "has a bad port"),
    ],
)
def test_malformed_mail_urls_are_refused_with_the_reason(url, message):
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        parse_mail_url(url)
    assert repr(url.replace(":secret@", ":***@")) in str(caught.value)  # password hidden


def test_a_message_has_the_headers_a_mail_server_expects():
    message = build_message(
        "ada@example.org", "Hello", "Line one.\nLine two.\n", "PSA Contest <no-reply@example.org>"
    )

    assert message["From"] == "PSA Contest <no-reply@example.org>"
    assert (message["To"], message["Subject"]) == ("ada@example.org", "Hello")
    assert parsedate_to_datetime(message["Date"]).utcoffset().total_seconds() == 0
    assert message["Message-ID"].endswith("@psa-contest.local>")
    assert message.get_content() == "Line one.\nLine two.\n"


# --- the outbox ---------------------------------------------------------------------------------


def test_outbox_mode_writes_each_message_to_an_eml_file_and_the_log(make_app, caplog):
    site = make_app()  # MAIL_URL="outbox", the default
    caplog.set_level(logging.INFO, logger="contest.core.mail")

    with site.app_context():
        send_mail("ada@example.org", "First", "The first body.")
        send_mail("bob@example.org", "Second", "The second body.")

    first, second = outbox_messages(site)
    assert (first["To"], first["Subject"], first.get_content().strip()) == (
        "ada@example.org",
        "First",
        "The first body.",
    )
    assert first["From"] == site.config["MAIL_SENDER"]
    assert (second["To"], second["Subject"]) == ("bob@example.org", "Second")
    assert "The second body." in caplog.text
    assert "written to" in caplog.text


def test_an_outbox_that_cannot_be_written_raises_mail_error(make_app, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "outbox").write_text("a file where the outbox folder should be")
    site = make_app(INSTANCE_DIR=instance)

    with site.app_context(), pytest.raises(MailError, match="could not be written"):
        send_mail("ada@example.org", "Hello", "Body")


# --- SMTP ---------------------------------------------------------------------------------------


def test_send_mail_hands_the_message_to_the_smtp_server(make_app, smtp_server):
    site = make_app(MAIL_URL=smtp_server.url, MAIL_SENDER="Contest <contest@example.org>")

    with site.app_context():
        send_mail("ada@example.org", "Hello Ada", "See you at the screening.")

    [(recipients, message)] = smtp_server.messages
    assert recipients == ["ada@example.org"]
    assert (message["From"], message["To"]) == ("Contest <contest@example.org>", "ada@example.org")
    assert message["Subject"] == "Hello Ada"
    assert message.get_content().strip() == "See you at the screening."


def test_an_unreachable_smtp_server_raises_mail_error(make_app, caplog):
    site = make_app(MAIL_URL=closed_port_url())

    with site.app_context(), pytest.raises(MailError, match="did not accept the message"):
        send_mail("ada@example.org", "Hello", "Body")
    assert "mail 'Hello' failed" in caplog.text
    assert "ada@example.org" not in caplog.text  # voters' addresses are never logged


def test_a_server_refusing_the_recipient_raises_mail_error(make_app):
    refusing = SmtpSink(refuse_recipients=True)
    refusing.start()
    try:
        site = make_app(MAIL_URL=refusing.url)
        with site.app_context(), pytest.raises(MailError, match="No such mailbox"):
            send_mail("nobody@example.org", "Hello", "Body")
    finally:
        refusing.stop()
    assert refusing.messages == []


# --- one message, one recipient ---------------------------------------------------------------

CRAFTED = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Ways a header, a mail server or a client library could read one `to` as two mailboxes.
TWO_IN_ONE = [
    "{a},{b}", "{a}, {b}", "{a};{b}", "{a} {b}", "{a}\r\nBcc: {b}", "{a}\nCc: {b}",
    "g: {a}, {b};", "g:{b};", "A <{a}>, B <{b}>", "A <{a}>", "{a} ({b})", "({b}){a}",
    '"{a},x"@example.org', "{a}\x00{b}", "<{a}>,<{b}>",
]  # fmt: skip
crafted = st.one_of(
    st.builds(lambda form, a, b: form.format(a=a, b=b), st.sampled_from(TWO_IN_ONE), addresses,
              addresses),
    tricked,
    with_control,
)  # fmt: skip


@CRAFTED
@given(to=crafted)
def test_a_crafted_recipient_never_yields_a_second_one(make_app, smtp_server, to):
    site = make_app(MAIL_URL=smtp_server.url)
    with site.app_context(), pytest.raises(NotOneRecipient, match="not one email address"):
        send_mail(to, "Hello", "Body")
    assert smtp_server.messages == []


def test_a_queued_message_to_a_crafted_recipient_is_dropped_not_retried(
    app, make_app, smtp_server, caplog
):
    site = make_app(MAIL_URL=smtp_server.url)
    with site.app_context():
        queue_mail(db.session, "ada@example.org, eve@example.org", "Hello", "Body")
        queue_mail(db.session, "ada@example.org", "Hello again", "Body")
        db.session.commit()  # jobs run at the commit in tests (JOBS_IMMEDIATE)
    [(recipients, message)] = smtp_server.messages
    assert (recipients, message["Subject"]) == (["ada@example.org"], "Hello again")
    assert caplog.text.count("its recipient is not one email address") == 1  # one attempt
    assert "eve@example.org" not in caplog.text


def test_every_message_of_the_site_has_exactly_one_envelope_recipient(
    app, make_app, smtp_server, people
):
    """A vote code (to an internationalised domain), an invitation and a password reset, each
    through its page: the server is given one recipient, the address in the To header."""
    limiter.reset()
    site = make_app(MAIL_URL=smtp_server.url)
    _, entries = factories.make_voting_contest(app)
    voter = site.test_client()
    response = submit(voter, f"/vote/entry/{entries[0].id}", {"email": " Pupil@Bücher.DE "})
    assert response.status_code == 302
    organizer = site.test_client()
    factories.sign_in(organizer, people["organizer"].email)
    response = submit(
        organizer, "/admin/people", {"email": "Judge.New@Example.org", "role": "judge"}
    )
    assert response.status_code == 302
    response = submit(site.test_client(), "/auth/forgot", {"email": people["teacher_a"].email})
    assert response.status_code == 302

    sent = {message["Subject"].split(":")[0]: recipients for recipients, message in
            smtp_server.messages}  # fmt: skip
    assert sent == {
        "Your People's Choice code": ["pupil@xn--bcher-kva.de"],
        "You are invited to PSA Contest": ["judge.new@example.org"],
        "Reset your PSA Contest password": [people["teacher_a"].email],
    }
    for recipients, message in smtp_server.messages:
        assert recipients == [message["To"]]


# --- mail from the site, end to end -------------------------------------------------------------


def test_an_invitation_sent_by_smtp_can_be_opened_and_accepted(app, make_app, smtp_server, people):
    site = make_app(MAIL_URL=smtp_server.url)
    organizer = site.test_client()
    factories.sign_in(organizer, people["organizer"].email)
    school = people["school_a"]

    response = submit(
        organizer,
        "/admin/people",
        {"email": "New.Teacher@example.org", "role": "teacher", "school": str(school.id)},
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/admin/people")
    assert "Invitation on its way to new.teacher@example.org." in page_text(
        organizer.get("/admin/people")
    )
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["new.teacher@example.org"]
    assert message["Subject"] == "You are invited to PSA Contest"
    assert people["organizer"].name in message.get_content()
    link = smtp_server.link_in_last("/auth/invitation/")

    teacher = site.test_client()
    assert "You are invited as a teacher" in page_text(teacher.get(link))
    accepted = submit(
        teacher, link, {"name": "Tess", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )

    assert (accepted.status_code, accepted.headers["Location"]) == (302, "/school/")
    user = factories.fetch_user(site, "new.teacher@example.org")
    assert [(grant.role, grant.school_id) for grant in user.grants] == [("teacher", school.id)]
    assert teacher.get(link).status_code == 400  # used up


def test_a_password_reset_link_sent_by_smtp_works(app, make_app, smtp_server, people):
    site = make_app(MAIL_URL=smtp_server.url)
    client = site.test_client()
    email = people["teacher_a"].email

    response = submit(client, "/auth/forgot", {"email": email})

    assert (response.status_code, response.headers["Location"]) == (302, "/auth/login")
    [(recipients, message)] = smtp_server.messages
    assert recipients == [email]
    assert message["Subject"] == "Reset your PSA Contest password"
    link = smtp_server.link_in_last("/auth/reset/")
    reset = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert (reset.status_code, reset.headers["Location"]) == (302, "/school/")
    factories.sign_out(client)
    factories.sign_in(client, email, NEW_PASSWORD)


def test_an_invitation_is_mailed_by_the_queue_after_the_commit(app, make_app, people, caplog):
    """The invitation is kept and its mail queued: a mail server that is down costs retries
    (logged when the last one fails), never the organizer's request."""
    site = make_app(MAIL_URL=closed_port_url())
    organizer = site.test_client()
    factories.sign_in(organizer, people["organizer"].email)

    response = submit(
        organizer, "/admin/people", {"email": "judge2@example.org", "role": "judge", "school": "0"}
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/admin/people")
    assert invitations(site) == 1
    assert "mail 'You are invited to PSA Contest' not delivered after every retry" in caplog.text


def test_a_refused_invitation_queues_no_mail(app, make_app, smtp_server, people):
    """A teacher invitation without a school is refused: nothing is saved and nothing mailed."""
    site = make_app(MAIL_URL=smtp_server.url)
    organizer = site.test_client()
    factories.sign_in(organizer, people["organizer"].email)

    response = submit(
        organizer, "/admin/people", {"email": "t2@example.org", "role": "teacher", "school": "0"}
    )

    assert response.status_code == 200
    assert "t2@example.org" in page_text(response)  # the form keeps what was typed
    assert invitations(site) == 0
    assert smtp_server.messages == []


def test_a_reset_request_with_the_server_down_answers_as_usual(app, make_app, people, caplog):
    """The person is told what everyone is told: a different answer would reveal the account."""
    site = make_app(MAIL_URL=closed_port_url())
    client = site.test_client()

    response = submit(client, "/auth/forgot", {"email": people["judge"].email})

    assert (response.status_code, response.headers["Location"]) == (302, "/auth/login")
    assert NOTICE in page_text(client.get("/auth/login"))
    # The link went to the queue; the queue logs that the server refused it after every retry.
    assert "mail 'Reset your PSA Contest password' not delivered after every retry" in caplog.text


@pytest.mark.parametrize(
    "url", ["smtp://", "pigeon://birds.example", "smtp://host:99999", "smtp://u:secret@:25"]
)
def test_a_malformed_mail_url_stops_the_app_at_start_up(make_app, url):
    with pytest.raises(ConfigError) as caught:
        make_app(MAIL_URL=url)
    assert "MAIL_URL" in str(caught.value)
    assert "secret" not in str(caught.value)
