"""Side effects after the commit (contest.core.jobs.after_commit, contest.core.mail.queue_mail):
they run once the outermost transaction commits, never for a change that rolls back, and a side
effect that fails is logged without undoing or hiding the committed change."""

import logging

from sqlalchemy import func, select

from contest.core.extensions import db
from contest.core.jobs import after_commit
from contest.core.mail import queue_mail
from contest.core.models.accounts import User
from tests.helpers import SmtpSink


def users(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_it_runs_once_the_change_commits_and_not_before(app):
    ran = []
    with app.app_context():
        db.session.add(User(email="a@example.org"))
        after_commit(db.session, ran.append, "done")
        db.session.flush()
        assert ran == []
        db.session.commit()
        assert ran == ["done"]
        db.session.commit()  # a later commit does not run it again
    assert ran == ["done"]


def test_a_rolled_back_change_causes_nothing(app):
    ran = []
    with app.app_context():
        db.session.add(User(email="a@example.org"))
        after_commit(db.session, ran.append, "never")
        db.session.rollback()
        db.session.commit()
    assert ran == []
    assert users(app) == 0


def test_a_savepoint_waits_for_the_outer_transaction(app):
    ran = []
    with app.app_context():
        db.session.add(User(email="a@example.org"))
        with db.session.begin_nested():
            after_commit(db.session, ran.append, "outer")
        assert ran == []
        db.session.commit()
    assert ran == ["outer"]


def test_a_failing_side_effect_is_logged_and_the_rest_still_run(app, caplog):
    ran = []

    def fails(to):
        raise RuntimeError("the mail server is on fire")

    with app.app_context(), caplog.at_level(logging.ERROR):
        db.session.add(User(email="a@example.org"))
        after_commit(db.session, fails, "voter@example.org")
        after_commit(db.session, ran.append, "second")
        db.session.commit()  # no exception: the change is committed
    assert ran == ["second"]
    assert users(app) == 1
    assert "the mail server is on fire" in caplog.text
    assert "fails failed" in caplog.text
    assert "voter@example.org" not in caplog.text  # arguments may hold addresses: never logged


def test_queued_mail_goes_after_the_commit_to_exactly_one_recipient(make_app, restore_job_queue):
    sink = SmtpSink()
    sink.start()
    try:
        app = make_app(MAIL_URL=sink.url)
        with app.app_context():
            queue_mail(db.session, "one@example.org", "Rolled back", "never sent")
            db.session.rollback()
            queue_mail(db.session, "two@example.org", "Committed", "sent")
            assert sink.messages == []
            db.session.commit()
    finally:
        sink.stop()
    assert [(recipients, message["Subject"]) for recipients, message in sink.messages] == [
        (["two@example.org"], "Committed")
    ]
