"""Retention: original uploads and consent forms go `retention_days` after publication; the
published MP4s, posters and captions stay. Real local storage and a real S3 server (moto)."""

import shutil
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from contest import jobs, retention
from contest.audit import AuditEvent
from contest.contests.models import Contest
from contest.dbtypes import utcnow
from contest.extensions import db
from contest.storage import get_storage
from contest.storage.base import StorageError
from contest.storage.models import Asset
from contest.submissions.models import Entry
from tests import factories

FILES = {
    "original_video_asset_id": (b"original upload", "video/quicktime"),
    "consent_asset_id": (b"%PDF-1.7 consent", "application/pdf"),
    "video_asset_id": (b"published mp4", "video/mp4"),
    "poster_asset_id": (b"poster jpeg", "image/jpeg"),
    "captions_asset_id": (b"WEBVTT\n", "text/vtt"),
}
KEPT = ("video_asset_id", "poster_asset_id", "captions_asset_id")


def published_contest(app, days_ago=31, retention_days=30, entries=2):
    """A contest published `days_ago` days ago whose entries each hold all five kinds of file.
    Returns (contest, {entry id: {column: (asset id, key)}})."""
    contest = factories.make_contest(app)
    school = factories.make_school(app)
    made = [
        factories.make_entry(app, contest.categories[0], school, status="ready")
        for _ in range(entries)
    ]
    files = {}
    with app.app_context():
        row = db.session.get(Contest, contest.id)
        row.published_at = utcnow() - timedelta(days=days_ago)
        row.retention_days = retention_days
        for entry in made:
            stored = db.session.get(Entry, entry.id)
            files[entry.id] = {}
            for column, (data, content_type) in FILES.items():
                asset = factories.store_asset(data, content_type, folder="retention")
                setattr(stored, column, asset.id)
                files[entry.id][column] = (asset.id, asset.key)
        db.session.commit()
    return contest, files


def exists(key):
    try:
        get_storage().stat(key)
    except StorageError:
        return False
    return True


def purge_events(app):
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "contest.originals_purged")
        ).all()


def assert_purged(app, contest, files):
    with app.app_context():
        assert db.session.get(Contest, contest.id).originals_purged_at is not None
        for entry_id, columns in files.items():
            entry = db.session.get(Entry, entry_id)
            for column, (asset_id, key) in columns.items():
                kept = column in KEPT
                assert (getattr(entry, column) == asset_id) is kept, column
                assert (db.session.get(Asset, asset_id) is not None) is kept, column
                assert exists(key) is kept, column


def test_due_contests_lose_their_originals_and_keep_the_published_files(app):
    contest, files = published_contest(app)
    with app.app_context():
        [result] = retention.purge_due_contests(db.session)
    assert result.complete and len(result.deleted) == 4
    assert result.bytes == 2 * sum(len(FILES[c][0]) for c in retention.PURGED_COLUMNS)
    assert_purged(app, contest, files)
    [event] = purge_events(app)
    assert event.subject_id == contest.id and event.actor_id is None
    assert len(event.data["deleted"]) == 4 and event.data["failed"] == []

    # Idempotent: a second run finds nothing and records nothing.
    with app.app_context():
        assert retention.purge_due_contests(db.session) == []
        contest_row = db.session.get(Contest, contest.id)
        assert retention.purge_contest(db.session, contest_row).deleted == []
    assert len(purge_events(app)) == 1
    assert_purged(app, contest, files)


@pytest.mark.parametrize(
    "days_ago, retention_days, published",
    [(10, 30, True), (31, None, True), (31, 30, False)],
    ids=["within-the-period", "no-retention-setting", "unpublished"],
)
def test_contests_not_due_keep_everything(app, days_ago, retention_days, published):
    contest, files = published_contest(app, days_ago, retention_days)
    if not published:
        with app.app_context():
            db.session.get(Contest, contest.id).published_at = None
            db.session.commit()
    with app.app_context():
        assert retention.purge_due_contests(db.session) == []
        assert db.session.get(Contest, contest.id).originals_purged_at is None
        for columns in files.values():
            assert all(exists(key) for _, key in columns.values())
    assert purge_events(app) == []


def test_the_due_date_counts_from_publication():
    contest = Contest(published_at=datetime(2026, 6, 1, 12, 0).astimezone(), retention_days=30)
    due = retention.purge_due_at(contest)
    assert due == contest.published_at + timedelta(days=30)
    assert not retention.is_due(contest, due - timedelta(seconds=1))
    assert retention.is_due(contest, due)
    contest.originals_purged_at = due
    assert not retention.is_due(contest, due + timedelta(days=1))


def test_a_file_storage_refuses_is_retried_next_run_without_losing_the_rest(app):
    contest, files = published_contest(app)
    stuck_entry = next(iter(files))
    stuck_id, stuck_key = files[stuck_entry]["consent_asset_id"]
    with app.app_context():
        path = get_storage().path(stuck_key)
    # A folder where the file was: the storage cannot delete it (a real OSError).
    path.unlink()
    path.mkdir()
    (path / "inside").write_bytes(b"x")
    with app.app_context():
        [result] = retention.purge_due_contests(db.session)
        assert [asset_id for asset_id, _ in result.failed] == [stuck_id]
        assert "could not delete" in result.failed[0][1]
        assert len(result.deleted) == 3
        assert db.session.get(Contest, contest.id).originals_purged_at is None
        assert db.session.get(Asset, stuck_id) is not None
        assert db.session.get(Entry, stuck_entry).consent_asset_id == stuck_id
    [event] = purge_events(app)
    assert event.data["failed"] == [stuck_id] and len(event.data["deleted"]) == 3

    shutil.rmtree(path)
    with app.app_context():
        [retried] = retention.purge_due_contests(db.session)
    assert retried.deleted == [stuck_id] and retried.complete
    with app.app_context():
        assert db.session.get(Contest, contest.id).originals_purged_at is not None
        assert db.session.get(Asset, stuck_id) is None
    assert len(purge_events(app)) == 2


def test_purging_on_s3_deletes_the_objects(make_app, app, s3_bucket, restore_job_queue):
    s3_app = make_app(**s3_bucket.settings)
    contest, files = published_contest(s3_app)
    before = set(s3_bucket.object_keys())
    assert len(before) == 10
    with s3_app.app_context():
        [result] = retention.purge_due_contests(db.session)
    assert result.complete
    kept = {
        f"{s3_bucket.prefix}/{key}"
        for cols in files.values()
        for c, (_, key) in cols.items()
        if c in KEPT
    }
    assert set(s3_bucket.object_keys()) == kept
    with s3_app.app_context():
        assert_purged(s3_app, contest, files)


def test_the_cli_purges_on_demand(app, runner):
    due, due_files = published_contest(app)
    early, early_files = published_contest(app, days_ago=2)

    dry = runner.invoke(args=["purge-originals", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{due.name} (contest {due.id}): would delete 4 file(s)" in dry.output
    assert early.name not in dry.output
    with app.app_context():
        assert all(exists(key) for cols in due_files.values() for _, key in cols.values())
    assert purge_events(app) == []

    refused = runner.invoke(args=["purge-originals", "--contest", str(early.id)])
    assert refused.exit_code == 1
    assert "is not due for purging (due " in refused.output and "--now" in refused.output

    assert runner.invoke(args=["purge-originals", "--now"]).exit_code == 2
    assert (
        "There is no contest 0." in runner.invoke(args=["purge-originals", "--contest", "0"]).output
    )

    done = runner.invoke(args=["purge-originals"])
    assert done.exit_code == 0, done.output
    assert f"{due.name} (contest {due.id}): deleted 4 file(s)" in done.output
    assert_purged(app, due, due_files)
    assert "No contest is due" in runner.invoke(args=["purge-originals"]).output

    now = runner.invoke(args=["purge-originals", "--contest", str(early.id), "--now"])
    assert now.exit_code == 0, now.output
    assert_purged(app, early, early_files)
    again = runner.invoke(args=["purge-originals", "--contest", str(early.id)])
    assert "already purged" in again.output


def test_the_cli_never_purges_an_unpublished_contest(app, runner):
    contest, files = published_contest(app)
    with app.app_context():
        db.session.get(Contest, contest.id).published_at = None
        db.session.commit()
    result = runner.invoke(args=["purge-originals", "--contest", str(contest.id), "--now"])
    assert result.exit_code == 1
    assert "is not published" in result.output
    with app.app_context():
        assert all(exists(key) for cols in files.values() for _, key in cols.values())


def test_the_cli_reports_failures_and_exits_non_zero(app, runner):
    contest, files = published_contest(app, entries=1)
    [columns] = files.values()
    _, key = columns["original_video_asset_id"]
    with app.app_context():
        path = get_storage().path(key)
    path.unlink()
    path.mkdir()
    (path / "inside").write_bytes(b"x")
    result = runner.invoke(args=["purge-originals"])
    assert result.exit_code == 1
    assert "deleted 1 file(s)" in result.output
    assert "not deleted (retried next run)" in result.output
    assert "run the command again" in result.output
    shutil.rmtree(path)


def test_the_daily_job_is_registered_and_purges(app):
    periodic = {type(task).__name__: task for task in jobs.huey._registry.periodic_tasks}
    assert "purge_originals_daily" in periodic
    daily = periodic["purge_originals_daily"]
    runs = [hour for hour in range(24) if daily.validate_datetime(datetime(2026, 11, 25, hour, 41))]
    assert runs == [3]
    contest, files = published_contest(app)
    with app.app_context():
        [result] = retention.purge_originals_daily.call_local()
    assert result.contest_id == contest.id
    assert_purged(app, contest, files)
