"""Test helpers: CSRF-aware form posts, reading mail (outbox or a real SMTP server), a local S3
server (moto)."""

import os
import random
import re
import secrets
import socket
from contextlib import contextmanager
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from sqlalchemy import event, make_url, text

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, url):
    """The CSRF token of the form on the page at `url` (also sets the session cookie)."""
    page = client.get(url)
    assert page.status_code == 200, f"GET {url} gave {page.status_code}"
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def submit(client, url, data, page=None, **kwargs):
    """POST `data` to `url` with the CSRF token from the form at `page` (default `url`)."""
    token = csrf_token(client, page or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def page_text(response):
    return response.get_data(as_text=True)


def tamper(token):
    """`token` (or a link ending in one) with one signature character changed. Not the last one:
    its low bits are base64 padding, so changing it may leave the signature as it was."""
    spot = len(token) - 5
    return token[:spot] + ("B" if token[spot] == "A" else "A") + token[spot + 1 :]


def session_cookie(client):
    """The value of the client's session cookie, or None."""
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def link_path(body, path_part):
    """The path (and query) of the first link in a mail `body` that contains `path_part`."""
    match = re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", body)
    assert match, f"no link with {path_part!r} in:\n{body}"
    parts = urlsplit(match.group(0))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def outbox_messages(app):
    """The messages an app in outbox mode wrote to INSTANCE_DIR/outbox, oldest first."""
    return folder_messages(Path(app.config["INSTANCE_DIR"]) / "outbox")


def folder_messages(folder):
    """The messages in an outbox folder, oldest first."""
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(Path(folder).glob("*.eml"))
    ]


class _Handler:
    def __init__(self, refuse_recipients=False):
        self.messages = []
        self.refuse_recipients = refuse_recipients

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_recipients:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


def free_port():
    """A local port nothing listens on (until someone binds it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """aiosmtpd on a free local port; `messages` holds (recipients, EmailMessage) pairs.

    With `refuse_recipients` it answers every RCPT TO with 550, as a server refusing mail does.
    """

    def __init__(self, refuse_recipients=False):
        self.handler = _Handler(refuse_recipients)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self):
        return self.handler.messages

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def last_body(self):
        assert self.messages, "no mail received"
        return self.messages[-1][1].get_content()

    def link_in_last(self, path_part):
        """The path of the link containing `path_part` in the last message received."""
        return link_path(self.last_body(), path_part)


def fresh_test_database(folder, worker_id, purpose="tests"):
    """An empty database of the backend under test, for this worker and purpose: a new database
    next to TEST_DATABASE_URL's on PostgreSQL, else a SQLite file in `folder`. Its URL."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        return fresh_postgres_database(base, worker_id, purpose)
    return f"sqlite:///{Path(folder) / f'{purpose}.sqlite3'}"


def fresh_postgres_database(base_url, worker_id, purpose="tests"):
    """Create (afresh) a database for this worker and purpose next to `base_url`'s; its URL."""
    import psycopg

    url = make_url(base_url)
    name = f"{url.database}_psa_{purpose}_{re.sub(r'[^a-z0-9]', '', worker_id)}"
    # The maintenance database, so the base database named in the URL need not exist.
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


# --- the route matrix (permissions, security headers, CSRF) -------------------------------------

# judge_conflict: a judge who declared a conflict with School A's district, and is not the
# judge of the route values' assignment.
ROLES = (
    "anonymous", "teacher_a", "teacher_b", "judge", "judge_conflict", "admin",
    "contest_organizer", "other_organizer", "observer", "coordinator",
)  # fmt: skip
MATRIX_METHODS = ("GET", "POST")
# Routes that end the session run last, so one sign-in per role serves the rest of a sweep
# (each of them gets a session of its own: signing out ends every session of the account).
SESSION_ENDING = {("auth.logout", "POST"), ("auth.end_sessions", "POST")}


def app_routes(app):
    """Every (endpoint, method, rule) the app serves, static files aside, in sweep order."""
    found = [
        (rule.endpoint, method, rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in MATRIX_METHODS
        if method in rule.methods
    ]
    return sorted(found, key=lambda row: ((row[0], row[1]) in SESSION_ENDING, row[0], row[1]))


def route_url(app, rule, values):
    """The path of `rule` with its arguments taken from `values` (no app context needed)."""
    missing = sorted(set(rule.arguments) - set(values))
    assert not missing, f"no value for {missing} of {rule.endpoint} ({rule.rule}): add one"
    adapter = app.url_map.bind(app.config["SERVER_NAME"] or "localhost")
    return adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments})


def role_client(app, login_as, role, contest_id=None):
    """A test client for one of ROLES: signed out for "anonymous", else signed in once. "admin"
    is the people's organizer (a site administrator); "contest_organizer" organizes contest
    `contest_id` (the route values'), "other_organizer" a contest of their own; "observer"
    observes contest `contest_id`; "coordinator" coordinates School A's district."""
    if role == "anonymous":
        return app.test_client()
    if role == "admin":
        return login_as("organizer")
    if role == "coordinator":  # of School A's district
        from tests import factories

        email = "district.coordinator@example.org"
        user = factories.fetch_user(app, email) or factories.make_user(
            app, roles=[("coordinator", factories.district_of_school_a(app))], email=email
        )
        client = app.test_client()
        factories.sign_in(client, user.email)
        return client
    if role in ("contest_organizer", "other_organizer", "observer"):
        from tests import factories

        if role == "other_organizer" or contest_id is None:
            contest_id = factories.make_contest(app).id
        email = f"{role.replace('_', '.')}.{contest_id}@example.org"
        grant = "observer" if role == "observer" else "organizer"
        user = factories.fetch_user(app, email) or factories.make_user(
            app, roles=[(grant, contest_id)], email=email
        )
        client = app.test_client()
        factories.sign_in(client, user.email)
        return client
    if role == "judge_conflict":
        from tests import factories

        client = app.test_client()
        judge = factories.fetch_user(app, "judge.conflict@example.org")
        factories.sign_in(client, (judge or factories.make_conflicted_judge(app)).email)
        return client
    return login_as(role)


# --- error pages ---------------------------------------------------------------------------------

FAILURE_DETAIL = "test-only failure: internal detail"


def add_failing_route(app, path="/test-only/fail"):
    """Give a fresh app (before its first request) a route that raises; returns its path."""

    def fail():
        raise RuntimeError(FAILURE_DETAIL)

    app.add_url_rule(path, "test_only_fail", fail)
    return path


def fail_sign_ins(client, email, times, path="/auth/login"):
    """Post a wrong password for `email` `times` times to the sign-in form at `path` (or another
    form that asks for an account's password, such as an invitation's); each must be refused."""
    token = csrf_token(client, path)
    data = {"email": email, "password": "wrong password", "csrf_token": token}
    for attempt in range(times):
        response = client.post(path, data=data)
        assert response.status_code == 200, f"failure {attempt + 1} gave {response.status_code}"
    return data


def exceed_sign_in_limit(app, client, email, password="not the password"):
    """Fail to sign in LOGIN_FAILURE_LIMIT times as `email`, then try once more; that response."""
    data = fail_sign_ins(client, email, app.config["LOGIN_FAILURE_LIMIT"])
    return client.post("/auth/login", data={**data, "password": password})


# --- storage -------------------------------------------------------------------------------------


def sample_bytes(size, seed=1):
    """`size` random-looking bytes, the same for the same seed (a wrong offset shows)."""
    return random.Random(seed).randbytes(size)


class RecordingStream:
    """A stream over `data` that records the size of every read and, given `fail_after`, raises
    OSError once that many bytes have been read (a client that goes away mid-upload)."""

    def __init__(self, data, fail_after=None):
        self.data = memoryview(data)
        self.position = 0
        self.fail_after = fail_after
        self.reads = []

    def read(self, size=-1):
        self.reads.append(size)
        if self.fail_after is not None and self.position >= self.fail_after:
            raise OSError("test-only failure: the client went away")
        end = len(self.data) if size is None or size < 0 else self.position + size
        chunk = bytes(self.data[self.position : end])
        self.position += len(chunk)
        return chunk


# --- S3: moto's server over HTTP -----------------------------------------------------------------

S3_TEST_SETTINGS = {
    "S3_ACCESS_KEY_ID": "test-key-id",
    "S3_SECRET_ACCESS_KEY": "test-secret-key",
    "S3_REGION": "us-east-1",
}


class S3Server:
    """moto's S3 server in a thread on 127.0.0.1 over HTTP (a real S3 protocol peer, though it
    checks no signatures, expiry or sizes); `new_bucket()` makes a fresh, uniquely named bucket."""

    def __init__(self):
        from moto.server import ThreadedMotoServer

        # Port 0: the system picks a free one as the server binds, so workers never collide.
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint_url = None
        self._client = None

    def start(self):
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"

    def stop(self):
        self.server.stop()

    def client(self):
        """A boto3 client for the server (made once: making one takes a fifth of a second)."""
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self):
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=S3_TEST_SETTINGS["S3_REGION"],
            aws_access_key_id=S3_TEST_SETTINGS["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_TEST_SETTINGS["S3_SECRET_ACCESS_KEY"],
        )

    def new_bucket(self, prefix="media"):
        bucket = S3Bucket(self, f"test-{secrets.token_hex(8)}", prefix)
        bucket.client.create_bucket(Bucket=bucket.name)
        return bucket


class S3Bucket:
    """One bucket on an S3Server: `settings` for make_app(**settings), `storage()` a backend."""

    def __init__(self, server, name, prefix):
        self.server = server
        self.name = name
        self.prefix = prefix
        self.client = server.client()

    @property
    def endpoint_url(self):
        return self.server.endpoint_url

    @property
    def storage_url(self):
        return f"s3://{self.name}/{self.prefix}"

    @property
    def settings(self):
        return {
            "STORAGE_URL": self.storage_url,
            "S3_ENDPOINT_URL": self.endpoint_url,
            **S3_TEST_SETTINGS,
        }

    def storage(self):
        from contest.core.storage import build_storage

        return build_storage(self.storage_url, self.settings)

    def object_keys(self):
        """Every object key in the bucket (prefix included), sorted."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def open_uploads(self):
        """The keys of multipart uploads started and neither completed nor aborted."""
        answer = self.client.list_multipart_uploads(Bucket=self.name)
        return sorted(upload["Key"] for upload in answer.get("Uploads", []))

    def remove(self):
        """Empty the bucket and delete it, so the server's memory stays small."""
        for upload in self.client.list_multipart_uploads(Bucket=self.name).get("Uploads", []):
            self.client.abort_multipart_upload(
                Bucket=self.name, Key=upload["Key"], UploadId=upload["UploadId"]
            )
        for key in self.object_keys():
            self.client.delete_object(Bucket=self.name, Key=key)
        self.client.delete_bucket(Bucket=self.name)


# --- a live server for real HTTP clients (tuspy, a browser) --------------------------------------

LIVE_USER_AGENT = "psa-contest-tests"


def _closing_iterables(app):
    """`app` with every response body closed even when werkzeug's dev server gives up on it.

    When a browser drops a connection mid-response (a <video> range request cancelled as the
    page navigates away), the dev server's clean-up can raise before it closes the body, leaving
    a served file open until garbage collection (a ResourceWarning). Production servers close
    it; here the generator's own clean-up does.
    """

    def serve(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return serve


class LiveServer:
    """`app` served by werkzeug's threaded server on 127.0.0.1 (a free port), in a thread.

    Sessions are tied to the browser's address and User-Agent (Flask-Login "strong"), so a test
    client from `test_client()` signs in with the same User-Agent that `headers()` hands on.
    """

    def __init__(self, app):
        import threading

        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, _closing_iterables(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        from contest.core.extensions import db

        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        with self.app.app_context():  # each live app has its own pool: don't keep it open
            db.engine.dispose()

    def test_client(self):
        client = self.app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = LIVE_USER_AGENT
        return client

    def headers(self, client):
        """The headers that carry `client`'s signed-in session to the live server."""
        return {"Cookie": f"session={session_cookie(client)}", "User-Agent": LIVE_USER_AGENT}


@contextmanager
def count_statements(engine):
    """The SQL statements `engine` runs inside the block, as a list that fills as they run."""
    statements = []

    def note(connection, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def insert_old_user(app, email, role=None, contest_id=None):
    """A user (and a grant of `role`) written in SQL, for a database at an earlier revision,
    where today's models would name columns it does not have yet; the user's id."""
    from contest.core.extensions import db
    from tests import factories

    at = datetime(2026, 1, 5, tzinfo=UTC)
    password_hash = factories.user_row().password_hash
    with app.app_context():
        with db.engine.begin() as connection:
            user_id = connection.execute(
                text(
                    "INSERT INTO users (email, name, password_hash, active, created_at, "
                    "email_confirmed_at, session_generation) "
                    "VALUES (:email, '', :hash, :active, :at, :at, 0) RETURNING id"
                ),
                {"email": email, "hash": password_hash, "active": True, "at": at},
            ).scalar_one()
            if role is not None:
                connection.execute(
                    text(
                        "INSERT INTO role_grants (user_id, role, contest_id, created_at) "
                        "VALUES (:user, :role, :contest, :at)"
                    ),
                    {"user": user_id, "role": role, "contest": contest_id, "at": at},
                )
        db.engine.dispose()  # closed first: the migrations that follow use their own
    return user_id


def insert_old_contest(app, name):
    """A contest with one category written in SQL, for a database at a revision before rounds
    (16a0rounds01), whose contests table today's model no longer matches: (id, slug, name and
    categories), as the tests use it."""
    from types import SimpleNamespace

    from contest.core.extensions import db

    slug = name.lower().replace(" ", "-")
    with app.app_context():
        with db.engine.begin() as connection:
            contest_id = connection.execute(
                text(
                    "INSERT INTO contests (name, slug, timezone, description, max_video_seconds, "
                    "max_bytes, entries_per_school_per_category, judges_per_entry, "
                    "normalise_scores, require_full_play, show_live_tally, licence, created_at) "
                    "VALUES (:name, :slug, 'UTC', '', 120, 1000000, 2, 3, :yes, :no, :no, "
                    "'CC BY-NC-ND 4.0', :at) RETURNING id"
                ),
                {"name": name, "slug": slug, "yes": True, "no": False,
                 "at": datetime(2026, 1, 5, tzinfo=UTC)},
            ).scalar_one()  # fmt: skip
            category_id = connection.execute(
                text(
                    "INSERT INTO categories (contest_id, name, description, sort_order) "
                    "VALUES (:contest, 'Cyberbullying', '', 0) RETURNING id"
                ),
                {"contest": contest_id},
            ).scalar_one()
        db.engine.dispose()
    category = SimpleNamespace(id=category_id, contest_id=contest_id, name="Cyberbullying")
    return SimpleNamespace(id=contest_id, slug=slug, name=name, categories=[category])
