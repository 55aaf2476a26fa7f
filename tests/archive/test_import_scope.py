"""A crafted archive stays inside its contest: one test per attack of issue 13, each on an archive
exported for real and then edited, imported into a second instance that has a live contest of its
own (a counted vote, a school and its teacher)."""

import json
import zipfile
from types import SimpleNamespace

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, select

from contest.archive import archive, importing, reading, scope
from contest.auth.accounts import hash_password
from contest.core.extensions import db
from contest.core.models.accounts import Invitation, RoleGrant, User
from contest.core.models.assets import Asset
from contest.core.models.voting import Vote, Voter
from contest.core.storage import get_storage
from contest.voting.counting import contest_tally
from tests import factories
from tests.archive.conftest import make_full_contest
from tests.archive.crafting import (
    OFFSET,
    bytes_written,
    export,
    lie_about_size,
    manifest_of,
    relocated,
    rewrite,
    row_counts,
    stored_keys,
)

NEW = 10 * OFFSET  # ids of the rows an attacker adds
BOMB = 64 * 1024 * 1024  # what a bomb inflates to (the attack's was 300 MB)


@pytest.fixture
def live(target):
    """The target's own contest, live: voting open, one counted vote; a school and its
    teacher (who signs in with factories.PASSWORD)."""
    contest, entries = factories.make_voting_contest(target)
    factories.seed_votes(target, contest, [{"entry": entries[0]}])
    school = factories.make_school(target, name="Hill School")
    teacher = factories.make_user(
        target, roles=[("teacher", school)], email="hill.teacher@example.org"
    )
    with target.app_context():
        voter = db.session.scalar(select(Voter.id).where(Voter.contest_id == contest.id))
    return SimpleNamespace(
        contest=contest, entry=entries[0], school=school, teacher=teacher, voter=voter
    )


@pytest.fixture
def genuine(app, tmp_path):
    """A real export of a full contest, its ids moved clear of the target's; (path, manifest)."""
    contest, ids = make_full_contest(app)
    path = relocated(export(app, contest.id, tmp_path / "export.zip"), tmp_path / "genuine.zip")
    return SimpleNamespace(path=path, manifest=manifest_of(path), contest_id=contest.id + OFFSET)


def crafted(genuine, tmp_path, add=None, change=None):
    """The genuine archive with rows added ({table: [rows]}) and/or `change(tables)` applied."""

    def edit(manifest):
        for name, rows in (add or {}).items():
            manifest["tables"].setdefault(name, []).extend(rows)
        if change:
            change(manifest["tables"])
        return manifest

    return rewrite(genuine.path, tmp_path / "crafted.zip", change_manifest=edit)


def import_report(app, path):
    with app.app_context():
        return importing.import_archive(db.session, db.metadata, path)


def refused_ids(report, table):
    return {row_id for name, row_id, _reason in report.refused if name == table}


def refused_unchanged(target, path, message):
    """The import is refused with `message`; the target's rows and storage are as they were."""
    counts, keys = row_counts(target), stored_keys(target)
    with pytest.raises(archive.ArchiveError, match=message):
        import_report(target, path)
    assert row_counts(target) == counts
    assert stored_keys(target) == keys


def test_every_table_is_scoped_or_excluded_and_every_role_table_is_vetted():
    archived = {*archive.SCOPES, *archive.SHARED, archive.AUDITED}
    for name, table in db.metadata.tables.items():
        assert name in archived or archive.EXCLUDED.get(name), f"{name} is not classified"
        if name in archive.SCOPES and name != "contests":
            targets = {key.column.table.name for key in table.foreign_keys}
            assert targets & archived, f"{name} has no link through which to scope it"
        if "role" in table.c:
            assert name in scope.GRANTS, f"{name} gives roles but is not vetted as a grant"


def test_secret_columns_are_found_by_name_in_the_models():
    archived = {*archive.SCOPES, *archive.SHARED, archive.AUDITED}
    found = {
        (table.name, column)
        for table in db.metadata.sorted_tables
        if table.name in archived
        for column in scope.secret_columns(table)
    }
    assert found == {("users", "password_hash")}
    assert all(
        table in db.metadata.tables and column in db.metadata.tables[table].c
        for table, column in scope.NOT_SECRET
    ), "every column said to hold no secret exists"
    # A column added later and named like a secret is one until someone says otherwise.
    later = Table(
        "users_later", MetaData(), Column("id", Integer, primary_key=True),
        Column("totp_secret", String), Column("recovery_codes", String),
        Column("api_token", String), Column("name", String),
    )  # fmt: skip
    assert scope.secret_columns(later) == ["totp_secret", "recovery_codes", "api_token"]


def test_a_table_the_importer_cannot_scope_is_refused():
    metadata = MetaData()
    Table("contests", metadata, Column("id", Integer, primary_key=True))
    Table("badges", metadata, Column("id", Integer, primary_key=True), Column("name", String))
    Table(
        "stickers", metadata, Column("id", Integer, primary_key=True),
        Column("contest_id", ForeignKey("contests.id")),
    )  # fmt: skip
    tables = {
        "contests": [{"id": 1}],
        "badges": [{"id": 5, "name": "gold"}],
        "stickers": [{"id": 7, "contest_id": 1}, {"id": 8, "contest_id": None}],
    }
    vetting = scope.vet(metadata, tables, 1, {"contests", "badges", "stickers"})
    assert vetting.rows == {
        "contests": [{"id": 1}],
        "badges": [],
        "stickers": [tables["stickers"][0]],
    }
    assert {(name, row_id) for name, row_id, _ in vetting.refused} == {
        ("badges", 5),
        ("stickers", 8),
    }


def test_a_genuine_archive_imports_whole_with_nothing_refused(genuine, target, live):
    report = import_report(target, genuine.path)
    assert report.contest_id == genuine.contest_id
    assert (report.refused, report.secrets) == ([], [])
    assert {name: len(rows) for name, rows in report.imported.items()} == {
        name: len(rows) for name, rows in genuine.manifest["tables"].items() if rows
    }


def test_a_known_password_hash_is_not_imported_and_does_not_sign_in(genuine, target, tmp_path):
    known = hash_password(factories.PASSWORD)

    def with_known_hash(tables):
        for user in tables["users"]:
            user["password_hash"] = known

    report = import_report(target, crafted(genuine, tmp_path, change=with_known_hash))
    users = genuine.manifest["tables"]["users"]
    assert {(name, column) for name, _, column in report.secrets} == {("users", "password_hash")}
    assert {row_id for _, row_id, _ in report.secrets} == {user["id"] for user in users}
    with target.app_context():
        assert db.session.scalars(select(User.password_hash)).all() == [None] * len(users)
    for user in users:
        response = factories.submit(
            target.test_client(), "/auth/login",
            {"email": user["email"], "password": factories.PASSWORD},
        )  # fmt: skip
        assert response.status_code == 200, user["email"]
        assert "Wrong email address or password" in response.get_data(as_text=True)


# Grants an archive must never bring: who gets them is filled in by the test. (The archived
# contest's own organizers and observers are held as invitations: test_held_roles.py.)
WIDE_GRANTS = {
    "organizer everywhere": {"role": "organizer", "contest_id": None},
    "site administrator": {"role": "admin", "contest_id": None},
    "organizer of the live contest": {"role": "organizer", "contest_id": "live"},
    "observer of the live contest": {"role": "observer", "contest_id": "live"},
    "district coordinator": {"role": "coordinator", "contest_id": None},
    "judge everywhere": {"role": "judge", "contest_id": None},
    "judge of the live contest": {"role": "judge", "contest_id": "live"},
    "teacher at a school already here": {"role": "teacher", "school_id": "live"},
}


@pytest.mark.parametrize("kind", WIDE_GRANTS)
def test_grants_wider_than_the_contest_are_not_imported(genuine, target, live, tmp_path, kind):
    places = {"archived": genuine.contest_id, "live": live.contest.id, None: None}
    schools = {"live": live.school.id, None: None}
    wide = WIDE_GRANTS[kind]
    wide = {
        "role": wide["role"],
        "contest_id": places[wide.get("contest_id")],
        "school_id": schools[wide.get("school_id")],
    }
    attacker = {"id": NEW + 1, "email": "attacker@example.net", "name": "A", "active": True,
                "password_hash": hash_password(factories.PASSWORD)}  # fmt: skip
    bystander = {**attacker, "id": NEW + 2, "email": "only.wide@example.net"}
    grants = [
        # The attacker's judge role for the archived contest is in scope: it comes in.
        {"id": NEW + 10, "user_id": attacker["id"], "role": "judge",
         "contest_id": genuine.contest_id, "school_id": None},
        {"id": NEW + 11, "user_id": attacker["id"], **wide},
        {"id": NEW + 12, "user_id": live.teacher.id, **wide},
        {"id": NEW + 13, "user_id": bystander["id"], **wide},
    ]  # fmt: skip
    invitation = {"id": NEW + 20, "email": "attacker@example.net", **wide,
                  "created_at": "2026-01-01T00:00:00+00:00",
                  "expires_at": "2099-01-01T00:00:00+00:00"}  # fmt: skip
    path = crafted(
        genuine, tmp_path,
        add={"users": [attacker, bystander], "role_grants": grants, "invitations": [invitation]},
    )  # fmt: skip
    report = import_report(target, path)

    assert refused_ids(report, "role_grants") == {NEW + 11, NEW + 12, NEW + 13}
    assert refused_ids(report, "invitations") == {NEW + 20}
    assert refused_ids(report, "users") == {NEW + 2}, "a user only a wide grant named stays out"
    with target.app_context():
        crafted_grants = select(RoleGrant).where(RoleGrant.id > NEW)
        assert [(g.user_id, g.role, g.contest_id) for g in db.session.scalars(crafted_grants)] == [
            (attacker["id"], "judge", genuine.contest_id)
        ]
        assert db.session.get(Invitation, NEW + 20) is None
        assert db.session.get(User, attacker["id"]).password_hash is None
        assert db.session.get(User, NEW + 2) is None
        teacher = db.session.get(User, live.teacher.id)
        assert [(g.role, g.contest_id, g.school_id) for g in teacher.grants] == [
            ("teacher", None, live.school.id)
        ]
        assert teacher.password_hash == factories.fetch_user(target, teacher.email).password_hash
        assert not db.session.scalars(select(RoleGrant).where(RoleGrant.role == "organizer")).all()
    # The existing teacher signs in as before and is still no organizer.
    client = target.test_client()
    factories.sign_in(client, live.teacher.email)
    assert client.get("/admin/").status_code == 403


def test_a_counted_vote_for_another_live_contest_is_not_imported(genuine, target, live, tmp_path):
    with target.app_context():
        before = contest_tally(db.session, live.contest)
    contest_id, entry_id = genuine.contest_id, genuine.manifest["tables"]["entries"][0]["id"]
    voter = {"contest_id": live.contest.id, "email_hash": "e" * 64, "email_domain": "x.example",
             "verified_at": "2026-01-01T00:00:00+00:00"}  # fmt: skip
    vote = {
        "receipt": "R-crafted",
        "network_hash": "n" * 64,
        "cast_at": "2026-01-01T00:00:00+00:00",
    }
    add = {
        "voters": [{"id": NEW + 1, **voter}, {**voter, "id": NEW + 2, "contest_id": contest_id,
                                              "email_hash": "f" * 64}],
        "votes": [
            # A vote in the live contest, by a voter the archive brings for it.
            {"id": NEW + 10, **vote, "contest_id": live.contest.id, "voter_id": NEW + 1,
             "entry_id": live.entry.id},
            # By the archive's own voter, for the live entry, said to be the live contest's.
            {"id": NEW + 11, **vote, "receipt": "R-2", "contest_id": live.contest.id,
             "voter_id": NEW + 2, "entry_id": live.entry.id},
            # The live contest's own voter, voting again through the archive.
            {"id": NEW + 12, **vote, "receipt": "R-3", "contest_id": contest_id,
             "voter_id": live.voter, "entry_id": entry_id},
        ],
    }  # fmt: skip
    report = import_report(target, crafted(genuine, tmp_path, add=add))

    assert refused_ids(report, "votes") == {NEW + 10, NEW + 11, NEW + 12}
    assert refused_ids(report, "voters") == {NEW + 1}
    with target.app_context():
        assert contest_tally(db.session, live.contest) == before
        assert db.session.scalars(select(Vote.id).where(Vote.id > NEW)).all() == []
        # The archived contest's own vote came in; its extra voter too (it voted for nothing).
        assert len(db.session.scalars(select(Vote).where(Vote.contest_id == contest_id)).all()) == 1
        assert db.session.get(Voter, NEW + 2).contest_id == contest_id


def _outside_rows(genuine, live):
    tables = genuine.manifest["tables"]
    judge = tables["assignments"][0]["judge_id"]
    school = tables["schools"][0]["id"]
    category = live.contest.categories[0].id
    return {
        "an entry in the live contest's category": {
            "entries": [{"id": NEW + 1, "category_id": category, "school_id": school,
                         "title": "Smuggled", "status": "ready"}],
        },
        "an assignment of a live entry, and the sheet scored on it": {
            "assignments": [{"id": NEW + 1, "judge_id": judge, "entry_id": live.entry.id}],
            "score_sheets": [{"id": NEW + 2, "assignment_id": NEW + 1,
                              "rubric_id": tables["rubrics"][0]["id"], "status": "draft"}],
        },
        "a notice to a school already here": {
            "notices": [{"id": NEW + 1, "school_id": live.school.id, "message": "Hello",
                         "kind": "x"}],
        },
        "an extension in the live contest": {
            "school_extensions": [{"id": NEW + 1, "contest_id": live.contest.id,
                                   "school_id": school, "until": "2099-01-01T00:00:00+00:00",
                                   "reason": "x"}],
        },
        "an audit event about the live contest": {
            "audit_events": [{"id": NEW + 1, "action": "contest.published",
                              "subject_type": "contests", "subject_id": live.contest.id}],
        },
        "a second contest": {
            "contests": [{**tables["contests"][0], "id": NEW + 1, "slug": "second"}],
        },
        "a row of a table archives do not hold": {
            "login_failures": [{"id": NEW + 1, "email": "x@example.org"}],
        },
    }  # fmt: skip


@pytest.mark.parametrize(
    "kind",
    [
        "an entry in the live contest's category",
        "an assignment of a live entry, and the sheet scored on it",
        "a notice to a school already here",
        "an extension in the live contest",
        "an audit event about the live contest",
        "a second contest",
        "a row of a table archives do not hold",
    ],
)
def test_a_row_linked_outside_the_archive_is_refused(genuine, target, live, tmp_path, kind):
    rows = _outside_rows(genuine, live)[kind]
    counts = row_counts(target)
    report = import_report(target, crafted(genuine, tmp_path, add=rows))

    assert {(name, row_id) for name, row_id, _ in report.refused} == {
        (name, row["id"]) for name, table_rows in rows.items() for row in table_rows
    }
    assert all("archive" in reason or "refused" in reason for *_, reason in report.refused)
    imported = {name: len(table_rows) for name, table_rows in report.imported.items()}
    assert imported == {
        name: len(table_rows) for name, table_rows in genuine.manifest["tables"].items()
        if table_rows
    }, "everything else of the archive came in"  # fmt: skip
    after = row_counts(target)
    assert {name: after[name] - counts[name] for name in after if after[name] != counts[name]} == (
        imported
    )


def test_the_cli_prints_what_was_refused_and_why(genuine, target, live, tmp_path):
    grant = {"id": NEW + 1, "user_id": live.teacher.id, "role": "organizer", "contest_id": None,
             "school_id": None}  # fmt: skip
    path = crafted(genuine, tmp_path, add={"role_grants": [grant]})
    counts, keys = row_counts(target), stored_keys(target)
    check = target.test_cli_runner().invoke(args=["archive-import", "--check", str(path)])
    assert check.exit_code == 0, check.output
    assert f"Contest {genuine.contest_id} would be imported" in check.output
    assert f"role_grants {NEW + 1}: the organizer role" in check.output
    assert check.output.endswith("Nothing was imported (--check).\n")
    assert (row_counts(target), stored_keys(target)) == (counts, keys)
    result = target.test_cli_runner().invoke(args=["archive-import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Contest {genuine.contest_id} imported" in result.output
    assert "Refused, not imported (1):" in result.output
    assert f"role_grants {NEW + 1}: the organizer role holds for every contest" in result.output
    assert "Roles given (1 judge, 1 teacher): judges of this contest only" in result.output
    assert "Forgot password" in result.output


def _largest_asset(genuine):
    asset = max(genuine.manifest["tables"]["assets"], key=lambda row: row["id"])
    return asset, f"assets/{asset['id']}"


def _bomb(path, name):
    """Deflate BOMB zero bytes into the zip member `name`, in chunks (little memory)."""
    with zipfile.ZipFile(path, "a") as opened:
        info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with opened.open(info, "w", force_zip64=False) as member:
            for _ in range(BOMB // (1024 * 1024)):
                member.write(bytes(1024 * 1024))
    return path


def _without(source, path, name):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for member in old.namelist():
            if member != name:
                new.writestr(member, old.read(member))
    return path


@pytest.mark.parametrize("declared", ["as before", "as inflated", "with a lying zip header"])
def test_a_zip_bomb_asset_is_refused_early_and_nothing_stays(genuine, target, tmp_path, declared):
    asset, name = _largest_asset(genuine)
    path = _bomb(_without(genuine.path, tmp_path / "bomb.zip", name), name)
    if declared == "as inflated":
        # A consistent forgery: the rows declare the inflated size (and no sha256 to check).
        def inflated(manifest):
            row = next(a for a in manifest["tables"]["assets"] if a["id"] == asset["id"])
            row["size_bytes"], row["sha256"] = BOMB, None
            manifest["files"][str(asset["id"])]["size"] = BOMB
            return manifest

        path = rewrite(path, tmp_path / "inflated.zip", inflated, compression=zipfile.ZIP_DEFLATED)
        message = "more than 100 times: refused as a zip bomb"
    elif declared == "with a lying zip header":
        path = lie_about_size(path, name, asset["size_bytes"])
        message = "the archive is damaged"
    else:
        message = f"is {BOMB:,} bytes in the zip but declared as {asset['size_bytes']:,}"
    before = bytes_written()
    refused_unchanged(target, path, message)
    written = bytes_written() - before
    assert written < 2 * 1024 * 1024, f"{written:,} bytes written for a {BOMB:,}-byte bomb"


def test_a_file_is_cut_off_one_byte_past_its_declared_size(target, tmp_path):
    """The streaming bound itself, on a member whose header is honest but larger than what
    the caller declared: reading stops one byte past it and nothing stays in storage."""
    path = _bomb(tmp_path / "one.zip", "assets/1")
    keys = stored_keys(target)
    refusal = pytest.raises(archive.ArchiveError, match="more than its declared 2,004 bytes")
    with target.app_context(), zipfile.ZipFile(path) as opened, refusal:
        before = bytes_written()
        reading.store_file(opened, "assets/1", get_storage(), "imports/1", "video/mp4", 2004,
                           "0" * 64, "asset 1")  # fmt: skip
    written = bytes_written() - before
    assert written < 64 * 1024, f"{written:,} bytes written"
    assert stored_keys(target) == keys


def test_an_oversize_contest_json_is_refused_before_it_is_read(genuine, target, tmp_path):
    path = _without(genuine.path, tmp_path / "big.zip", archive.MANIFEST)
    with zipfile.ZipFile(path, "a") as opened, opened.open(archive.MANIFEST, "w") as member:
        member.write(json.dumps(genuine.manifest).encode())
        for _ in range(archive.MANIFEST_MAX_BYTES // (1024 * 1024)):
            member.write(b" " * (1024 * 1024))  # JSON allows trailing whitespace
    refused_unchanged(target, path, "contest.json holds more than 134,217,728 bytes")
    # Its header lowered to look small: reading still stops where the header said.
    lie_about_size(path, archive.MANIFEST, 10_000)
    refused_unchanged(target, path, "contest.json is damaged")


def test_the_manifest_bound_is_a_setting(genuine, target, monkeypatch):
    monkeypatch.setitem(target.config, "ARCHIVE_MANIFEST_MAX_BYTES", 1000)
    refused_unchanged(target, genuine.path, "contest.json holds more than 1,000 bytes")


@pytest.mark.parametrize("spelling", [str, str.title])
def test_an_existing_users_email_refuses_the_import_and_leaves_them_as_they_were(
    genuine, target, live, tmp_path, spelling
):
    """People already here are never matched, merged or changed by an archive."""
    user = genuine.manifest["tables"]["users"][0]

    def take_over(tables):
        next(row for row in tables["users"] if row["id"] == user["id"])["email"] = spelling(
            live.teacher.email
        )

    before = factories.fetch_user(target, live.teacher.email)
    refused_unchanged(
        target, crafted(genuine, tmp_path, change=take_over), "hill.teacher@example.org"
    )
    after = factories.fetch_user(target, live.teacher.email)
    assert (after.password_hash, after.name, [(g.role, g.school_id) for g in after.grants]) == (
        before.password_hash, before.name, [(g.role, g.school_id) for g in before.grants],
    )  # fmt: skip


def test_a_bomb_streamed_to_s3_is_cut_off_and_leaves_no_object_or_upload(s3_bucket, tmp_path):
    """On S3 the cut comes mid multipart upload (20 MiB declared, 8 MiB parts): the upload is
    aborted, no object and no open upload stay in the bucket."""
    path = _bomb(tmp_path / "s3.zip", "assets/1")
    declared = 20 * 1024 * 1024
    storage = s3_bucket.storage()
    refusal = pytest.raises(archive.ArchiveError, match=f"more than its declared {declared:,}")
    with zipfile.ZipFile(path) as opened, refusal:
        reading.store_file(opened, "assets/1", storage, "imports/1", "video/mp4", declared,
                           "0" * 64, "asset 1")  # fmt: skip
    assert s3_bucket.object_keys() == []
    assert s3_bucket.open_uploads() == []


def _first(name):
    return lambda tables: tables[name][0]


MALFORMED = {
    "rows that are not a list": (lambda t: t.update(votes="x"), "are not a list of rows"),
    "an id that is a string": (lambda t: _first("users")(t).update(id="7"), "no whole id"),
    "an id that is a boolean": (lambda t: _first("users")(t).update(id=True), "no whole id"),
    "a link that is a string": (
        lambda t: _first("entries")(t).update(category_id="1"),
        "links must be whole numbers",
    ),
    "a column the table lacks": (
        lambda t: _first("users")(t).update(is_superuser=True),
        "unknown columns",
    ),
    "an id twice": (lambda t: t["users"].append(dict(t["users"][0])), "hold an id twice"),
    "a table this instance lacks": (lambda t: t.update(sponsors=[]), "lacks: sponsors"),
    "a subject type that is no name": (
        lambda t: _first("audit_events")(t).update(subject_type=["contests"]),
        "subject type",
    ),
    "a time without its zone": (
        lambda t: _first("contests")(t).update(created_at="2026-01-01T00:00:00"),
        "do not fit",
    ),
}


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_contest_json_is_refused_whole(genuine, target, tmp_path, kind):
    change, message = MALFORMED[kind]
    refused_unchanged(target, crafted(genuine, tmp_path, change=change), message)


def _encrypted(path, name):
    """Set the 'encrypted' flag of member `name` in its central directory entry."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as opened:
        start = opened.start_dir
    position = data.find(b"PK\x01\x02", start)
    while position != -1:
        length = int.from_bytes(data[position + 28 : position + 30], "little")
        if data[position + 46 : position + 46 + length].decode() == name:
            data[position + 8] |= 1
        position = data.find(b"PK\x01\x02", position + 46)
    path.write_bytes(bytes(data))
    return path


def _garbled(path, name):
    """Overwrite bytes in the middle of member `name`'s deflated data."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as opened:
        info = opened.getinfo(name)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle : middle + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [("deeply nested", "contest.json is damaged"), ("encrypted", "contest.json is damaged"),
     ("garbled", "contest.json is damaged")],
)  # fmt: skip
def test_a_damaged_contest_json_is_refused_whole(genuine, target, tmp_path, kind, message):
    name = archive.MANIFEST
    if kind == "deeply nested":
        path = rewrite(genuine.path, tmp_path / "deep.zip", files={name: b"[" * 200_000})
    else:
        path = rewrite(genuine.path, tmp_path / "z.zip", compression=zipfile.ZIP_DEFLATED)
        path = _encrypted(path, name) if kind == "encrypted" else _garbled(path, name)
    refused_unchanged(target, path, message)


def test_a_new_table_nobody_classified_stops_the_import(genuine, target):
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table("sponsors", metadata, Column("id", Integer, primary_key=True))
    counts = row_counts(target)
    with target.app_context(), pytest.raises(archive.ArchiveError, match="sponsors"):
        importing.import_archive(db.session, metadata, genuine.path)
    assert row_counts(target) == counts


@pytest.mark.parametrize("kind", ["text/html", "image/svg+xml", "application/javascript", None])
def test_a_file_this_site_would_serve_as_a_page_or_script_is_refused(
    genuine, target, tmp_path, kind
):
    tables = genuine.manifest["tables"]
    poster = next(a for a in tables["assets"] if a["content_type"] == "image/jpeg")
    entry = next(e for e in tables["entries"] if e["poster_asset_id"] == poster["id"])

    def as_page(tables):
        next(a for a in tables["assets"] if a["id"] == poster["id"])["content_type"] = kind

    report = import_report(target, crafted(genuine, tmp_path, change=as_page))
    reasons = {(name, row_id): reason for name, row_id, reason in report.refused}
    assert reasons[("assets", poster["id"])] == (
        f"its content type {kind!r} is not one this instance keeps files as"
    )
    assert reasons[("entries", entry["id"])].endswith("which is refused"), "and what shows it"
    with target.app_context():
        assert db.session.get(Asset, poster["id"]) is None
    assert not any(key.endswith(poster["key"]) for key in stored_keys(target))
