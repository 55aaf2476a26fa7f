"""Migration 15b0district01: free-text districts become District rows, one per name however it
was typed (case, spacing), with every merge logged; schools and conflicts point at them, so
automatic conflicts no longer depend on spelling. On SQLite and PostgreSQL, both ways; and the
demo's data (published digests included) survives the way down and back."""

import hashlib
import logging
from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from contest.core.extensions import db
from contest.core.models.entries import District, School
from contest.core.models.judging import Conflict
from contest.core.models.results import Publication
from devtools.demo import DEMO_PASSWORD, ORGANIZER, seed_demo
from devtools.demo_judging import seed_demo_judging
from devtools.demo_videos import seed_demo_videos
from tests import factories
from tests.helpers import fresh_test_database, insert_old_user

BEFORE = "15a0roles01"
CREATED = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def _school(connection, name, district):
    connection.execute(
        text(
            "INSERT INTO schools (name, district, contact_name, contact_email, created_at, "
            "status) VALUES (:name, :district, '', '', :at, 'approved')"
        ),  # fmt: skip
        {"name": name, "district": district, "at": CREATED},
    )


def test_districts_typed_differently_become_one(make_app, tmp_path, worker_id, caplog):
    site = make_app(
        SQLALCHEMY_DATABASE_URI=fresh_test_database(tmp_path, worker_id, "district-migration")
    )
    with site.app_context():
        upgrade(revision=BEFORE)
    judge = insert_old_user(site, "judge@example.org", "judge")
    with site.app_context():
        with db.engine.begin() as connection:
            _school(connection, "Kailua High", "North Shore")
            _school(connection, "Kahuku High", "North Shore")
            _school(connection, "Waialua High", "north  shore ")
            _school(connection, "Kapolei High", "Leeward")
            _school(connection, "Home School", "")
            connection.execute(
                text("INSERT INTO conflicts (judge_id, district, source, reason, created_at) "
                     "VALUES (:judge, 'NORTH SHORE', 'declared', 'Lives there', :at)"),
                {"judge": judge, "at": CREATED},
            )  # fmt: skip
        with caplog.at_level(logging.WARNING):
            upgrade()
        schools = {
            school.name: school.district_name for school in db.session.scalars(select(School))
        }
        names = sorted(db.session.scalars(select(District.name)))
        conflict = db.session.scalar(select(Conflict))
        conflict_district = conflict.district.name
        db.session.remove()
        db.engine.dispose()
    assert names == ["Leeward", "North Shore"]
    assert schools == {
        "Kailua High": "North Shore", "Kahuku High": "North Shore", "Waialua High": "North Shore",
        "Kapolei High": "Leeward", "Home School": "",
    }  # fmt: skip
    assert conflict_district == "North Shore"
    assert "'NORTH SHORE', 'North Shore', 'north  shore ' are one district now: North Shore" in (
        caplog.text
    )

    with site.app_context():
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            back = dict(connection.execute(text("SELECT name, district FROM schools")).all())
        db.engine.dispose()
    assert back["Waialua High"] == "North Shore" and back["Home School"] == ""


def test_the_demo_survives_the_way_down_and_back(make_app, tmp_path, worker_id):
    site = make_app(
        SQLALCHEMY_DATABASE_URI=fresh_test_database(tmp_path, worker_id, "district-demo")
    )
    with site.app_context():
        upgrade()
        seed_demo(db.session)
        db.session.commit()
    # Videos (the shortest) so that last year's contest is judged and published, as the demo's is.
    seed_demo_videos(site, seconds=1, height=90)
    with site.app_context():
        seed_demo_judging(db.session)
        db.session.commit()
        before = {s.name: s.district_name for s in db.session.scalars(select(School))}
        publications = [(p.document, p.digest) for p in db.session.scalars(select(Publication))]
        db.session.remove()
        downgrade(revision="14a0digests01")
        upgrade()
        after = {s.name: s.district_name for s in db.session.scalars(select(School))}
        kept = [(p.document, p.digest) for p in db.session.scalars(select(Publication))]
        db.session.remove()
        db.engine.dispose()
    assert after == before and len(set(before.values())) == 3
    assert publications and kept == publications
    for document, digest in kept:
        assert hashlib.sha256(document.encode()).hexdigest() == digest
    client = site.test_client()
    response = factories.sign_in(client, ORGANIZER, DEMO_PASSWORD)
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/contests/new").status_code == 200  # still the site administrator
