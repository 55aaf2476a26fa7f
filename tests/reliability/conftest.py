"""Fixtures for the fault tests: faults injected into the real database, and the app served by
a real server process that can be killed."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from contest.core.extensions import db
from tests.helpers import folder_messages, free_port

# The database refuses to mark a score sheet submitted (any other change goes through).
SQLITE_TRIGGER = """
CREATE TRIGGER refuse_sheet_submit BEFORE UPDATE OF status ON score_sheets
WHEN NEW.status = 'submitted'
BEGIN SELECT RAISE(ABORT, 'injected fault: submitting is refused'); END
"""
POSTGRES_FUNCTION = """
CREATE FUNCTION refuse_sheet_submit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'injected fault: submitting is refused'; END $$
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER refuse_sheet_submit BEFORE UPDATE OF status ON score_sheets
FOR EACH ROW WHEN (NEW.status = 'submitted') EXECUTE FUNCTION refuse_sheet_submit()
"""


@pytest.fixture
def refuse_sheet_submits(app):
    """A function installing a trigger that makes the database refuse any sheet's submission;
    the trigger is dropped after the test (emptying the tables would leave it in place)."""
    installed = []

    def install():
        with app.app_context(), db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(POSTGRES_FUNCTION))
                connection.execute(text(POSTGRES_TRIGGER))
            else:
                connection.execute(text(SQLITE_TRIGGER))
        installed.append(True)

    def remove():
        with app.app_context(), db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                drop = "DROP TRIGGER IF EXISTS refuse_sheet_submit ON score_sheets"
                connection.execute(text(drop))
                connection.execute(text("DROP FUNCTION IF EXISTS refuse_sheet_submit()"))
            else:
                connection.execute(text("DROP TRIGGER IF EXISTS refuse_sheet_submit"))
        installed.clear()

    install.remove = remove
    yield install
    if installed:
        remove()


# --- the app as a real server process (gunicorn with the deploy config, as in production) -------

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
FLASK = Path(sys.executable).parent / "flask"
SERVER_SECRET_KEY = "reliability-tests-secret-key-0123456789abcdef"


class ServerProcess:
    """gunicorn (deploy/gunicorn.conf.py, two sync workers) serving the app on `port` over the
    test database, beside the job worker that sends its mail (`flask worker`, on the instance's
    SQLite queue), as deployed. Each runs in a process group of its own, so that `kill()` takes
    everything down at once, as a crash or a power cut does. Every process started on the same
    folder shares the instance folder (outbox, queue, secret) and the secret key, as a
    restarted server does."""

    def __init__(self, database_url, folder, port):
        self.folder = folder
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.environment = {
            **os.environ,
            "CONTEST_ENV": "development",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": SERVER_SECRET_KEY,
            "WEB_CONCURRENCY": "2",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_ACCESS_LOG": str(folder / "access.log"),
        }
        self.process = self.worker = None
        self.starts = 0

    @property
    def outbox(self):
        return folder_messages(self.folder / "instance" / "outbox")

    def start(self, timeout=60):
        assert self.process is None, "already running"
        self.starts += 1
        log = self.folder / f"server-{self.starts}.log"
        with log.open("w") as errors:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
                 "contest:create_app()"],
                cwd=ROOT, env=self.environment, stdout=subprocess.DEVNULL, stderr=errors,
                start_new_session=True,
            )  # fmt: skip
        with (self.folder / f"worker-{self.starts}.log").open("w") as errors:
            self.worker = subprocess.Popen(
                [str(FLASK), "--app", "contest", "worker", "--workers", "1"],
                cwd=ROOT, env=self.environment, stdout=subprocess.DEVNULL, stderr=errors,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(f"{self.url}/ping", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.kill()
        pytest.fail(f"the server did not start:\n{log.read_text()}")

    def kill(self):
        """SIGKILL the server's and the worker's process groups: no clean-up, no graceful
        shutdown."""
        for process in (self.process, self.worker):
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        self.process = self.worker = None

    def stop(self):
        for process in (self.process, self.worker):
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        try:
            for process in (self.process, self.worker):
                if process is not None:
                    process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = self.worker = None

    def mail_to(self, address, timeout=30):
        """The message the worker sends to `address`, waiting for it as a person waits for mail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [message for message in self.outbox if message["To"] == address]
            if found:
                return found[-1]
            time.sleep(0.05)
        pytest.fail(f"no mail to {address} within {timeout} s")


@pytest.fixture
def server_process(app, database_url, tmp_path):
    """A ServerProcess on the test database (not started); stopped after the test."""
    server = ServerProcess(database_url, tmp_path, free_port())
    yield server
    server.stop()
