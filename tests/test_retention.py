"""Retention: `retention_days` after publication every private file of a contest goes (original
uploads and consent forms, current or replaced, and replaced captions), while the published
MP4s, posters and captions stay. Real local storage and a real S3 server (moto), files sent
through the real pages and upload endpoints, real ffmpeg."""

import importlib.util
import io
import re
import shutil
from collections import Counter
from datetime import datetime, timedelta

import pytest
import requests
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask_migrate import upgrade
from sqlalchemy import inspect, select

from contest import MIGRATIONS_DIR, retention
from contest.core import jobs
from contest.core.audit import AuditEvent
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.core.models.assets import Asset
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.storage import get_storage
from contest.core.storage.base import StorageError
from contest.submissions import attachments
from devtools.clips import make_clip
from tests import factories
from tests.helpers import csrf_token, fresh_test_database, page_text
from tests.uploads.helpers import create as tus_create
from tests.uploads.helpers import naive_utc
from tests.uploads.helpers import patch as tus_patch

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


# --- replaced files: through the real pages and upload endpoints, every kind replaced ---------

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PUBLISHED = ("video_asset_id", "poster_asset_id", "captions_asset_id")


def captions(number):
    return f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nCaptions, version {number}.\n".encode()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A real one-second MP4 (160x90, with sound): the pipeline transcodes it for real."""
    path = tmp_path_factory.mktemp("retention") / "clip.mp4"
    return make_clip(path, seconds=1, width=160, height=90).read_bytes()


class Storage:
    """An app on a storage of its own (an empty local folder, or a fresh bucket on the moto
    server), and every key that storage holds, read behind the app's back."""

    def __init__(self, app, root=None, bucket=None):
        self.app, self.root, self.bucket = app, root, bucket

    def keys(self):
        if self.bucket is not None:
            start = len(self.bucket.prefix) + 1
            return {key[start:] for key in self.bucket.object_keys()}
        return {path.relative_to(self.root).as_posix() for path in self.root.rglob("*")
                if path.is_file()}  # fmt: skip


@pytest.fixture(params=["local", "s3"])
def own_storage(request, app, make_app, tmp_path, restore_job_queue):
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        return Storage(make_app(**bucket.settings), bucket=bucket)
    root = tmp_path / "media"
    root.mkdir()
    return Storage(make_app(STORAGE_URL=f"file://{root}"), root=root)


class Teacher:
    """A signed-in teacher sending files as the browser does: consent forms and captions through
    the entry page's forms, videos through tus (local storage) or straight to S3."""

    def __init__(self, app, email):
        self.app = app
        self.client = app.test_client()
        factories.sign_in(self.client, email)

    def attach(self, entry_id, kind, data, filename):
        page = f"/school/entries/{entry_id}"
        response = self.client.post(
            f"{page}/{kind}",
            data={f"{kind}-csrf_token": csrf_token(self.client, page),
                  f"{kind}-{kind}": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
        )  # fmt: skip
        assert response.status_code == 302, page_text(response)

    def send_video(self, entry_id, data):
        with self.app.app_context():
            direct = get_storage().direct
        if not direct:
            location = tus_create(self.client, entry_id, len(data)).headers["Location"]
            response = tus_patch(self.client, location, 0, data)
            assert response.status_code == 204, page_text(response)
            return
        page = page_text(self.client.get(f"/uploads/entry/{entry_id}"))
        headers = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"', page)[1]}
        body = {"entry_id": entry_id, "filename": "psa.mp4", "size": len(data),
                "filetype": "video/mp4"}  # fmt: skip
        plan = self.client.post("/uploads/s3", json=body, headers=headers).json
        [part] = plan["parts"]  # a small file is one part
        sent = requests.put(part["url"], data=data, timeout=30)
        parts = [{"number": part["number"], "etag": sent.headers["ETag"]}]
        done = self.client.post(plan["complete_url"], json={"parts": parts}, headers=headers)
        assert done.status_code == 201, page_text(done)


def open_for_entries(app, count):
    """A contest taking entries now, and `count` ready-to-fill entries of one new school whose
    teacher is returned: (contest, [entry], teacher email)."""
    contest = factories.make_contest(
        app,
        phases={
            "submissions_open_at": naive_utc(timedelta(days=-1)),
            "submissions_close_at": naive_utc(timedelta(days=1)),
        },
    )
    school = factories.make_school(app)
    teacher = factories.make_user(app, roles=[("teacher", school)])
    entries = [factories.make_entry(app, contest.categories[0], school) for _ in range(count)]
    return contest, entries, teacher.email


def send_everything(teacher, entries, clip):
    """Two videos (the first original is replaced), three consent forms and three captions files
    for each entry: the last of each is the entry's current file."""
    for entry in entries:
        for _ in range(2):
            teacher.send_video(entry.id, clip)
        for number in (1, 2, 3):
            teacher.attach(entry.id, "consent", PDF + b"%" * number, f"consent-{number}.pdf")
            teacher.attach(entry.id, "captions", captions(number), f"captions-{number}.vtt")


def end_contest(app, contest, entries, days_ago, awards=()):
    """Consent approved, results published `days_ago` days ago, a retention period of 30 days."""
    with app.app_context():
        for entry in entries:
            db.session.get(Entry, entry.id).consent_status = "approved"
        db.session.get(Contest, contest.id).retention_days = 30
        db.session.commit()
    factories.publish_results(app, contest, awards, published_at=utcnow() - timedelta(days_ago))


def owned(app, entries):
    """{asset id: (entry id, kind, key)} of every file the entries own."""
    with app.app_context():
        rows = db.session.scalars(
            select(Asset).where(Asset.entry_id.in_([entry.id for entry in entries]))
        ).all()
        return {row.id: (row.entry_id, row.kind, row.key) for row in rows}


def current(app, entries, columns=PUBLISHED):
    """{asset id: entry id} of the files the entries name now in `columns`."""
    with app.app_context():
        return {
            getattr(row, column): row.id
            for row in db.session.scalars(
                select(Entry).where(Entry.id.in_([e.id for e in entries]))
            )
            for column in columns
            if getattr(row, column) is not None
        }


def test_a_purge_leaves_nothing_private_of_the_contest_in_storage_or_the_assets_table(
    own_storage, clip
):
    app = own_storage.app
    due, due_entries, email = open_for_entries(app, 2)
    kept, kept_entries, other_email = open_for_entries(app, 1)
    send_everything(Teacher(app, email), due_entries, clip)
    send_everything(Teacher(app, other_email), kept_entries, clip)
    winner = due_entries[0]
    end_contest(app, due, due_entries, days_ago=31, awards=[(winner, "place", 1)])
    end_contest(app, kept, kept_entries, days_ago=2)

    files, published = owned(app, due_entries), current(app, due_entries)
    # Every kind was replaced, and the replaced files are still there, owned by their entry.
    for entry in due_entries:
        kinds = Counter(kind for owner, kind, _ in files.values() if owner == entry.id)
        assert kinds == {"original_video": 2, "consent": 3, "captions": 3, "video": 1, "poster": 1}
    assert len(published) == 6 and set(published) <= set(files)
    private = {
        asset_id: key for asset_id, (_, _, key) in files.items() if asset_id not in published
    }
    assert len(private) == 2 * (2 + 3 + 2)
    before, bystanders = own_storage.keys(), owned(app, kept_entries)
    assert {key for _, _, key in files.values()} | {k for _, _, k in bystanders.values()} <= before

    with app.app_context():
        [dry] = retention.purge_due_contests(db.session, dry_run=True)
    assert (dry.contest_id, sorted(dry.deleted)) == (due.id, sorted(private))
    assert own_storage.keys() == before

    done = app.test_cli_runner().invoke(args=["purge-originals"])
    assert done.exit_code == 0, done.output
    assert f"(contest {due.id}): deleted {len(private)} file(s)" in done.output
    assert kept.name not in done.output

    # Walk the storage: exactly the private files went; of the contest's entries only their
    # published files are left, while the other contest (retention not over) keeps everything.
    after = own_storage.keys()
    assert before - after == set(private.values())
    due_ids = {str(entry.id) for entry in due_entries}
    left = {key for key in after if key.split("/")[1] in due_ids}
    assert left == {files[asset_id][2] for asset_id in published}
    assert {key for _, _, key in bystanders.values()} <= after
    # And the assets table: no row of a private file, owned or named by the key.
    with app.app_context():
        assert (
            db.session.scalars(select(Asset.id).where(Asset.key.in_(private.values()))).all() == []
        )
    assert owned(app, due_entries) == {asset_id: files[asset_id] for asset_id in published}
    assert owned(app, kept_entries) == bystanders
    assert current(app, due_entries) == published
    assert current(app, due_entries, retention.PRIVATE_COLUMNS) == {}
    [event] = purge_events(app)
    assert sorted(event.data["deleted"]) == sorted(private)

    # The winner's published video, poster and captions are still served to the public.
    public = app.test_client()
    for asset_id in [asset_id for asset_id, owner in published.items() if owner == winner.id]:
        response = public.get(f"/media/{asset_id}")
        response.close()  # the local file it streams
        assert response.status_code in (200, 302), files[asset_id]  # S3 redirects to a link
    assert "No contest is due" in app.test_cli_runner().invoke(args=["purge-originals"]).output
    assert len(purge_events(app)) == 1


def test_files_attached_after_the_purge_go_on_the_next_daily_run(app):
    contest, [entry], email = open_for_entries(app, 1)
    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == email))
        first = attachments.attach_captions(
            db.session,
            get_storage(),
            teacher,
            db.session.get(Entry, entry.id),
            captions(1),
            "c.vtt",
        ).id
        db.session.commit()
    end_contest(app, contest, [entry], days_ago=31)
    with app.app_context():
        [purged] = retention.purge_due_contests(db.session)
        assert purged.deleted == []  # the current captions are published
        purged_at = db.session.get(Contest, contest.id).originals_purged_at

        # Later a teacher replaces the captions and sends a consent form: both are private now.
        row = db.session.get(Entry, entry.id)
        teacher = db.session.scalar(select(User).where(User.email == email))
        latest = attachments.attach_captions(
            db.session, get_storage(), teacher, row, captions(2), "c.vtt"
        )
        consent = attachments.attach_consent(db.session, get_storage(), teacher, row, PDF, "f.pdf")
        latest_id, latest_key, consent_id = latest.id, latest.key, consent.id
        db.session.commit()
        [result] = retention.purge_originals_daily.call_local()
        assert (result.contest_id, sorted(result.deleted)) == (contest.id, [first, consent_id])
        assert db.session.scalars(select(Asset.id).where(Asset.entry_id == entry.id)).all() == [
            latest_id
        ]
        assert exists(latest_key)
        assert db.session.get(Contest, contest.id).originals_purged_at == purged_at
        assert retention.purge_originals_daily.call_local() == []
    assert [len(event.data["deleted"]) for event in purge_events(app)] == [0, 2]


def stored(key, data=b"x", content_type="application/octet-stream"):
    """An unowned file at exactly `key`, bytes and row (inside an app context)."""
    get_storage().save(key, io.BytesIO(data), content_type)
    asset = Asset(backend=get_storage().name, key=key, content_type=content_type, size_bytes=1)
    db.session.add(asset)
    db.session.flush()
    return asset.id


def run_owner_migration(step):
    """Run this item's revision's upgrade() or downgrade() alone, in one transaction."""
    path = MIGRATIONS_DIR / "versions" / "20261204_13a0retain01_retention_private_files.py"
    spec = importlib.util.spec_from_file_location("retention_revision", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    with (
        db.engine.begin() as connection,
        Operations.context(MigrationContext.configure(connection)),
    ):
        getattr(revision, step)()


def test_the_migration_gives_files_stored_before_it_their_owner(
    make_app, tmp_path, worker_id, restore_job_queue
):
    """The owners' migration, down and up again on a database holding files: current files get
    their owner from the entries' columns, replaced ones from the key layout the app has always
    used, and the entries' pointers survive both ways (SQLite rebuilds the assets table they
    point at). Run on its own, as later revisions are not this test's subject."""
    database = fresh_test_database(tmp_path, worker_id, "retention_migration")
    migrated = make_app(SQLALCHEMY_DATABASE_URI=database)
    with migrated.app_context():
        upgrade()
    contest = factories.make_contest(migrated)
    school = factories.make_school(migrated)
    entry, waiting = (factories.make_entry(migrated, contest.categories[0], school) for _ in "ab")
    kinds = {
        "video_asset_id": "video",
        "poster_asset_id": "poster",
        "captions_asset_id": "captions",
        "original_video_asset_id": "original_video",
        "consent_asset_id": "consent",
    }
    with migrated.app_context():
        expected = {}
        for column, kind in kinds.items():
            asset_id = stored(f"test/{column}")
            setattr(db.session.get(Entry, entry.id), column, asset_id)
            expected[asset_id] = (entry.id, kind)
        pending = stored("test/pending")
        db.session.get(Entry, waiting.id).pending_video_asset_id = pending
        expected[pending] = (waiting.id, "original_video")
        # Replaced before owners were recorded: no entry names them any more.
        for key, owner, kind in [
            (f"consent/{entry.id}/0a1b.pdf", entry.id, "consent"),
            (f"captions/{entry.id}/0a1b.vtt", entry.id, "captions"),
            (f"originals/{entry.id}/0a1b2c", entry.id, "original_video"),
            (f"videos/{entry.id}/0a1b.mp4", entry.id, "video"),
            (f"uploads/demo/{waiting.id}-0a1b.mp4", waiting.id, "original_video"),
            ("consent/999999/0a1b.pdf", None, None),  # no such entry
            (f"elsewhere/{entry.id}/0a1b.pdf", None, None),
        ]:
            expected[stored(key)] = (owner, kind)
        db.session.commit()
        columns = [*(getattr(Entry, column) for column in kinds), Entry.pending_video_asset_id]

        def pointers():
            return sorted(tuple(row) for row in db.session.execute(select(Entry.id, *columns)))

        def owners():
            rows = db.session.scalars(select(Asset)).all()
            return {row.id: (row.entry_id, row.kind) for row in rows}

        before = pointers()
        db.session.remove()
        run_owner_migration("downgrade")
        assert pointers() == before
        assert "entry_id" not in {
            column["name"] for column in inspect(db.engine).get_columns("assets")
        }
        run_owner_migration("upgrade")
        assert pointers() == before
        assert owners() == expected
