"""Importing a contest archive: the manifest read within limits, every table and file checked,
then the rows and files restored together or not at all."""

import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from contest.archive import reading, scope
from contest.archive.archive import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    MAX_INFLATION,
    _check_classified,
    _rows_with_ids,
    schema_revision,
    vet,
)
from contest.archive.reading import ArchiveError
from contest.auth import invitations
from contest.auth.accounts import normalise_email
from contest.core.dbtypes import UTCDateTime
from contest.core.emails import parse_address
from contest.core.errors import ValidationError
from contest.core.storage import get_storage
from contest.core.storage.base import StorageError, check_key
from contest.core.transaction import unit_of_work


def read_manifest(archive, limit=MANIFEST_MAX_BYTES):
    """The parsed contest.json of an open zip, within `limit` bytes and checked for shape;
    ArchiveError if unusable."""
    manifest = reading.read_json(archive, MANIFEST, limit)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{MANIFEST} is not a PSA Contest archive")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"archive format {manifest.get('format_version')} is not supported "
            f"(this version reads format {FORMAT_VERSION})"
        )
    return manifest


def _whole(value):
    return type(value) is int  # not bool, not float, not a string of digits


def _checked_tables(metadata, manifest):
    """The manifest's rows, {table: [row dicts]}: known tables, known columns, ids and links
    whole numbers, no id twice. ArchiveError if not."""
    tables, contest = manifest.get("tables"), manifest.get("contest")
    if not isinstance(tables, dict) or not isinstance(contest, dict):
        raise ArchiveError(f"{MANIFEST} names no contest or holds no tables")
    unknown = sorted(set(tables) - set(metadata.tables))
    if unknown:
        raise ArchiveError(f"{MANIFEST} holds tables this instance lacks: {', '.join(unknown)}")
    for name, rows in tables.items():
        table = metadata.tables[name]
        links = {"id", scope.SUBJECT[1]} | {key.parent.name for key in table.foreign_keys}
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ArchiveError(f"{MANIFEST}'s {name} are not a list of rows")
        for row in rows:
            extra = sorted(set(row) - set(table.c.keys()))
            if extra or not _whole(row.get("id")):
                raise ArchiveError(f"{name} {row.get('id')!r} has no whole id or unknown columns")
            if not all(row[column] is None or _whole(row[column]) for column in links & set(row)):
                raise ArchiveError(f"{name} {row['id']}: its links must be whole numbers")
            if not isinstance(row.get(scope.SUBJECT[0], ""), str):
                raise ArchiveError(f"{name} {row['id']}: its subject type must be a table name")
        if len({row["id"] for row in rows}) != len(rows):
            raise ArchiveError(f"{MANIFEST}'s {name} hold an id twice")
    if not _whole(contest.get("id")):
        raise ArchiveError(f"{MANIFEST} names no contest")
    return tables


def _check_revision(session, manifest):
    here, there = schema_revision(session), manifest.get("alembic_revision")
    if here is None:
        raise ArchiveError("this database has no schema yet: run `flask --app contest init` first")
    if here != there:
        raise ArchiveError(
            f"the archive is from schema revision {there}, this instance is at {here}: import it "
            "into an instance at the same revision, then upgrade"
        )


def _check_empty(session, metadata, tables):
    """ArchiveError naming what the target already holds that the archive would collide with."""
    contest = tables["contests"][0]
    if session.scalar(
        select(func.count()).where(metadata.tables["contests"].c.slug == contest["slug"])
    ):
        raise ArchiveError(f"this instance already has a contest with the slug {contest['slug']!r}")
    clashes = []
    for name, table_rows in tables.items():
        table = metadata.tables[name]
        taken = _rows_with_ids(session, table, table.c.id, [row["id"] for row in table_rows])
        if taken:
            clashes.append(f"{name} {', '.join(str(row['id']) for row in taken[:5])}")
    users = metadata.tables["users"]
    # Compared in the form addresses are stored in: an archive never takes over an account.
    emails = [normalise_email(str(row.get("email") or "")) for row in tables.get("users", ())]
    clashes += [
        f"the user {row['email']}" for row in _rows_with_ids(session, users, users.c.email, emails)
    ]
    if clashes:
        raise ArchiveError(
            "import only into an empty instance; this one already holds " + "; ".join(clashes[:10])
        )


def _restore(table, row):
    restored = dict(row)
    for column in table.columns:
        value = restored.get(column.name)
        if isinstance(value, str) and isinstance(column.type, UTCDateTime):
            restored[column.name] = datetime.fromisoformat(value)
    return restored


def _check_files(archive, manifest, assets, storage):
    """ArchiveError unless each asset's file is in the zip as its row and the manifest declare
    it (size, at most MAX_INFLATION times its compressed size), under a well-formed key that is
    free in `storage`. Reads no file's bytes; return the manifest's files."""
    files = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    for asset in assets:
        label = f"asset {asset['id']}"
        expected = files.get(str(asset["id"]))
        if not isinstance(expected, dict) or not _whole(expected.get("size")):
            raise ArchiveError(f"{MANIFEST} lacks the size and sha256 of {label}")
        if expected["size"] != asset.get("size_bytes") or asset.get("sha256") not in (
            None, expected.get("sha256"),
        ):  # fmt: skip
            raise ArchiveError(f"{label}'s row and {MANIFEST} disagree on its size or sha256")
        reading.check_file_header(
            archive, f"assets/{asset['id']}", expected["size"], label, MAX_INFLATION
        )
        try:
            check_key(asset.get("key"))
        except StorageError as error:
            raise ArchiveError(f"{label} has a forged storage key: {error}") from error
        try:
            storage.stat(asset["key"])
        except StorageError:
            continue  # nothing there: the key is free
        raise ArchiveError(f"this instance's storage already holds {asset['key']}")
    return files


def _store_files(archive, files, assets, storage):
    """Copy the files of `assets` into `storage` under their keys, each cut off past its
    declared size and checked against its sha256. Return the keys written; on an error, what
    was written is removed."""
    written = []
    try:
        for asset in assets:
            expected = files[str(asset["id"])]
            reading.store_file(
                archive, f"assets/{asset['id']}", storage, asset["key"],
                asset.get("content_type") or "application/octet-stream",
                expected["size"], expected.get("sha256"), f"asset {asset['id']}",
            )  # fmt: skip
            written.append(asset["key"])
    except ArchiveError:
        _remove(storage, written)
        raise
    return written


def _remove(storage, keys):
    for key in keys:
        storage.delete(key)


def _fix_sequences(session, metadata, names):
    """Move PostgreSQL's id sequences past the imported ids, so new rows get fresh ones."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in names:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {name}"
            )
        )


@dataclass
class ImportReport:
    """What an import brought in ({table: rows}) and what it refused, with why."""

    contest_id: int
    imported: dict
    refused: list = field(default_factory=list)  # (table, id, reason)
    secrets: list = field(default_factory=list)  # (table, id, column) of values left out
    check_only: bool = False  # nothing was written: what an import would do
    held: list = field(default_factory=list)  # (email, role): invitations nobody is sent yet

    def lines(self):
        """The report in plain words, a line each."""
        counts = ", ".join(f"{len(rows)} {name}" for name, rows in self.imported.items())
        done = "would be imported" if self.check_only else "imported"
        lines = [f"Contest {self.contest_id} {done}: {counts}."]
        if self.refused:
            lines.append(f"Refused, not imported ({len(self.refused)}):")
            lines += [f"  {name} {row_id}: {reason}" for name, row_id, reason in self.refused]
        if self.secrets:
            lines.append(f"Secrets left out ({len(self.secrets)}): they never leave an instance:")
            lines += [f"  {name} {row_id}: {column}" for name, row_id, column in self.secrets]
        roles = Counter(grant["role"] for grant in self.imported.get("role_grants", ()))
        if roles:
            given = ", ".join(f"{count} {role}" for role, count in sorted(roles.items()))
            lines.append(
                f"Roles given ({given}): judges of this contest only; teachers at the schools the "
                "archive brought, who may enter videos for them once they sign in."
            )
        if self.held:
            lines.append(
                f"Held for you ({len(self.held)}): an archive opens a contest to no one. Each is "
                "an invitation nobody is sent; send those you trust from People:"
            )
            lines += [f"  {role} of this contest: {email}" for email, role in self.held]
        people = len(self.imported.get("users", ()))
        if people:
            lines.append(
                f"{people} imported accounts have no password: each person chooses one through "
                "'Forgot password' on the sign-in page (or an invitation from People)."
            )
        if self.check_only:
            lines.append("Nothing was imported (--check).")
        return lines


def _held_invitations(vetting, users):
    """The (email, role) pairs of the roles `vetting` held, each once, and its refusals with
    those of held roles whose address is unusable. A held invitation already accepted was
    history: its role, if the person kept it, is a held grant."""
    emails = {user["id"]: user.get("email") for user in users}
    held, refused = [], list(vetting.refused)
    for name, row in vetting.held:
        if row.get("accepted_at") is not None:
            continue
        email = row.get("email") if name == "invitations" else emails.get(row.get("user_id"))
        try:
            pair = (parse_address(str(email or "")), row["role"])
        except ValidationError:
            refused.append((name, row["id"], f"its address {email!r} is not one mail can reach"))
            continue
        if pair not in held:
            held.append(pair)
    return sorted(held), sorted(refused, key=lambda item: (item[0], item[1]))


def import_contest(session, metadata, source):
    """`import_archive`, for callers that want only the imported contest's id."""
    return import_archive(session, metadata, source).contest_id


def import_archive(session, metadata, source, check_only=False):
    """Restore a contest archive (a path or a binary file) into this instance: the rows that
    belong to its contest come in, the rest is refused (`scope`). Return an ImportReport.
    ArchiveError, with the database and storage left as they were, if the archive cannot be
    imported at all. `check_only`: vet and report, reading no file's bytes and writing nothing.
    Needs an app context (for the storage and settings); commits."""
    _check_classified(metadata)
    limit = current_app.config.get("ARCHIVE_MANIFEST_MAX_BYTES", MANIFEST_MAX_BYTES)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise ArchiveError(f"this is not a readable zip file: {error}") from error
    with archive:
        manifest = read_manifest(archive, limit)
        _check_revision(session, manifest)
        tables = _checked_tables(metadata, manifest)
        contest_id = manifest["contest"]["id"]
        secrets = []
        scope.strip_secrets(metadata, tables, secrets)
        scope.drop_links(tables)
        vetting = vet(metadata, tables, contest_id, hold=True)
        rows = {name: table_rows for name, table_rows in vetting.rows.items() if table_rows}
        if not rows.get("contests"):
            raise ArchiveError(f"{MANIFEST} holds no contest {contest_id}")
        held, refused = _held_invitations(vetting, rows.get("users", ()))
        _check_empty(session, metadata, rows)
        storage = get_storage()
        for asset in rows.get("assets", ()):
            asset["backend"] = storage.name
        files = _check_files(archive, manifest, rows.get("assets", ()), storage)
        kept = {(name, row["id"]) for name, table_rows in rows.items() for row in table_rows}
        secrets = sorted(item for item in secrets if item[:2] in kept)
        report = ImportReport(
            contest_id, dict(sorted(rows.items())), refused, secrets, check_only, held
        )
        if check_only:
            return report
        written = _store_files(archive, files, rows.get("assets", ()), storage)
    # The rows and the files are one import: the import owns its transaction, so a commit
    # that fails (foreign keys are checked then) removes the files it wrote too.
    try:
        with unit_of_work(session):
            for table in metadata.sorted_tables:
                # Rows that name the same columns go together (the others take their defaults).
                groups = defaultdict(list)
                for row in rows.get(table.name, ()):
                    groups[tuple(sorted(row))].append(_restore(table, row))
                for group in groups.values():
                    session.execute(table.insert(), group)
            _fix_sequences(session, metadata, list(rows))
            max_age = current_app.config["INVITATION_MAX_AGE_SECONDS"]
            for email, role in held:
                invitations.hold_invitation(session, email, role, contest_id, max_age)
    except (SQLAlchemyError, ValueError, TypeError) as error:
        _remove(storage, written)
        raise ArchiveError(
            f"the archive's rows do not fit this instance: {getattr(error, 'orig', error)}"
        ) from error
    except BaseException:
        _remove(storage, written)
        raise
    return report
