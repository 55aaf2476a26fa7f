"""Single-line fields hold one line: every form of the site refuses line breaks and other control
characters in titles, names and addresses (they would break mail headers and CSV rows later),
and nothing user-written reaches a mail header as more than one line."""

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select

import contest
from contest.core.extensions import db
from contest.core.mail import build_message
from contest.core.models.entries import Entry
from contest.web.forms import ONE_LINE_MESSAGE, Form, is_single_line
from tests.helpers import page_text, submit
from tests.submissions.test_teacher_views import open_contest

TRICKS = [
    "Be Kind\r\nBcc: victim@example.org",
    "Be\nKind",
    "Be\rKind",
    "Be\tKind",
    "Be\x0bKind",
    "Be\x1bKind",
    "Be\x85Kind",
    "Be\u2028Kind",
    "Be\u2029Kind",
    "Be\x7fKind",
]


def all_forms():
    """Every FlaskForm class the package defines (imported, so later forms are covered too)."""
    for module in pkgutil.walk_packages(contest.__path__, "contest."):
        importlib.import_module(module.name)
    found, pending = set(), [FlaskForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass.__module__.startswith("contest.") and subclass not in found:
                found.add(subclass)
                pending.append(subclass)
    return found


def test_every_form_of_the_site_is_built_on_the_one_line_rule():
    forms = all_forms()
    assert len(forms) > 30
    outside = sorted(f"{f.__module__}.{f.__name__}" for f in forms if not issubclass(f, Form))
    assert outside == []


@pytest.mark.parametrize("text", TRICKS)
def test_control_characters_are_not_single_line(text):
    assert not is_single_line(text)


def test_ordinary_text_is_single_line():
    assert is_single_line("Élan vital — “Be Kind” 😀 (2026), 100% / ünïcödé")


@pytest.mark.parametrize("title", TRICKS[:3] + TRICKS[-3:])
def test_a_raw_post_with_a_line_break_in_a_title_is_refused_and_saves_nothing(app, login_as, title):
    contest = open_contest(app)
    teacher = login_as("teacher_a")
    response = submit(
        teacher,
        "/school/entries/new",
        {"category": contest.categories[0].id, "title": title, "description": "Two\nlines"},
    )
    assert response.status_code == 200
    assert ONE_LINE_MESSAGE in page_text(response)
    with app.app_context():
        assert db.session.scalars(select(Entry)).all() == []


def test_a_multi_line_field_keeps_its_line_breaks(app, login_as):
    contest = open_contest(app)
    teacher = login_as("teacher_a")
    response = submit(
        teacher,
        "/school/entries/new",
        {"category": contest.categories[0].id, "title": "Be Kind", "description": "One\r\nTwo"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Entry.description)).one() == "One\r\nTwo"


def test_a_title_saved_before_the_rule_cannot_add_a_mail_header():
    message = build_message(
        "teacher@example.org", "Receipt: Be Kind\r\nBcc: victim@example.org", "Body", "PSA <a@b.c>"
    )
    assert message["Bcc"] is None
    assert message["Subject"] == "Receipt: Be Kind Bcc: victim@example.org"
    assert b"\r\nBcc:" not in bytes(message)
