"""The job queue: immediate mode, jobs queued only on commit, a SQLite queue worked by a consumer
thread, a real Redis queue, retries and the final-failure report, and the `worker` and `serve`
commands run as real processes."""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis
from flask import current_app
from huey.signals import SIGNAL_ERROR
from sqlalchemy import select

from config import BASE_DIR
from contest.core import jobs
from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.entries import Entry
from contest.core.storage import get_storage
from contest.submissions import media, pipeline, tasks
from devtools.clips import make_clip
from tests.helpers import free_port, outbox_messages
from tests.submissions.conftest import (
    asset_row,
    audit_event,
    entry_row,
    notices,
    store_upload,
    upload_video,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


@jobs.task()
def note_job_ran(marker):
    """A job for these tests: it leaves an audit event naming the app it ran in."""
    db.session.add(
        AuditEvent(
            action="test.job_ran",
            subject_type="test",
            data={"marker": marker, "instance": str(current_app.config["INSTANCE_DIR"])},
        )
    )
    db.session.commit()


def job_runs(app, marker):
    """The INSTANCE_DIR of each app `note_job_ran(marker)` ran in."""
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "test.job_ran"))
        return [event.data["instance"] for event in events if event.data["marker"] == marker]


@pytest.fixture
def restore_queue():
    """Point the queue back at the app it served before the test (tests build other apps)."""
    previous = jobs.huey.flask_app
    yield
    if previous is not None:
        jobs.huey.configure(previous)


@pytest.fixture
def queue_app(app, make_app, restore_queue):
    """A factory: an app (on the test database) whose jobs go to a real queue, not immediate."""

    def build(**settings):
        return make_app(JOBS_IMMEDIATE=False, **settings)

    return build


def wait_for(condition, timeout=30, what="the job"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not finish within {timeout} s")


def wait_for_mail(app, subject, count=1):
    """Wait until `count` messages whose subject holds `subject` are out: mail is a job of its
    own, queued when the job that sends it commits."""
    wait_for(
        lambda: sum(subject in m["Subject"] for m in outbox_messages(app)) >= count,
        what=f"the mail about {subject!r}",
    )


class ConsumerThreads:
    """The consumer `serve` embeds, run in threads for the length of a `with` block."""

    def __init__(self, workers=1):
        self.workers = workers

    def __enter__(self):
        self.consumer = jobs.EmbeddedConsumer(
            jobs.huey, workers=self.workers, **jobs.CONSUMER_OPTIONS
        )
        self.consumer.start()
        return self.consumer

    def __exit__(self, *exc):
        self.consumer.stop(graceful=True)


class Attempts:
    """Counts the failed attempts of jobs, through Huey's error signal."""

    def __init__(self):
        self.retries_left = []

    def __enter__(self):
        jobs.huey.signal(SIGNAL_ERROR)(self.receive)
        return self

    def receive(self, signal_name, task, error=None):
        self.retries_left.append(task.retries)

    def __exit__(self, *exc):
        jobs.huey.disconnect_signal(self.receive, SIGNAL_ERROR)


def broken_upload(app, entry_id):
    """Upload a video whose stored file then vanishes (as on a storage outage); its asset id."""
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        asset = store_upload(db.session, Path(__file__))
        get_storage().delete(asset.key)
        asset_id = asset.id
        pipeline.video_uploaded(db.session, entry, asset)
        db.session.commit()
    return asset_id


# --- immediate mode and commits -------------------------------------------------------------------


def test_immediate_mode_runs_the_job_in_process_in_the_apps_context(app):
    assert jobs.huey.immediate
    assert jobs.huey.describe() == "immediate (each job runs where it is queued)"

    with app.app_context():
        jobs.enqueue_after_commit(db.session, note_job_ran, "now")
        assert job_runs(app, "now") == []  # not before the commit
        db.session.commit()

    assert job_runs(app, "now") == [str(app.config["INSTANCE_DIR"])]


def test_a_rolled_back_transaction_queues_nothing(app):
    with app.app_context():
        jobs.enqueue_after_commit(db.session, note_job_ran, "rolled back")
        db.session.rollback()
        db.session.commit()  # a later commit does not bring it back

    assert job_runs(app, "rolled back") == []


def test_a_savepoint_commit_waits_for_the_outer_commit(app):
    with app.app_context():
        with db.session.begin_nested():
            jobs.enqueue_after_commit(db.session, note_job_ran, "nested")
        assert job_runs(app, "nested") == []
        db.session.commit()

    assert job_runs(app, "nested") == [str(app.config["INSTANCE_DIR"])]


def test_the_video_job_runs_in_immediate_mode(app, video_entry, clips):
    entry = video_entry()

    upload_video(app, entry.id, clips["mp4"])

    assert entry_row(app, entry.id).status == "ready"


# --- a SQLite queue and a consumer ----------------------------------------------------------------


def test_a_sqlite_queue_keeps_the_job_until_a_consumer_runs_it(queue_app, video_entry, clips):
    worked = queue_app()
    entry = video_entry()
    queue_file = Path(worked.config["INSTANCE_DIR"]) / "jobs.sqlite3"
    assert jobs.huey.describe() == f"SQLite queue {queue_file}"

    upload_id = upload_video(worked, entry.id, clips["mp4"])

    assert queue_file.exists()
    assert jobs.huey.pending_count() == 1
    [queued] = jobs.huey.pending()
    assert queued.args == (entry.id, upload_id)
    assert (queued.retries, queued.retry_delay) == (2, 60)  # TestingConfig, Config
    assert entry_row(worked, entry.id).status == "processing"

    with ConsumerThreads():
        wait_for(lambda: entry_row(worked, entry.id).status == "ready")
        wait_for_mail(worked, entry.title)
        # The consumer's start-up sweep may queue the same job again if a worker had already
        # taken it (harmless: the copy finds nothing to do); either way the queue drains.
        wait_for(lambda: jobs.huey.pending_count() == 0)

    assert jobs.huey.pending_count() == 0
    ready = entry_row(worked, entry.id)
    assert ready.original_video_asset_id == upload_id
    assert asset_row(worked, ready.poster_asset_id).content_type == "image/jpeg"
    assert any(entry.title in m["Subject"] for m in outbox_messages(worked))


def test_a_redis_queue_at_redis_url(queue_app, video_entry, clips):
    name = f"psa-test-{secrets.token_hex(6)}"
    worked = queue_app(REDIS_URL=REDIS_URL, JOBS_QUEUE_NAME=name)
    server = redis.Redis.from_url(REDIS_URL)
    entry = video_entry()
    try:
        assert jobs.huey.describe() == f"Redis queue 'huey.redis.{name.replace('-', '')}'"

        upload_video(worked, entry.id, clips["mp4"])

        assert server.llen(jobs.huey.storage.queue_key) == 1
        assert entry_row(worked, entry.id).status == "processing"
        with ConsumerThreads():
            wait_for(lambda: entry_row(worked, entry.id).status == "ready")
            wait_for_mail(worked, entry.title)
            wait_for(lambda: server.llen(jobs.huey.storage.queue_key) == 0)
        assert server.llen(jobs.huey.storage.queue_key) == 0
    finally:
        jobs.huey.flush()
    assert server.keys(f"huey.*{name.replace('-', '')}*") == []
    server.close()


# --- retries and the final failure ----------------------------------------------------------------


def test_a_job_that_keeps_failing_is_retried_then_reported(app, video_entry):
    entry = video_entry()

    with Attempts() as attempts:
        upload_id = broken_upload(app, entry.id)

    assert attempts.retries_left == [2, 1, 0]  # JOB_RETRIES=2: three attempts in all
    failed = entry_row(app, entry.id)
    assert (failed.status, failed.status_reason) == ("rejected", pipeline.FAILURE_REASON)
    assert failed.status_reason == (
        "We could not process this video; please try again or contact the organizers."
    )
    assert failed.pending_video_asset_id is None
    event = audit_event(app, entry.id, "entry.video_failed")
    assert event.data["asset_id"] == upload_id and "StorageError" in event.data["error"]
    assert notices(app, entry.id)[-1] == (
        "entry.failed",
        f"{pipeline.FAILURE_REASON} (“{entry.title}”)",
    )
    subjects = [m["Subject"] for m in outbox_messages(app) if m["To"] == entry.teacher_email]
    assert f"{entry.title}: the video could not be processed" in subjects


def test_a_failing_replacement_keeps_the_ready_video(app, video_entry, clips):
    entry = video_entry()
    upload_video(app, entry.id, clips["mp4"])
    before = entry_row(app, entry.id)

    broken_upload(app, entry.id)

    after = entry_row(app, entry.id)
    assert (after.status, after.video_asset_id) == ("ready", before.video_asset_id)
    assert after.pending_video_asset_id is None
    kind, message = notices(app, entry.id)[-1]
    assert kind == "entry.failed" and "The previous video is still the entry's video." in message


def test_retries_wait_their_delay_in_a_real_consumer(queue_app, video_entry):
    worked = queue_app(JOB_RETRIES=1, JOB_RETRY_DELAY_SECONDS=1)
    entry = video_entry()

    with Attempts() as attempts:
        broken_upload(worked, entry.id)
        [queued] = jobs.huey.pending()
        assert (queued.retries, queued.retry_delay) == (1, 1)
        started = time.monotonic()
        with ConsumerThreads():
            wait_for(lambda: entry_row(worked, entry.id).status == "rejected")
            wait_for_mail(worked, f"{entry.title}: the video could not be processed")
        took = time.monotonic() - started

    assert attempts.retries_left == [1, 0]
    assert took >= 1  # the retry waited its delay
    assert entry_row(worked, entry.id).status_reason == pipeline.FAILURE_REASON
    assert jobs.huey.pending_count() == jobs.huey.scheduled_count() == 0


def test_a_lost_job_is_queued_again_when_a_consumer_starts(queue_app, video_entry, clips):
    worked = queue_app()
    entry = video_entry()
    upload_id = upload_video(worked, entry.id, clips["mp4"])
    jobs.huey.flush()  # the queue lost the job, as a crashed process would

    with worked.app_context():
        assert tasks.requeue_stranded_videos() == [(entry.id, upload_id)]
        assert tasks.requeue_stranded_videos() == []  # already queued: not twice
    assert [task.args for task in jobs.huey.pending()] == [(entry.id, upload_id)]


# --- heavy videos and ordinary clips --------------------------------------------------------------


def test_an_ordinary_clip_overtakes_heavy_videos_in_a_real_consumer(
    queue_app, video_entry, tmp_path
):
    """Two heavy videos queued before a 10 s clip, two worker threads (`serve`'s and `worker`'s
    default): one heavy video runs, the other waits in the queue, and the clip is ready long
    before either heavy one."""
    worked = queue_app(VIDEO_HEAVY_PIXELS=100_000_000, VIDEO_HEAVY_RETRY_SECONDS=1)
    heavy = make_clip(tmp_path / "heavy.mp4", seconds=6, width=1920, height=1080, fps=30)
    light = make_clip(tmp_path / "light.mp4", seconds=10, pattern="testsrc2")
    entries = {name: video_entry(max_video_seconds=15) for name in ("heavy 1", "heavy 2", "clip")}
    for name, path in (("heavy 1", heavy), ("heavy 2", heavy), ("clip", light)):
        upload_video(worked, entries[name].id, path)
    assert jobs.huey.pending_count() == 3

    ready_after = {}
    with Attempts() as attempts, ConsumerThreads(workers=2):
        started = time.monotonic()

        def all_ready():
            for name, entry in entries.items():
                if name not in ready_after and entry_row(worked, entry.id).status == "ready":
                    ready_after[name] = time.monotonic() - started
            return len(ready_after) == len(entries)

        wait_for(all_ready, timeout=120, what="the three videos")
        wait_for_mail(worked, "is ready", count=3)

    assert ready_after["clip"] < 20
    assert ready_after["clip"] < min(ready_after["heavy 1"], ready_after["heavy 2"])
    assert attempts.retries_left == []  # waiting for a slot is not a failed attempt
    assert jobs.huey.pending_count() == jobs.huey.scheduled_count() == 0


def test_a_heavy_video_waits_while_the_slots_are_taken(app, clips):
    found = media.probe(clips["mp4"])  # 2.2 million pixels
    lane = tasks.HeavyLane()

    with lane.admit(found, heavy_pixels=1_000_000, slots=1):
        assert lane.running == 1
        with pytest.raises(pipeline.Deferred), lane.admit(found, 1_000_000, slots=1):
            pass
        with lane.admit(found, heavy_pixels=10_000_000, slots=1):  # not heavy: no slot needed
            assert lane.running == 1
    assert lane.running == 0
    with lane.admit(found, heavy_pixels=1_000_000, slots=1):
        assert lane.running == 1


# --- the commands ---------------------------------------------------------------------------------


def test_worker_refuses_to_start_in_immediate_mode(runner):
    result = runner.invoke(args=["worker"])

    assert result.exit_code != 0
    assert "JOBS_IMMEDIATE is on" in result.output


def command_environment(database_url, instance):
    """The environment `flask --app contest ...` needs to share this test's database, storage
    and SQLite queue (all derived from INSTANCE_PATH)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"STORAGE_URL", "REDIS_URL", "JOBS_IMMEDIATE", "JOBS_SQLITE_PATH"}
    }
    environment.update(
        CONTEST_ENV="development", INSTANCE_PATH=str(instance), DATABASE_URL=database_url
    )
    return environment


def start_command(database_url, instance, *arguments):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "contest", *arguments],
        cwd=BASE_DIR,
        env=command_environment(database_url, instance),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_command(process, signal_number):
    process.send_signal(signal_number)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"the command did not stop:\n{output}") from None
    return process.returncode, output


def test_the_worker_command_processes_queued_videos(
    queue_app, video_entry, clips, database_url, tmp_path
):
    worked = queue_app(INSTANCE_DIR=tmp_path)
    entry = video_entry()
    process = start_command(database_url, tmp_path, "worker", "--workers", "1")
    try:
        upload_video(worked, entry.id, clips["mp4"])
        wait_for(lambda: entry_row(worked, entry.id).status == "ready")
    finally:
        code, output = stop_command(process, signal.SIGINT)

    assert code == 0, output
    assert f"Worker taking jobs from the SQLite queue {tmp_path / 'jobs.sqlite3'}" in output


def test_serve_runs_the_site_and_the_jobs_in_one_process(
    queue_app, video_entry, clips, database_url, tmp_path
):
    worked = queue_app(INSTANCE_DIR=tmp_path)
    entry = video_entry()
    port = free_port()
    process = start_command(database_url, tmp_path, "serve", "--port", str(port))
    try:

        def serving():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login") as page:
                    return page.status == 200
            except OSError:
                return False

        wait_for(serving, what="the web server")
        upload_video(worked, entry.id, clips["mp4"])
        wait_for(lambda: entry_row(worked, entry.id).status == "ready")
    finally:
        code, output = stop_command(process, signal.SIGTERM)

    assert code == 0, output
    assert "Jobs run in this process" in output
    assert "Finishing the jobs in progress" in output
