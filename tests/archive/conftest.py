"""A second, empty instance (its own database and storage folder) to import archives into, and a
contest with every kind of row to archive."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from contest.core import audit, jobs
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.accounts import Invitation, RoleGrant
from contest.core.models.contests import Advancement, Contest
from contest.core.models.entries import Entry, SchoolExtension
from contest.core.models.judging import Conflict, JudgeCategory
from contest.core.models.results import Publication, Result
from contest.core.models.takedowns import TakedownReport
from contest.core.models.voting import Vote, VoteCode, Voter
from contest.core.notices import notify
from tests import factories
from tests.helpers import fresh_test_database, sample_bytes


@pytest.fixture(scope="session")
def target_app(make_app, tmp_path_factory, worker_id):
    """An app on a database and storage folder of its own, migrated to the same revision."""
    url = fresh_test_database(tmp_path_factory.mktemp("target"), worker_id, purpose="archive")
    previous = jobs.huey.flask_app  # building an app repoints the one job queue: put it back
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    if previous is not None:
        jobs.huey.configure(previous)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def target(target_app):
    """The second instance, emptied (database and storage) after the test."""
    yield target_app
    with target_app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Sequences start again too: an import moves them past the archive's ids.
                names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
    shutil.rmtree(Path(target_app.config["INSTANCE_DIR"]) / "media", ignore_errors=True)


VIDEO = b"\x00\x00\x00\x18ftypmp42" + sample_bytes(300_000, seed=7)
POSTER = b"\xff\xd8\xff\xe0" + sample_bytes(2_000, seed=8)
CAPTIONS = "WEBVTT\n\n00:00.000 --> 00:02.000\nStay safe online — ça va?\n".encode()
CONSENT = b"%PDF-1.7\n" + sample_bytes(5_000, seed=9)


def make_full_contest(app):
    """A contest with a row in every archived table (and a second contest that must stay out).
    Returns (contest, {name: id}) for the rows tests look at."""
    contest = factories.make_contest(app, name="Archive Awards")
    other = factories.make_contest(app, name="Another Year")
    rubric = factories.make_rubric(app, contest, version=2)
    category = contest.categories[0]
    school = factories.make_school(app, name="Ridge School", contact_email="office@ridge.example")
    rival = factories.make_school(app, name="Valley School")
    teacher = factories.make_user(app, roles=[("teacher", school)], name="Ms Teacher")
    organizer = factories.make_user(app, roles=["admin"], name="Olive Organizer")
    judges = [factories.make_user(app, roles=["judge"], name=f"Judge {n}") for n in range(3)]
    entry = factories.make_entry(
        app, category, school, title="Think First", status="ready", submitted_by_id=teacher.id,
        consent_status="approved", credit_line="Ana, Ben", duration_seconds=30.5,
        submitted_at=utcnow(),
    )  # fmt: skip
    second = factories.make_entry(app, category, rival, title="Pause", status="ready")
    factories.make_entry(app, other.categories[0], rival, title="Elsewhere")
    sheets = [
        factories.make_sheet(
            app, judge, target, rubric, points, comment="Good pacing", feedback="Nice work",
            watched_seconds=30.5, watched_fraction=1.0, watched_ranges=[[0, 30.5]],
        )  # fmt: skip
        for judge, target, points in [
            (judges[0], entry, (5, 3)), (judges[1], entry, (4, 2)), (judges[2], second, (2, 1)),
        ]
    ]  # fmt: skip
    with app.app_context():
        row = db.session.get(Entry, entry.id)
        row.video_asset_id = factories.store_asset(VIDEO, "video/mp4", "videos").id
        row.original_video_asset_id = factories.store_asset(VIDEO[:1000], "video/quicktime").id
        row.poster_asset_id = factories.store_asset(POSTER, "image/jpeg", "posters").id
        row.captions_asset_id = factories.store_asset(CAPTIONS, "text/vtt", "captions").id
        row.consent_asset_id = factories.store_asset(CONSENT, "application/pdf", "consent").id
        now = utcnow()
        db.session.add_all(
            [
                JudgeCategory(judge_id=judges[0].id, category_id=category.id),
                Conflict(judge_id=judges[1].id, school_id=rival.id, source="declared",
                         reason="My niece studies there"),
                SchoolExtension(contest_id=contest.id, school_id=school.id,
                                until=now + timedelta(days=3), reason="Snow day",
                                granted_by_id=organizer.id),
                RoleGrant(user_id=judges[2].id, role="judge", contest_id=contest.id),
                Advancement(round_id=db.session.get(Contest, contest.id).final_round.id,
                            entry_id=entry.id, advances=True, proposed="in the top 3",
                            decided_by_id=organizer.id),
                Invitation(email="new.judge@example.org", role="judge", contest_id=contest.id,
                           invited_by_id=organizer.id, expires_at=now + timedelta(days=7)),
            ]
        )  # fmt: skip
        voter = Voter(contest_id=contest.id, email_hash="a" * 64, email_domain="example.net",
                      verified_at=now)  # fmt: skip
        db.session.add(voter)
        db.session.flush()
        db.session.add_all(
            [
                VoteCode(voter_id=voter.id, entry_id=entry.id, code_hash="b" * 64,
                         link_hash="c" * 64, expires_at=now + timedelta(minutes=15), used_at=now),
                Vote(contest_id=contest.id, voter_id=voter.id, entry_id=entry.id,
                     receipt="r" * 20, network_hash="n" * 64),
                Result(contest_id=contest.id, category_id=category.id, award="place", place=1,
                       entry_id=entry.id, figures={"raw": 83.5, "interval": [70.0, 90.25]},
                       digest="f" * 64),
                Result(contest_id=contest.id, award="peoples_choice", entry_id=entry.id,
                       figures={"votes": 1}, digest="f" * 64),
                Publication(contest_id=contest.id, document='{"awards":[]}', digest="f" * 64,
                            published_at=now, published_by_id=organizer.id),
                TakedownReport(entry_id=entry.id, reason="privacy", details="My address shows",
                               resolved_at=now, outcome="dismissed", resolved_by_id=organizer.id,
                               note="No address is visible"),
            ]
        )  # fmt: skip
        notify(db.session, "Your entry is ready.", "entry.ready", school_id=school.id,
               entry_id=entry.id)  # fmt: skip
        contest_row = db.session.get(Contest, contest.id)
        contest_row.published_at = now
        audit.record(db.session, organizer, "contest.published", contest_row, places=1)
        audit.record(db.session, judges[0], "sheet.submitted", row, sheet=sheets[0])
        audit.record(db.session, organizer, "contest.created", db.session.get(Contest, other.id))
        db.session.commit()
        ids = {"entry": entry.id, "other_contest": other.id, "teacher": teacher.id}
    return contest, ids
