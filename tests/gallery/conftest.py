"""A published contest for the public pages: small_contest's E1-E3 placed 1st to 3rd (consent
approved, captions, a video and a poster each), E2 also the People's Choice; the judges left
feedback on E1 and a private comment the public must never see."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment, ScoreSheet
from tests import factories
from tests.results import conftest as results_fixtures
from tests.results.test_publication import make_ready, publish

# An MP4's first box: enough for the storage and the browser-free tests.
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
POSTER = b"\xff\xd8\xff\xe0" + b"\x00" * 32
FEEDBACK = ("Strong opening: the message lands at once.", "Slow the ending down a little.")
PRIVATE = "Organizers only: check the consent form of the second actor."


def give_media(app, entry_id, video=VIDEO):
    """A stored video and poster for the entry; returns their asset ids."""
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        entry.video_asset_id = factories.store_asset(video, "video/mp4").id
        entry.poster_asset_id = factories.store_asset(POSTER, "image/jpeg").id
        db.session.commit()
        return entry.video_asset_id, entry.poster_asset_id


def leave_feedback(app, entry_id):
    """The judges' feedback on the entry's counted sheets, and a private comment on one."""
    with app.app_context():
        sheets = db.session.scalars(
            select(ScoreSheet)
            .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
            .where(Assignment.entry_id == entry_id, Assignment.calibration.is_(False))
            .order_by(ScoreSheet.id)
        ).all()
        for sheet, text in zip(sheets, FEEDBACK, strict=False):
            sheet.feedback = text
        sheets[-1].comment = PRIVATE
        db.session.commit()


small_contest = results_fixtures.small_contest


@pytest.fixture
def published(app, small_contest):
    """(contest, entries, teacher, organizer) with the results published."""
    contest, entries, judges, rubric, teacher = make_ready(app, small_contest)
    with app.app_context():
        e1 = db.session.get(Entry, entries["E1"].id)
        e1.credit_line = "Maya, Leo and Sam"
        e2 = db.session.get(Entry, entries["E2"].id)
        e2.credit_line = "Maya Lopez and Sam Carter"  # full names, but no consent for them
        db.session.commit()
    for title in ("E1", "E2", "E3"):
        give_media(app, entries[title].id)
    leave_feedback(app, entries["E1"].id)
    factories.seed_votes(app, contest, [{"entry": entries["E2"]}] * 3)
    organizer = factories.make_user(app, roles=["admin"], email="chief@example.org")
    with app.app_context():
        publish(db.session, contest, db.session.get(type(organizer), organizer.id))
    return contest, entries, teacher, organizer


def refreshed(app, model, row_id):
    with app.app_context():
        row = db.session.get(model, row_id)
        db.session.expunge(row)
        return row


def close_voting(app, contest, hours_ago=1):
    """Move the contest's vote into the past (it opened a day before it closed)."""
    from contest.core.models.contests import Contest

    with app.app_context():
        row = db.session.get(Contest, contest.id)
        row.voting_close_at = utcnow() - timedelta(hours=hours_ago)
        row.voting_open_at = row.voting_close_at - timedelta(days=1)
        db.session.commit()
