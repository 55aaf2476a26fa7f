"""The one parser of email addresses (contest.core.emails): one plain address in, or refused.

Hypothesis builds addresses and then the tricks RFC 5322 allows around them (comments, quoting,
escapes, display names, groups, lists, IP literals) and the bytes no address has (controls,
invisible characters, non-ASCII before the @): each is refused with the reason. What is accepted
is one ASCII dot-atom address that Python's own header parser also reads as one recipient.
"""

from email.utils import getaddresses

import pytest
from hypothesis import given, settings
from sqlalchemy import func, select
from wtforms import Form, StringField

from contest.auth import accounts, invitations
from contest.core import emails
from contest.core.errors import ValidationError
from contest.core.extensions import db
from contest.core.models.accounts import Invitation, User
from contest.core.models.entries import School
from contest.core.models.takedowns import TakedownReport
from tests import factories
from tests.email_tricks import DOT_ATOM, LABEL, addresses, tricked, with_control
from tests.helpers import outbox_messages, page_text, submit

PROPERTY = settings(max_examples=150, deadline=None)


def refused(text):
    with pytest.raises(ValidationError) as caught:
        emails.parse_address(text)
    assert caught.value.field == "email"
    assert caught.value.message.startswith(emails.INVALID_EMAIL)
    return caught.value.message


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("pupil@example.org", "pupil@example.org"),
        ("  Pupil.Name@Example.ORG ", "pupil.name@example.org"),  # pasted spaces, case
        ("first+tag@school.example.org", "first+tag@school.example.org"),  # tags are voting's
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("kid@bücher.de", "kid@xn--bcher-kva.de"),  # internationalised domain: ASCII form
        ("KID@BÜCHER.DE", "kid@xn--bcher-kva.de"),
        ("kid@xn--bcher-kva.de", "kid@xn--bcher-kva.de"),
        ("kid@ｇｍａｉｌ.com", "kid@gmail.com"),  # full-width letters are the same domain (UTS 46)
        ("kid@пример.рф", "kid@xn--e1afmkfd.xn--p1ai"),
    ],
)
def test_an_address_is_parsed_to_its_one_plain_form(typed, parsed):
    assert emails.parse_address(typed) == parsed


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", None),
        (None, None),
        ("plain", "must have an @-sign"),
        ("@example.org", "something before the @-sign"),
        ("kid@", "something after the @-sign"),
        ("a@b", "It should have a period"),
        ("kid@localhost", "It should have a period"),
        ("kid@school.local", "special-use or reserved name"),
        ("x,me@gmail.com", emails.ONE_ADDRESS),
        ("a@example.org, me@gmail.com", emails.ONE_ADDRESS),
        ("a@example.org;me@gmail.com", emails.ONE_ADDRESS),
        ("g:me@gmail.com;", emails.ONE_ADDRESS),
        ("g:me@gmail.com", emails.ONE_ADDRESS),
        ("Me <me@gmail.com>", emails.NO_NAME),
        ("<me@gmail.com>", emails.NO_NAME),
        ("(1)me@gmail.com", "invalid characters before the @-sign: '(', ')'"),
        ("me(2)@gmail.com", "invalid characters before the @-sign: '(', ')'"),
        ("me@gmail.com(3)", "invalid characters: '(', ')'"),
        ('"me"@gmail.com', "Quoting the part before the @-sign is not allowed"),
        ('"m e"@gmail.com', emails.NO_SPACES),
        ("m\\e@gmail.com", "invalid characters before the @-sign"),
        ("me@[1.2.3.4]", "bracketed IP address"),
        ("me@[IPv6:2001:db8::1]", "bracketed IP address"),
        ("me@1.2.3.4", "not within a valid top-level domain"),
        ("mé@example.org", "Internationalized characters before the @-sign"),
        ("kid@example.org.", "cannot end with a period"),
        ("kid.@example.org", "period immediately before the @-sign"),
        (".kid@example.org", "cannot start with a period"),
        ("k..id@example.org", "two periods in a row"),
        ("kid@@example.org", "invalid characters"),
        ("kid\r\n@example.org", emails.NO_SPACES),
        ("kid@example.org\nBcc: b@example.org", emails.NO_SPACES),
        ("kid\t@example.org", emails.NO_SPACES),
        ("kid\x00@example.org", emails.NO_SPACES),
        ("kid\u200b@example.org", emails.NO_SPACES),
        ("k" * 65 + "@example.org", "too long"),
        ("kid@" + "a" * 250 + ".org", emails.TOO_LONG),
    ],
)
def test_what_is_not_one_plain_address_is_refused_with_the_reason(typed, reason):
    message = refused(typed)
    assert reason is None or reason in message


@PROPERTY
@given(tricked)
def test_every_syntactic_trick_is_refused(address):
    refused(address)


@PROPERTY
@given(with_control)
def test_a_control_or_invisible_character_anywhere_is_refused(address):
    assert emails.NO_SPACES in refused(address)


@PROPERTY
@given(addresses)
def test_what_is_accepted_is_one_ascii_dot_atom_address_a_header_reads_as_one(address):
    parsed = emails.parse_address(address)
    local, at, domain = parsed.rpartition("@")
    assert at and DOT_ATOM.fullmatch(local) and parsed.isascii() and parsed == parsed.lower()
    assert all(LABEL.fullmatch(label) for label in domain.split("."))
    assert emails.parse_address(parsed) == parsed  # one canonical form
    assert getaddresses([parsed]) == [("", parsed)]  # the header parser sees one recipient


class _Form(Form):
    email = StringField(validators=[emails.EmailAddress("Enter a valid email address.")])


class _Data(dict):
    def getlist(self, key):
        return [self[key]] if key in self else []


@pytest.mark.parametrize(
    ("typed", "errors"),
    [
        ("kid@example.org", []),
        ("", []),  # left to DataRequired or Optional
        ("x,kid@example.org", [f"Enter a valid email address. {emails.ONE_ADDRESS}"]),
        ("Kid <kid@example.org>", [f"Enter a valid email address. {emails.NO_NAME}"]),
    ],
)
def test_the_form_validator_shows_the_form_s_words_and_the_reason(typed, errors):
    form = _Form(_Data(email=typed))
    assert form.validate() == (not errors)
    assert form.email.errors == errors


# --- every door an address comes through ---------------------------------------------------

CRAFTED = [
    "ada@example.org, eve@example.org", "g: eve@example.org;", "Ada <eve@example.org>",
    "(eve@example.org)ada@example.org", '"ada,eve"@example.org', "ada@[192.0.2.1]",
]  # fmt: skip


def rows(app):
    with app.app_context():
        return [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Invitation, School, TakedownReport)
        ]


@pytest.mark.parametrize("address", CRAFTED)
def test_every_form_that_takes_an_address_refuses_a_crafted_one(app, people, address):
    _, entries = factories.make_voting_contest(app)
    before = rows(app)
    organizer = app.test_client()
    factories.sign_in(organizer, people["organizer"].email)
    registration = {"school_name": "Dewey", "district": "", "name": "Dana", "email": address,
                    "password": "a long pass phrase", "confirm": "a long pass phrase"}  # fmt: skip
    pages = [
        (app.test_client(), "/auth/login", {"email": address, "password": "a long pass"}),
        (app.test_client(), "/auth/forgot", {"email": address}),
        (organizer, "/admin/people", {"email": address, "role": "judge", "school": "0"}),
        (app.test_client(), "/school/register", registration),
        (app.test_client(), f"/report/{entries[0].id}", {"reason": "privacy",
                                                          "contact_email": address}),
    ]  # fmt: skip
    for client, url, data in pages:
        response = submit(client, url, data)
        assert response.status_code in (200, 400), url
        text = page_text(response)
        assert "a valid email address" in text or "That is not an email address" in text, url
    assert rows(app) == before
    assert outbox_messages(app) == []


@pytest.mark.parametrize("address", CRAFTED)
def test_the_services_and_the_command_line_refuse_a_crafted_address(app, runner, address):
    with app.app_context():
        with pytest.raises(ValidationError):
            accounts.create_user(db.session, address, password="a long pass phrase")
        with pytest.raises(ValidationError):
            invitations.invite(db.session, "secret", address, "judge", None, 3600)
        db.session.rollback()
    result = runner.invoke(args=["create-admin", address, "--password", "a long pass phrase"])
    assert result.exit_code != 0 and "is not an email address" in result.output
    assert rows(app) == [0, 0, 0, 0]
