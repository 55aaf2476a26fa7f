"""Background jobs: one Huey queue, declared at import time, whose storage each app configures.

Tasks are declared with `@jobs.task(...)` against the module-level `huey`. `init_app(app)` points
it at the app's queue: Redis when REDIS_URL is set, else a SQLite file in INSTANCE_DIR (no server
needed), or immediate mode (JOBS_IMMEDIATE: each job runs in the process that queues it, as the
tests do). A job runs inside the app context of the app that queued it (immediate mode) or of the
app the consumer was started for (`flask --app contest worker`, or `serve`, which runs the site
and a consumer thread in one process).

A job is queued only once the transaction that asked for it commits (`enqueue_after_commit`, one
use of `after_commit`), so it never looks for rows that are not there yet. A failing job is
retried JOB_RETRIES times, JOB_RETRY_DELAY_SECONDS apart; after the last failure its
`on_final_failure` handler reports it.
"""

import functools
import logging
import signal
from importlib import import_module
from pathlib import Path

import click
from flask import current_app, has_app_context
from flask.cli import pass_script_info
from huey import Huey
from huey.consumer import Consumer
from huey.signals import SIGNAL_ERROR
from huey.storage import BlackHoleStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

# Modules whose tasks every app (and so every worker) must know.
TASK_MODULES = (
    "contest.core.mail",
    "contest.auth.mails",
    "contest.submissions.tasks",
    "contest.submissions.registration",
)
# How a consumer polls a queue that can't block (SQLite): quickly at first, at most every second.
CONSUMER_OPTIONS = {"initial_delay": 0.1, "backoff": 1.15, "max_delay": 1.0}
_AFTER_COMMIT = "contest.core.jobs.after_commit"


class NotConfiguredStorage(BlackHoleStorage):
    """The queue's storage until an app configures it: queuing a job is an error, not a no-op."""

    def enqueue(self, data, priority=None):
        raise RuntimeError("The job queue is not configured: create the app (jobs.init_app) first.")


class ContestHuey(Huey):
    """A Huey whose storage and mode come from a Flask app's config (`configure`)."""

    storage_class = NotConfiguredStorage

    def __init__(self):
        super().__init__("psa-contest", results=False, utc=True)
        self.flask_app = None
        self.final_failure_handlers = {}
        self.consumer_start_hooks = []

    def configure(self, app):
        """Point the queue at `app`'s settings; jobs run in `app` when no app context is active."""
        config = app.config
        previous = self.storage
        self.name = config["JOBS_QUEUE_NAME"]
        if config.get("REDIS_URL"):
            self.storage_class, self.storage_kwargs = RedisStorage, {"url": config["REDIS_URL"]}
        else:
            path = Path(config["JOBS_SQLITE_PATH"])
            path.parent.mkdir(parents=True, exist_ok=True)
            self.storage_class, self.storage_kwargs = SqliteStorage, {"filename": str(path)}
        immediate = bool(config["JOBS_IMMEDIATE"])
        if self.immediate != immediate:
            self.immediate = immediate  # Huey's setter makes the storage for the mode
        else:
            self.storage = self.create_storage()  # immediate mode keeps jobs in memory
        if previous is not self.storage:
            previous.close()
            if isinstance(previous, RedisStorage):
                previous.pool.disconnect()
        self.flask_app = app

    def describe(self):
        """Where jobs go, for messages (no passwords)."""
        if self.immediate:
            return "immediate (each job runs where it is queued)"
        if isinstance(self.storage, RedisStorage):
            return f"Redis queue {self.storage.queue_key!r}"
        if isinstance(self.storage, SqliteStorage):
            return f"SQLite queue {self.storage.filename}"
        return type(self.storage).__name__


huey = ContestHuey()


def _app():
    """The app a job runs in: the one whose context is active, else the one configured last."""
    if has_app_context():
        return current_app._get_current_object()
    if huey.flask_app is None:
        raise RuntimeError("The job queue is not configured: create the app (jobs.init_app) first.")
    return huey.flask_app


def task(on_final_failure=None, **options):
    """Declare a job: a Huey task run inside the app context.

    `on_final_failure(*args, error=exception)` runs (in the app context too) when the last attempt
    has failed, so a job that keeps failing is reported rather than forgotten.
    """

    def declare(function):
        @functools.wraps(function)
        def in_app_context(*args, **kwargs):
            with _app().app_context():
                return function(*args, **kwargs)

        declared = huey.task(**options)(in_app_context)
        if on_final_failure is not None:
            huey.final_failure_handlers[declared.task_class] = on_final_failure
        return declared

    return declare


def periodic(schedule):
    """Declare a job the consumer runs on `schedule` (a huey.crontab), in the app context."""

    def declare(function):
        @functools.wraps(function)
        def in_app_context():
            with _app().app_context():
                return function()

        return huey.periodic_task(schedule)(in_app_context)

    return declare


@huey.signal(SIGNAL_ERROR)
def _report_final_failure(signal_name, failed, error=None):
    if failed.retries:  # another attempt follows
        return
    handler = huey.final_failure_handlers.get(type(failed))
    if handler is None:
        return
    with _app().app_context():
        handler(*failed.args, error=error, **failed.kwargs)


def enqueue(declared, *args):
    """Queue `declared(*args)` with the app's retry settings.

    Immediate mode retries at once: nothing would ever run a delayed retry kept in memory.
    """
    config = current_app.config
    delay = 0 if huey.immediate else config["JOB_RETRY_DELAY_SECONDS"]
    return huey.enqueue(declared.s(*args, retries=config["JOB_RETRIES"], retry_delay=delay))


def after_commit(session, function, *args, **kwargs):
    """Call `function(*args, **kwargs)` once `session`'s outermost transaction commits; forget it
    if the transaction rolls back.

    For the side effects of a change (mail, notices, jobs, cache invalidation): a rolled-back
    change causes none of them, and a side effect that fails is logged, never raised, so it
    cannot undo or hide a change that is already committed. Side effects that must survive a
    failure are jobs (`enqueue_after_commit`, `mail.queue_mail`), which the queue retries.
    """
    if isinstance(session, scoped_session):
        session = session()  # the request's (or job's) own Session
    if not session.in_transaction():
        session.begin()  # so a rollback before any SQL still ends a transaction, and drops it
    session.info.setdefault(_AFTER_COMMIT, []).append((function, args, kwargs))


def enqueue_after_commit(session, declared, *args):
    """Queue `declared(*args)` when `session`'s transaction commits; drop it if it rolls back."""
    after_commit(session, enqueue, declared, *args)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session):
    if session.in_nested_transaction():  # a SAVEPOINT: the outer transaction may still roll back
        return
    for function, args, kwargs in session.info.pop(_AFTER_COMMIT, []):
        try:
            function(*args, **kwargs)
        except Exception:
            name = getattr(function, "__name__", repr(function))
            # The name only: arguments may hold an address or a message.
            log.exception("after the commit, %s failed", name)


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session, transaction):
    if transaction.parent is None:  # after a commit the list is already empty
        session.info.pop(_AFTER_COMMIT, None)


def on_consumer_start(function):
    """Register `function()` to run (in the app context) before a consumer starts taking jobs:
    for re-queuing work a crashed process left behind."""
    huey.consumer_start_hooks.append(function)
    return function


def _prepare_consumer(app):
    huey.configure(app)
    if huey.immediate:
        return False
    with app.app_context():
        for hook in huey.consumer_start_hooks:
            hook()
    return True


class EmbeddedConsumer(Consumer):
    """A consumer that runs in threads beside a web server, which keeps its signal handlers."""

    def _set_signal_handlers(self):
        pass


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time.")
@pass_script_info
def worker_command(info, workers):
    """Run background jobs (video processing) until interrupted."""
    app = info.load_app()
    if not _prepare_consumer(app):
        raise click.ClickException(
            "JOBS_IMMEDIATE is on: each job runs where it is queued, so a worker has nothing to do."
        )
    click.echo(f"Worker taking jobs from the {huey.describe()}.")
    huey.create_consumer(workers=workers, **CONSUMER_OPTIONS).run()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
# Two: while one thread transcodes a heavy video, the other keeps taking ordinary clips.
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time.")
@pass_script_info
def serve_command(info, host, port, workers):
    """Serve the site and run background jobs in the same process (the embedded demo mode)."""
    from werkzeug.serving import run_simple

    app = info.load_app()
    consumer = None
    if _prepare_consumer(app):
        consumer = EmbeddedConsumer(huey, workers=workers, **CONSUMER_OPTIONS)
        consumer.start()
        click.echo(f"Jobs run in this process, from the {huey.describe()}.")
    # SIGTERM stops like Ctrl-C, so a job in progress finishes instead of being lost.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run_simple(host, port, app, threaded=True)
    finally:
        if consumer is not None:
            click.echo("Finishing the jobs in progress...")
            consumer.stop(graceful=True)


def init_app(app):
    """Configure the queue from `app` (Redis, SQLite or immediate) and add the commands."""
    app.config.setdefault("JOBS_SQLITE_PATH", None)
    if not app.config["JOBS_SQLITE_PATH"]:
        app.config["JOBS_SQLITE_PATH"] = str(Path(app.config["INSTANCE_DIR"]) / "jobs.sqlite3")
    for module in TASK_MODULES:
        import_module(module)
    huey.configure(app)
    app.extensions["jobs"] = huey
    app.cli.add_command(worker_command)
    app.cli.add_command(serve_command)
