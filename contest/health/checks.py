"""Whether the parts the app stands on answer: the database, the storage and the job queue."""

from sqlalchemy import text

from contest.core.extensions import db
from contest.core.jobs import huey
from contest.core.storage import get_storage


def check_database():
    db.session.execute(text("SELECT 1"))


def check_storage():
    get_storage().check()


def check_queue():
    huey.pending_count()  # a round trip to Redis, or a query of the SQLite queue


CHECKS = {"database": check_database, "storage": check_storage, "queue": check_queue}


def run_checks(checks=None):
    """{part: None when it answers, else the exception it raised}, every part tried."""
    failures = {}
    for part, check in (checks or CHECKS).items():
        try:
            check()
        except Exception as exc:  # any failure means the part is down; the caller reports it
            failures[part] = exc
        else:
            failures[part] = None
    return failures
