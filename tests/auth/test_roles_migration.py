"""Migration 15a0roles01: an organizer grant without a contest (it opened every contest) becomes
the site administrator's, so nothing changes for an existing instance; an organizer's grant of
one contest stays that contest's. On SQLite and PostgreSQL, both ways."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from contest.core.extensions import db
from tests import factories
from tests.helpers import fresh_test_database, insert_old_contest, insert_old_user

BEFORE = "14a0digests01"
CREATED = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def _insert(connection, sql, **values):
    return connection.execute(text(sql), values)


def test_organizers_of_every_contest_become_site_administrators(make_app, tmp_path, worker_id):
    site = make_app(
        SQLALCHEMY_DATABASE_URI=fresh_test_database(tmp_path, worker_id, "roles-migration")
    )
    with site.app_context():
        upgrade(revision=BEFORE)  # the users and contests tables are as they are today
    insert_old_user(site, "boss@example.org", "organizer")
    narrow = insert_old_user(site, "narrow@example.org")
    contest = insert_old_contest(site, "Old Awards").id
    with site.app_context():
        with db.engine.begin() as connection:
            grant = "INSERT INTO role_grants (user_id, role, contest_id, created_at) "
            _insert(connection, grant + "VALUES (:u, 'organizer', :c, :at)",
                    u=narrow, c=contest, at=CREATED)  # fmt: skip
            _insert(
                connection,
                "INSERT INTO invitations (email, role, created_at, expires_at) "
                "VALUES ('new@example.org', 'organizer', :at, :until)",
                at=CREATED, until=CREATED + timedelta(days=7),
            )  # fmt: skip
        upgrade()
        with db.engine.connect() as connection:
            grants = connection.execute(
                text(
                    "SELECT u.email, g.role, g.contest_id FROM role_grants g "
                    "JOIN users u ON u.id = g.user_id ORDER BY u.email"
                )  # fmt: skip
            ).all()
            invited = connection.execute(text("SELECT role FROM invitations")).scalar_one()
        with db.engine.begin() as connection, pytest.raises(IntegrityError):
            _insert(connection, "INSERT INTO role_grants (user_id, role, created_at) "
                    "VALUES (:u, 'organizer', :at)", u=narrow, at=CREATED)  # fmt: skip
        db.engine.dispose()
    assert [tuple(row) for row in grants] == [
        ("boss@example.org", "admin", None),
        ("narrow@example.org", "organizer", contest),
    ]
    assert invited == "admin"

    client = site.test_client()
    factories.sign_in(client, "boss@example.org")
    assert client.get("/admin/contests/new").status_code == 200  # still makes contests

    with site.app_context():
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            roles = connection.execute(text("SELECT role FROM role_grants ORDER BY id")).scalars()
            assert list(roles) == ["organizer", "organizer"]
        db.engine.dispose()
