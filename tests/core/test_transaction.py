"""The unit of work commits what its block did, or rolls it all back, side effects included."""

import pytest
from sqlalchemy import select

from contest.core.errors import ValidationError, register
from contest.core.extensions import db
from contest.core.jobs import after_commit
from contest.core.models import School
from contest.core.transaction import unit_of_work

register({"test.refused": "Refused: {why}."})


def test_the_block_is_committed_and_its_side_effects_run_after(app):
    ran = []
    with app.app_context():
        with unit_of_work(db.session) as work:
            db.session.add(School(name="Kept"))
            after_commit(db.session, ran.append, "mailed")
            assert ran == []
        assert work.done and work.error is None and ran == ["mailed"]
        db.session.remove()
        assert db.session.scalar(select(School.name)) == "Kept"


def test_a_domain_error_rolls_back_shows_its_words_and_runs_no_side_effect(app):
    ran, shown = [], []
    with app.app_context():
        with unit_of_work(db.session, show=shown.append) as work:
            db.session.add(School(name="Lost"))
            db.session.flush()
            after_commit(db.session, ran.append, "mailed")
            raise ValidationError("test.refused", field="name", why="no reason")
        assert not work.done and ran == []
        assert [error.message for error in shown] == ["Refused: no reason."]
        assert work.error.field == "name" and work.error.code == "test.refused"
        assert db.session.scalar(select(School.name)) is None


def test_without_show_a_domain_error_propagates_after_the_rollback(app):
    with app.app_context():
        with pytest.raises(ValidationError), unit_of_work(db.session):
            db.session.add(School(name="Lost"))
            db.session.flush()
            raise ValidationError("test.refused", why="x")
        assert db.session.scalar(select(School.name)) is None


def test_any_other_error_rolls_back_and_propagates(app):
    with app.app_context():
        with pytest.raises(ZeroDivisionError), unit_of_work(db.session, show=print):
            db.session.add(School(name="Lost"))
            db.session.flush()
            1 / 0  # noqa: B018
        assert db.session.scalar(select(School.name)) is None


def test_a_kept_refusal_commits_the_block_and_is_still_shown(app):
    """A failed sign-in is refused and recorded at once: throttling must count it."""
    shown = []
    with app.app_context():
        with unit_of_work(db.session, show=shown.append, keep=(ValidationError,)) as work:
            db.session.add(School(name="Counted"))
            raise ValidationError("test.refused", why="wrong password")
        assert not work.done and work.error is shown[0]
        db.session.remove()
        assert db.session.scalar(select(School.name)) == "Counted"
