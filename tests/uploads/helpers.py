"""Helpers for the upload tests: contest changes behind the services' back, files, tus requests
through the Flask test client."""

import base64
import hashlib
import secrets
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text, update

from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.uploads import Upload

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"


def naive_utc(delta):
    """Now plus `delta`, naive: the form a contest in UTC takes its phases in."""
    return (datetime.now(UTC) + delta).replace(tzinfo=None)


def set_contest(app, contest, **values):
    """Change a contest's row directly (limits, deadlines)."""
    with app.app_context():
        db.session.execute(update(Contest).where(Contest.id == contest.id).values(**values))
        db.session.commit()


def close_submissions(app, contest, ago=timedelta(minutes=1)):
    """Move the contest's deadline `ago` into the past."""
    now = datetime.now(UTC)
    set_contest(
        app,
        contest,
        submissions_open_at=now - timedelta(days=2),
        submissions_close_at=now - ago,
    )


def sha256_of(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def random_file(folder, size, name="random.bin"):
    """A file of `size` random bytes (not a video)."""
    path = Path(folder) / name
    path.write_bytes(secrets.token_bytes(size))
    return path


def metadata(**pairs):
    """An Upload-Metadata header value."""
    return ",".join(
        f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in pairs.items()
    )


def create(
    client, entry_id, length, filename="psa.mp4", filetype="video/mp4", data=None, **headers
):
    """POST a tus creation request (with a first chunk if `data`); the response."""
    return client.post(
        "/uploads/files",
        data=data,
        headers={
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": metadata(entry_id=entry_id, filename=filename, filetype=filetype),
            **headers,
        },
    )


def patch(client, location, offset, data, **headers):
    return client.patch(
        location,
        data=data,
        headers={**TUS, "Upload-Offset": str(offset), "Content-Type": OFFSET_TYPE, **headers},
    )


def head(client, location):
    return client.head(location, headers=TUS)


def upload_row(app, upload_id):
    """The Upload row (detached), or None."""
    with app.app_context():
        upload = db.session.get(Upload, upload_id)
        if upload is not None:
            db.session.expunge(upload)
        return upload


def uploads(app):
    with app.app_context():
        return db.session.scalars(select(Upload)).all()


@contextmanager
def refused_inserts(app, table):
    """While the block runs, the database itself refuses every INSERT into `table` (a trigger
    raising an error, on SQLite and PostgreSQL): a real failure at that step, nothing mocked."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        with db.engine.begin() as connection:
            if postgres:
                connection.execute(
                    text(
                        "CREATE OR REPLACE FUNCTION psa_refuse_insert() RETURNS trigger AS $$ "
                        "BEGIN RAISE EXCEPTION 'insert refused by the test'; END $$ "
                        "LANGUAGE plpgsql"
                    )
                )
                connection.execute(
                    text(
                        f"CREATE TRIGGER psa_refuse_{table} BEFORE INSERT ON {table} "
                        "FOR EACH ROW EXECUTE FUNCTION psa_refuse_insert()"
                    )
                )
            else:
                connection.execute(
                    text(
                        f"CREATE TRIGGER psa_refuse_{table} BEFORE INSERT ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'insert refused by the test'); END"
                    )
                )
    try:
        yield
    finally:
        with app.app_context(), db.engine.begin() as connection:
            on_table = f" ON {table}" if postgres else ""
            connection.execute(text(f"DROP TRIGGER IF EXISTS psa_refuse_{table}{on_table}"))
