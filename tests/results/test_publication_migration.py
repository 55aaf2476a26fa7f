"""Published documents move out of the audit log into their own table (revision 14a0digests01):
every publication made before it, withdrawn ones included, is copied byte for byte, so each
digest ever published still verifies and the public download is the same file."""

import hashlib
from datetime import UTC, datetime
from types import SimpleNamespace

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.results import Publication, Result
from tests import factories
from tests.helpers import fresh_test_database, insert_old_contest, insert_old_user
from tests.results.test_publication import canonical

BEFORE = "13c0uploads01"


def _document(contest, published_at, title, raw):
    return {
        "contest": {"id": contest.id, "name": contest.name, "slug": contest.slug},
        "published_at": published_at.isoformat(),
        "awards": [{"title": title, "figures": {"raw": raw, "interval_90": [70.1, 90.25]}}],
    }


def _event(action, contest, actor, at, **data):
    return AuditEvent(
        action=action, subject_type="contests", subject_id=contest.id, actor_id=actor.id,
        data=data, at=at,
    )  # fmt: skip


def test_past_publications_move_into_their_table_and_still_verify(
    make_app, tmp_path, worker_id, restore_job_queue
):
    site = make_app(
        SQLALCHEMY_DATABASE_URI=fresh_test_database(tmp_path, worker_id, "publications")
    )
    with site.app_context():
        upgrade()
        downgrade(revision=BEFORE)
    contest = insert_old_contest(site, "Safety Awards 2025")
    organizer = SimpleNamespace(id=insert_old_user(site, "organizer@example.org", "organizer"))
    with site.app_context(), db.engine.begin() as connection:  # schools as they were then
        school = SimpleNamespace(
            id=connection.execute(
                text(
                    "INSERT INTO schools (name, district, contact_name, contact_email, "
                    "created_at, status) VALUES ('Old High', '', '', '', :at, 'approved') "
                    "RETURNING id"
                ),  # fmt: skip
                {"at": datetime(2026, 1, 5, tzinfo=UTC)},
            ).scalar_one()
        )
    entry = factories.make_entry(site, contest.categories[0], school, status="ready")
    first_at = datetime(2026, 6, 1, 12, tzinfo=UTC)
    second_at = datetime(2026, 6, 3, 9, tzinfo=UTC)
    first = _document(contest, first_at, "Ünïcode “quotes”", 250 / 3)
    second = _document(contest, second_at, "Be Kind", 83.5)
    first_sha = hashlib.sha256(canonical(first)).hexdigest()
    second_sha = hashlib.sha256(canonical(second)).hexdigest()
    with site.app_context():
        # What the app wrote before the table existed: the documents in the audit log only.
        db.session.add_all([
            _event("contest.published", contest, organizer, first_at, digest=first_sha,
                   payload=first),
            _event("contest.unpublished", contest, organizer, datetime(2026, 6, 2, tzinfo=UTC),
                   digest=first_sha, reason="A sheet was mis-keyed.", payload=first),
            _event("contest.published", contest, organizer, second_at, digest=second_sha,
                   payload=second),
            Result(contest_id=contest.id, category_id=entry.category_id, award="place",
                   place=1, entry_id=entry.id, digest=second_sha, published_at=second_at),
        ])  # fmt: skip
        db.session.get(Contest, contest.id).published_at = second_at
        db.session.commit()
        db.session.remove()

        upgrade()

        rows = db.session.scalars(select(Publication).order_by(Publication.id)).all()
        assert [(row.digest, row.published_at, row.published_by_id) for row in rows] == [
            (first_sha, first_at, organizer.id), (second_sha, second_at, organizer.id),
        ]  # fmt: skip
        for row in rows:  # every digest verifies against its own document's bytes
            assert hashlib.sha256(row.document.encode("utf-8")).hexdigest() == row.digest
        assert rows[0].withdrawn_at == datetime(2026, 6, 2, tzinfo=UTC)
        assert rows[0].withdraw_reason == "A sheet was mis-keyed."
        assert rows[1].withdrawn_at is None

    download = site.test_client().get(f"/contests/{contest.slug}/results.json")
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == second_sha
