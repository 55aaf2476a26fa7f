"""A received upload is never lost: each step after the bytes arrive fails for real (the
database refusing a row, the mail server and the job queue unreachable) and the upload survives,
is reported complete, and reaches its entry once the fault is gone. And the quotas that keep
unfinished uploads from filling the disk."""

import hashlib
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.models.entries import Entry
from contest.core.models.uploads import Upload
from contest.submissions import pipeline
from tests import factories
from tests.helpers import free_port, page_text
from tests.uploads.helpers import (
    create,
    head,
    patch,
    refused_inserts,
    sha256_of,
    upload_row,
    uploads,
)

MIB = 1024 * 1024


@pytest.fixture
def data(video_file):
    return video_file.read_bytes()


def upload_all_but_the_last_chunk(teacher, entry, data):
    location = create(teacher, entry.id, len(data)).headers["Location"]
    assert patch(teacher, location, 0, data[:-1000]).status_code == 204
    return location, location.rsplit("/", 1)[-1]


def stored_sha256(app, upload_id):
    """sha256 of the bytes the upload's Asset names in storage."""
    from contest.core.storage import storage_for

    with app.app_context():
        asset = db.session.get(Asset, db.session.get(Upload, upload_id).asset_id)
        with storage_for(asset).open(asset.key) as stream:
            return hashlib.sha256(stream.read()).hexdigest()


def entry_state(app, entry_id):
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        return entry.status, entry.original_video_asset_id or entry.pending_video_asset_id


def test_the_asset_row_refused_answers_503_keeps_the_bytes_and_a_head_finishes_later(
    app, login_as, entry, data, video_file, caplog
):
    teacher = login_as("teacher_a")
    location, upload_id = upload_all_but_the_last_chunk(teacher, entry, data)
    with refused_inserts(app, "assets"):
        last = patch(teacher, location, len(data) - 1000, data[-1000:])
        assert last.status_code == 503, page_text(last)
        assert "Nothing is lost" in last.json["message"]
        assert last.headers["Retry-After"] == "60"
        # Still failing: a HEAD tries to finish and says so again, and nothing is deleted.
        assert head(teacher, location).status_code == 503
        assert upload_row(app, upload_id).upload_offset == len(data)
    assert "could not be stored" in caplog.text
    # The fault is gone: the client's HEAD finishes the upload and learns it is complete.
    answer = head(teacher, location)
    assert answer.status_code == 200
    assert answer.headers["Upload-Offset"] == str(len(data))
    assert stored_sha256(app, upload_id) == sha256_of(video_file)
    status, asset_id = entry_state(app, entry.id)
    assert status == "ready"  # handed over, then processed (jobs run at once in tests)
    assert asset_id == upload_row(app, upload_id).asset_id


def test_a_repeated_last_patch_after_a_failure_finishes_the_upload(
    app, login_as, entry, data, video_file
):
    teacher = login_as("teacher_a")
    location, upload_id = upload_all_but_the_last_chunk(teacher, entry, data)
    with refused_inserts(app, "assets"):
        assert patch(teacher, location, len(data) - 1000, data[-1000:]).status_code == 503
    # A client resending the last chunk is told where the upload stands...
    resent = patch(teacher, location, len(data) - 1000, data[-1000:])
    assert resent.status_code == 409
    # ...and an empty PATCH at the end finishes it.
    done = patch(teacher, location, len(data), b"")
    assert done.status_code == 204
    assert done.headers["Upload-Offset"] == str(len(data))
    assert stored_sha256(app, upload_id) == sha256_of(video_file)
    assert entry_state(app, entry.id)[0] == "ready"


def test_a_notice_the_database_refuses_never_undoes_the_stored_upload(
    app, login_as, entry, data, video_file, runner, caplog
):
    teacher = login_as("teacher_a")
    location, upload_id = upload_all_but_the_last_chunk(teacher, entry, data)
    with refused_inserts(app, "notices"):
        last = patch(teacher, location, len(data) - 1000, data[-1000:])
        # The bytes and their Asset are committed: the upload is complete for the client.
        assert last.status_code == 204, page_text(last)
        assert last.headers["Upload-Offset"] == str(len(data))
        assert head(teacher, location).headers["Upload-Offset"] == str(len(data))
        row = upload_row(app, upload_id)
        assert row.asset_id is not None and row.completed_at is None
        assert entry_state(app, entry.id) == ("draft", None)  # not told yet
        # The sweep leaves it alone while the fault lasts (never removed as abandoned).
        assert runner.invoke(args=["uploads-cleanup"]).exit_code == 0
        assert upload_row(app, upload_id).asset_id == row.asset_id
    assert "its entry is told later" in caplog.text
    assert stored_sha256(app, upload_id) == sha256_of(video_file)
    # The fault is gone: the hourly sweep (here its command) hands the upload over.
    assert runner.invoke(args=["uploads-cleanup"]).exit_code == 0
    status, asset_id = entry_state(app, entry.id)
    assert status == "ready"
    assert asset_id == row.asset_id
    assert upload_row(app, upload_id).completed_at is not None


def test_an_unreachable_mail_server_never_undoes_the_upload(
    app, login_as, entry, data, video_file, caplog, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")
    teacher = login_as("teacher_a")
    location, upload_id = upload_all_but_the_last_chunk(teacher, entry, data)
    with caplog.at_level(logging.ERROR):
        last = patch(teacher, location, len(data) - 1000, data[-1000:])
    assert last.status_code == 204, page_text(last)
    assert "mail server did not accept" in caplog.text or "failed" in caplog.text
    assert stored_sha256(app, upload_id) == sha256_of(video_file)
    assert entry_state(app, entry.id)[0] == "ready"
    assert upload_row(app, upload_id).completed_at is not None


def test_an_unreachable_job_queue_never_undoes_the_upload(
    make_app, login_as, entry, data, video_file, people, restore_job_queue, caplog
):
    """The queue (Redis here) is down when processing should be queued: the upload is kept and
    handed over, and the worker queues the stranded video when it starts."""
    down = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", JOBS_IMMEDIATE=False)
    teacher = down.test_client()
    factories.sign_in(teacher, people["teacher_a"].email)
    location, upload_id = upload_all_but_the_last_chunk(teacher, entry, data)
    last = patch(teacher, location, len(data) - 1000, data[-1000:])
    assert last.status_code == 204, page_text(last)
    assert "failed" in caplog.text  # the queue's refusal, logged
    status, asset_id = entry_state(down, entry.id)
    assert status == "processing"
    assert asset_id == upload_row(down, upload_id).asset_id
    assert stored_sha256(down, upload_id) == sha256_of(video_file)
    with down.app_context():
        assert pipeline.stranded_videos(db.session) == [(entry.id, asset_id)]


# --- quotas ---------------------------------------------------------------------------------------


def test_a_new_upload_supersedes_the_entrys_unfinished_one_and_its_bytes_go(app, login_as, entry):
    teacher = login_as("teacher_a")
    locations = [create(teacher, entry.id, 500 * MIB).headers["Location"] for _ in range(40)]
    for location in locations[:-1]:
        assert head(teacher, location).status_code == 404
        assert patch(teacher, location, 0, b"x").status_code == 404
    assert [upload.id for upload in uploads(app)] == [locations[-1].rsplit("/", 1)[-1]]
    staged = sorted(path.name for path in (Path(app.config["INSTANCE_DIR"]) / "uploads").iterdir())
    assert staged == [locations[-1].rsplit("/", 1)[-1]]


@pytest.fixture
def entries(app, contest, people, entry):
    """Four entries of School A (the first is `entry`) and one of School B."""
    made = [entry] + [
        factories.make_entry(app, contest.categories[0], people["school_a"], title=f"PSA {n}")
        for n in range(3)
    ]
    return made, factories.make_entry(app, contest.categories[0], people["school_b"], title="B")


def test_a_schools_unfinished_uploads_are_bounded_in_number(
    app, login_as, entries, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "UPLOAD_SCHOOL_MAX_UNFINISHED", 2)
    (first, second, third, fourth), other_school = entries
    teacher = login_as("teacher_a")
    assert create(teacher, first.id, 1000).status_code == 201
    assert create(teacher, second.id, 1000).status_code == 201
    refused = create(teacher, third.id, 1000)
    assert refused.status_code == 409
    assert "2 unfinished uploads" in refused.json["message"]
    assert len(uploads(app)) == 2
    # Another school is not held back; a finished upload no longer counts.
    assert create(login_as("teacher_b"), other_school.id, 1000).status_code == 201
    location = create(teacher, second.id, 10).headers["Location"]  # supersedes, same count
    assert patch(teacher, location, 0, b"0123456789").status_code == 204
    assert create(teacher, fourth.id, 1000).status_code == 201


def test_a_schools_unfinished_uploads_are_bounded_in_bytes(app, login_as, entries, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_SCHOOL_MAX_STAGED_BYTES", 900 * MIB)
    (first, second, *_), _ = entries
    teacher = login_as("teacher_a")
    assert create(teacher, first.id, 500 * MIB).status_code == 201
    refused = create(teacher, second.id, 450 * MIB)
    assert refused.status_code == 413
    message = refused.json["message"]
    assert "0.5 GB" in message and "0.9 GB" in message
    assert len(uploads(app)) == 1
    staged = list((Path(app.config["INSTANCE_DIR"]) / "uploads").iterdir())
    assert len(staged) == 1
    # Replacing the entry's own unfinished upload frees what it held.
    assert create(teacher, first.id, 450 * MIB).status_code == 201
    assert create(teacher, second.id, 450 * MIB).status_code == 201


def test_an_arrived_upload_is_not_superseded_and_a_cancelled_one_leaves_no_object(
    app, login_as, entry, data
):
    teacher = login_as("teacher_a")
    location, upload_id = upload_all_but_the_last_chunk(teacher, entry, data)
    with refused_inserts(app, "assets"):
        assert patch(teacher, location, len(data) - 1000, data[-1000:]).status_code == 503
    stored = Path(app.config["INSTANCE_DIR"]) / "media" / "originals" / str(entry.id) / upload_id
    assert stored.is_file()  # stored, with no Asset yet
    # A new upload for the entry leaves the arrived one to be finished, not thrown away.
    assert create(teacher, entry.id, 1000).status_code == 201
    assert upload_row(app, upload_id) is not None
    # Cancelling it removes its stored bytes too: no object is left that no Asset names.
    assert teacher.delete(location, headers={"Tus-Resumable": "1.0.0"}).status_code == 204
    assert not stored.exists()
    with app.app_context():
        assert db.session.scalars(select(Asset)).all() == []


def test_expired_unfinished_uploads_count_until_the_sweep_removes_them(
    app, login_as, entries, monkeypatch, runner
):
    from tests.uploads.test_tus import expire

    monkeypatch.setitem(app.config, "UPLOAD_SCHOOL_MAX_UNFINISHED", 1)
    (first, second, *_), _ = entries
    teacher = login_as("teacher_a")
    old = create(teacher, first.id, 1000).headers["Location"]
    expire(app, old.rsplit("/", 1)[-1])
    assert create(teacher, second.id, 1000).status_code == 409  # its bytes are still staged
    assert runner.invoke(args=["uploads-cleanup"]).exit_code == 0
    assert create(teacher, second.id, 1000).status_code == 201
