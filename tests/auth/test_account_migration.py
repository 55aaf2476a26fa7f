"""Migration 13b0account01 keeps everything that worked before it working: accounts count as
confirmed (since they were made) and schools as approved, on SQLite and PostgreSQL."""

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from contest.core.extensions import db
from tests import factories
from tests.helpers import fresh_test_database

BEFORE = "13a0retain01"
CREATED = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def test_existing_accounts_and_schools_migrate_confirmed_and_approved(
    make_app, tmp_path, worker_id
):
    site = make_app(
        SQLALCHEMY_DATABASE_URI=fresh_test_database(tmp_path, worker_id, "account-migration")
    )
    with site.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (email, name, password_hash, active, created_at) "
                    "VALUES ('old@example.org', 'Old Teacher', :hash, :active, :created)"
                ),
                {"hash": factories.user_row().password_hash, "active": True, "created": CREATED},
            )
            connection.execute(
                text(
                    "INSERT INTO schools (name, district, contact_name, contact_email, created_at) "
                    "VALUES ('Old School', 'North', '', '', :created)"
                ),
                {"created": CREATED},
            )
        upgrade()
        with db.engine.connect() as connection:
            confirmed, generation = connection.execute(
                text("SELECT email_confirmed_at, session_generation FROM users")
            ).one()
            status = connection.execute(text("SELECT status FROM schools")).scalar_one()
        db.engine.dispose()
    assert generation == 0
    assert status == "approved"
    assert confirmed is not None and str(confirmed).startswith("2026-03-01 08:30")

    client = site.test_client()
    factories.sign_in(client, "old@example.org")  # the old account still signs in

    with site.app_context():
        downgrade(revision=BEFORE)  # and the way back keeps the rows
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT email FROM users")).scalar_one() == (
                "old@example.org"
            )
        db.engine.dispose()
