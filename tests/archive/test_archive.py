"""The full contest archive: what it holds, the round trip into an empty instance, refusals."""

import hashlib
import json
import zipfile

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, select

from contest.archive import archive, importing
from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.core.models.assets import Asset
from contest.core.models.contests import Contest
from contest.core.storage import get_storage
from tests import factories
from tests.archive.conftest import CAPTIONS, CONSENT, POSTER, VIDEO, make_full_contest


def export(app, contest_id, path):
    with app.app_context():
        archive.export_contest(db.session, db.metadata, contest_id, path)
    return path


def manifest_of(path):
    with zipfile.ZipFile(path) as opened:
        return json.loads(opened.read(archive.MANIFEST))


def stored_files(app):
    """{asset key: bytes} of every asset row of `app`, read back through its storage."""
    with app.app_context():
        storage = get_storage()
        files = {}
        for asset in db.session.scalars(select(Asset)):
            with storage.open(asset.key) as opened:
                files[asset.key] = opened.read()
        return files


def import_into(app, path):
    with app.app_context():
        return importing.import_contest(db.session, db.metadata, path)


def row_counts(app):
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def test_every_table_is_archived_or_excluded_with_a_reason(app):
    assert archive.unclassified_tables(db.metadata) == []
    assert all(reason for reason in archive.EXCLUDED.values())
    assert not set(archive.EXCLUDED) & (set(archive.SCOPES) | set(archive.SHARED))


def test_a_new_table_nobody_classified_stops_the_export(app):
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table("sponsors", metadata, Column("id", Integer, primary_key=True))
    assert archive.unclassified_tables(metadata) == ["sponsors"]
    contest = factories.make_contest(app)
    with app.app_context(), pytest.raises(archive.ArchiveError, match="sponsors"):
        archive.contest_rows(db.session, metadata, contest.id)


def test_the_archive_holds_the_contests_rows_and_files_and_no_secrets(app, tmp_path):
    contest, ids = make_full_contest(app)
    manifest = manifest_of(export(app, contest.id, tmp_path / "a.zip"))
    tables = manifest["tables"]
    with app.app_context():
        head = archive.schema_revision(db.session)
    assert manifest["alembic_revision"] == head
    assert manifest["contest"] == {"id": contest.id, "slug": contest.slug}
    archived = set(archive.SCOPES) | set(archive.SHARED) | {archive.AUDITED}
    assert set(tables) == archived
    assert all(tables[name] for name in archived), "every kind of row is in the test contest"
    assert [row["id"] for row in tables["contests"]] == [contest.id]
    assert "Elsewhere" not in [row["title"] for row in tables["entries"]]
    assert [event["action"] for event in tables["audit_events"]] == [
        "contest.published", "sheet.submitted",
    ]  # fmt: skip
    assert {row["name"] for row in tables["schools"]} == {"Ridge School", "Valley School"}
    assert all(user["password_hash"] is None for user in tables["users"])
    assert ids["teacher"] in {grant["user_id"] for grant in tables["role_grants"]}
    with zipfile.ZipFile(tmp_path / "a.zip") as opened:
        files = {
            name: opened.read(name) for name in opened.namelist() if name.startswith("assets/")
        }
    assert sorted(files.values()) == sorted([VIDEO, VIDEO[:1000], POSTER, CAPTIONS, CONSENT])
    for asset_id, recorded in manifest["files"].items():
        data = files[f"assets/{asset_id}"]
        assert recorded == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def test_round_trip_into_an_empty_instance_loses_nothing(app, target, tmp_path):
    contest, ids = make_full_contest(app)
    first = export(app, contest.id, tmp_path / "first.zip")
    assert import_into(target, first) == contest.id
    second = export(target, contest.id, tmp_path / "second.zip")
    assert manifest_of(second) == manifest_of(first)
    with zipfile.ZipFile(first) as one, zipfile.ZipFile(second) as two:
        assert sorted(one.namelist()) == sorted(two.namelist())
        for name in one.namelist():
            assert one.read(name) == two.read(name), name
    source_files = stored_files(app)
    assert stored_files(target) == {key: source_files[key] for key in stored_files(target)}
    assert len(stored_files(target)) == 5
    with target.app_context():
        # New rows take fresh ids after the imported ones (sequences moved on PostgreSQL).
        new = factories.user_row(email="after.import@example.org")
        db.session.add(new)
        db.session.commit()
        assert new.id > max(db.session.scalars(select(User.id).where(User.id != new.id)))
        teacher = db.session.get(User, ids["teacher"])
        assert teacher.password_hash is None and teacher.has_role("teacher")


def _rewritten(source, path, change_manifest=None, change_file=None):
    """A copy of the archive at `source` with its manifest or one asset's bytes changed."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == archive.MANIFEST and change_manifest:
                data = json.dumps(change_manifest(json.loads(data)))
            elif name.startswith("assets/") and change_file:
                data = change_file(data)
            new.writestr(name, data)
    return path


def _refused(target, path, message):
    before = row_counts(target)
    with pytest.raises(archive.ArchiveError, match=message):
        import_into(target, path)
    assert row_counts(target) == before, "a refused import changes nothing"
    with target.app_context():
        assert not [path for path in get_storage().root.rglob("*") if path.is_file()], (
            "and stores no file"
        )


def test_an_archive_from_another_schema_revision_is_refused(app, target, tmp_path):
    contest, _ = make_full_contest(app)
    first = export(app, contest.id, tmp_path / "first.zip")

    def older(manifest):
        return {**manifest, "alembic_revision": "0123456789ab"}

    _refused(
        target,
        _rewritten(first, tmp_path / "old.zip", change_manifest=older),
        "schema revision 0123456789ab",
    )


def test_a_target_that_is_not_empty_is_refused(app, target, tmp_path):
    contest, _ = make_full_contest(app)
    first = export(app, contest.id, tmp_path / "first.zip")
    import_into(target, first)
    with target.app_context():
        before = stored_files(target)
    _refused_counts = row_counts(target)
    with pytest.raises(archive.ArchiveError, match=f"slug '{contest.slug}'"):
        import_into(target, first)
    assert row_counts(target) == _refused_counts
    assert stored_files(target) == before


def test_ids_already_taken_are_refused(app, target, tmp_path):
    contest, _ = make_full_contest(app)
    first = export(app, contest.id, tmp_path / "first.zip")

    def renamed(manifest):
        manifest["tables"]["contests"][0]["slug"] = "other-slug"
        return manifest

    import_into(target, first)
    before = row_counts(target)
    with pytest.raises(archive.ArchiveError, match="only into an empty instance.*contests"):
        import_into(target, _rewritten(first, tmp_path / "renamed.zip", renamed))
    assert row_counts(target) == before


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"not a zip at all", "not a readable zip"),
        (lambda data: data[: len(data) // 2], "not a readable zip"),
    ],
)
def test_a_corrupt_zip_is_refused(app, target, tmp_path, damage, message):
    contest, _ = make_full_contest(app)
    first = export(app, contest.id, tmp_path / "first.zip")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(damage(first.read_bytes()))
    _refused(target, broken, message)


def test_a_zip_without_a_manifest_is_refused(target, tmp_path):
    path = tmp_path / "plain.zip"
    with zipfile.ZipFile(path, "w") as plain:
        plain.writestr("notes.txt", "hello")
    _refused(target, path, "no contest.json")


def test_a_file_with_a_wrong_sha256_is_refused_and_nothing_is_kept(app, target, tmp_path):
    contest, _ = make_full_contest(app)
    first = export(app, contest.id, tmp_path / "first.zip")
    forged = _rewritten(first, tmp_path / "forged.zip", change_file=lambda data: data[::-1])
    _refused(target, forged, "does not match its sha256")


def test_a_file_changed_in_storage_stops_the_export(app, tmp_path):
    contest, _ = make_full_contest(app)
    with app.app_context():
        asset = db.session.scalars(select(Asset).where(Asset.content_type == "image/jpeg")).one()
        get_storage().path(asset.key).write_bytes(b"tampered")
    with pytest.raises(archive.ArchiveError, match="does not match its recorded size and sha256"):
        export(app, contest.id, tmp_path / "a.zip")


def test_cli_export_then_import(app, target, tmp_path):
    contest, _ = make_full_contest(app)
    path = tmp_path / "cli.zip"
    result = app.test_cli_runner().invoke(args=["archive-export", str(contest.id), str(path)])
    assert result.exit_code == 0, result.output
    assert f"Contest {contest.id} archived" in result.output
    result = target.test_cli_runner().invoke(args=["archive-import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Forgot password" in result.output
    with target.app_context():
        assert db.session.get(Contest, contest.id).slug == contest.slug
    again = target.test_cli_runner().invoke(args=["archive-import", str(path)])
    assert again.exit_code == 1
    assert "already has a contest with the slug" in again.output


def test_cli_refuses_an_unknown_contest(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["archive-export", "999999", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "there is no contest 999999" in result.output


def test_the_organizer_downloads_the_archive_and_it_is_on_record(app, login_as, tmp_path):
    contest, _ = make_full_contest(app)
    response = login_as("organizer").get(f"/admin/archive/{contest.id}.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename={contest.slug}-archive.zip"
    )
    path = tmp_path / "download.zip"
    path.write_bytes(response.get_data())
    response.close()
    assert manifest_of(path)["contest"]["id"] == contest.id
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.subject_id) == ("contest.archive_downloaded", contest.id)
    assert login_as("organizer").get("/admin/archive/999999.zip").status_code == 404


def test_ids_asked_in_slices_give_the_same_rows(app, monkeypatch):
    contest, _ = make_full_contest(app)
    with app.app_context():
        whole = archive.contest_rows(db.session, db.metadata, contest.id)
        monkeypatch.setattr(archive, "ID_SLICE", 2)
        assert archive.contest_rows(db.session, db.metadata, contest.id) == whole
    assert len(whole["users"]) > 2 and len(whole["assets"]) > 2
