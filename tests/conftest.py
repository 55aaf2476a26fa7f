"""Fixtures: one migrated database per test session (per xdist worker), emptied after every test.

TEST_DATABASE_URL picks the backend (SQLite in a temporary file by default, or PostgreSQL).
Tests never hold an app context while they make requests: Flask-Login keeps the current user in
`g`, which lives as long as the app context, so a shared context would leak users between clients.
"""

import shutil
from pathlib import Path

import pytest
from flask_migrate import upgrade

import devtools.commands
from config import TestingConfig
from contest import create_app
from contest.core.extensions import db
from contest.web import caching
from tests import factories
from tests.helpers import LiveServer, S3Server, SmtpSink, fresh_test_database


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """A database for this worker, reachable as a URL (apps made in tests can share it)."""
    return fresh_test_database(tmp_path_factory.mktemp("db"), worker_id)


@pytest.fixture(scope="session")
def scale_services(request, worker_id):
    """In the scale run (TEST_REDIS_URL set): S3 and Redis settings for every app (tests/scale)."""
    from tests import scale

    if not scale.enabled():
        return {}
    bucket = request.getfixturevalue("s3_server").new_bucket("scale")
    return scale.settings(bucket, worker_id)


@pytest.fixture(scope="session")
def make_app(database_url, tmp_path_factory, scale_services):
    """Build an app on the test database; settings override TestingConfig."""

    built = []

    def build(**settings):
        settings.setdefault("SQLALCHEMY_DATABASE_URI", database_url)
        for name, value in scale_services.items():
            settings.setdefault(name, value)
        settings.setdefault("INSTANCE_DIR", tmp_path_factory.mktemp("instance"))
        built.append(create_app(TestingConfig, **settings))
        devtools.commands.register(built[-1])  # `flask demo`, as devtools.app has it
        return built[-1]

    build.built = built
    yield build
    for app in built:  # close pooled connections, or the driver warns at exit
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(make_app):
    app = make_app()
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def _release_connections(request):
    """Apps a test builds give their pooled connections back when it ends: dozens of apps, each
    keeping a pool for the whole session, would pass PostgreSQL's max_connections. (A disposed
    engine still works: it connects again when used.)"""
    if "make_app" not in request.fixturenames:
        yield
        return
    built = request.getfixturevalue("make_app").built
    before = len(built)
    yield
    for app in built[before:]:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_database(request):
    """Each test starts with an empty database and an empty outbox (for tests that use the app):
    the app lives for the whole session, so what one test left would show in the next."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    shutil.rmtree(Path(app.config["INSTANCE_DIR"]) / "outbox", ignore_errors=True)
    with app.app_context():
        caching.clear()  # ids come back on SQLite: a cached page could outlive its rows
        db.session.remove()
        # DELETE beats TRUNCATE on tables this small; ids are not reset, so tests never assume them.
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def session(app):
    """The database session inside an app context, for service-level tests (no requests)."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def people(app):
    """Four roles the permission matrix checks, with their schools (tests.helpers.role_client
    makes the fifth, a judge with a conflict)."""
    return factories.make_people(app)


@pytest.fixture
def login_as(app, people):
    """A test client signed in as one of `people` (organizer, teacher_a, teacher_b, judge)."""

    def sign_in(role):
        client = app.test_client()
        factories.sign_in(client, people[role].email)
        return client

    return sign_in


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 that keeps the messages it receives."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on 127.0.0.1 over HTTP, one per test session (per xdist worker)."""
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server):
    """A fresh bucket on `s3_server`: `.settings` for make_app(**settings) (STORAGE_URL, endpoint,
    keys), `.storage()` for a backend, `.client` for looking behind its back."""
    bucket = s3_server.new_bucket()
    yield bucket
    bucket.remove()


@pytest.fixture
def restore_job_queue():
    """Point the job queue back at the app it served before the test: building an app
    reconfigures the one module-level queue (contest.core.jobs)."""
    from contest.core import jobs

    previous = jobs.huey.flask_app
    yield
    if previous is not None:
        jobs.huey.configure(previous)


@pytest.fixture
def live_server(app, make_app, restore_job_queue):
    """Start an app (settings as for make_app) on a real port, served in a thread; it shares the
    test database and stops after the test. SERVER_NAME is unset so any Host reaches it."""
    started = []

    def start(**settings):
        settings.setdefault("SERVER_NAME", None)
        server = LiveServer(make_app(**settings))
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
