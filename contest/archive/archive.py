"""A whole contest in one zip file, and back: every row that belongs to it plus its files' bytes.

The zip holds `contest.json` (the Alembic revision, every exported table's rows by primary key,
and the sha256 and size of every file) and `assets/<asset id>`, each stored file's bytes.

Which rows belong to a contest: the contest and everything hanging from it (categories, rubrics
and criteria, entries, assignments, sheets and scores, judges' categories, extensions, voters
and their codes and votes, results, notices about its entries, invitations and role grants for
it, the conflicts its judges declared, audit events about any of those rows), then the people,
schools and files those rows point to, and the teachers' roles at those schools. Every table
of the metadata is either exported (`SCOPES`, `SHARED`) or left out with a reason (`EXCLUDED`);
a table in neither stops export and import (`unclassified_tables`), so a new table is never
silently forgotten. An export holds exactly what an import accepts (`scope.vet`).

Secrets stay behind (`scope.secret_columns`): users come without their password hashes, so
imported people choose a password through "Forgot password" (or an invitation). Invitations and
vote codes hold no secret (their links are signed, and only hashes are stored), but links signed
by the source instance work on the target only if it shares the SECRET_KEY; voters are
recognised only if it shares VOTER_KEY.

An archive is untrusted input (`scope`): only the rows of its one contest come in, each linked
inside the archive, with no role or secret reaching past the contest; the rest is refused and
reported. Import goes into an instance that holds none of the archive's ids, emails or slug, at
the same schema revision: it refuses an archive whose revision differs, a clash, a damaged zip,
an oversized `contest.json` and a file that exceeds its declared size (stopped while streaming)
or whose sha256 differs, and then leaves the database and the storage as they were. Rows keep
their ids (PostgreSQL sequences are moved past them); files go to the target's storage under
their keys, in one transaction with the rows. The link to the contest this one was cloned from
(`cloned_from_id`) is left out: that contest is not in the archive.
"""

import hashlib
import json
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from contest.archive import reading, scope
from contest.archive.reading import ArchiveError
from contest.auth.services import normalise_email
from contest.core.dbtypes import UTCDateTime
from contest.core.storage import get_storage, storage_for
from contest.core.storage.base import CHUNK_SIZE, StorageError, check_key

FORMAT = "psa-contest-archive"
FORMAT_VERSION = 1
MANIFEST = "contest.json"
ID_SLICE = 500

# Tables of rows owned by one contest: table -> its rows' condition, given the tables and the
# contest id. In dependency order: a condition may use the tables before it.
SCOPES = {
    "contests": lambda t, c: t["contests"].c.id == c,
    "categories": lambda t, c: t["categories"].c.contest_id == c,
    "rubrics": lambda t, c: t["rubrics"].c.contest_id == c,
    "criteria": lambda t, c: t["criteria"].c.rubric_id.in_(_ids(t, "rubrics", c)),
    "judge_categories": lambda t, c: t["judge_categories"].c.category_id.in_(
        _ids(t, "categories", c)
    ),
    "entries": lambda t, c: t["entries"].c.category_id.in_(_ids(t, "categories", c)),
    "assignments": lambda t, c: t["assignments"].c.entry_id.in_(_ids(t, "entries", c)),
    "score_sheets": lambda t, c: t["score_sheets"].c.assignment_id.in_(_ids(t, "assignments", c)),
    "scores": lambda t, c: t["scores"].c.sheet_id.in_(_ids(t, "score_sheets", c)),
    "school_extensions": lambda t, c: t["school_extensions"].c.contest_id == c,
    "voters": lambda t, c: t["voters"].c.contest_id == c,
    "vote_codes": lambda t, c: t["vote_codes"].c.voter_id.in_(_ids(t, "voters", c)),
    "votes": lambda t, c: t["votes"].c.contest_id == c,
    "results": lambda t, c: t["results"].c.contest_id == c,
    "notices": lambda t, c: t["notices"].c.entry_id.in_(_ids(t, "entries", c)),
    "takedown_reports": lambda t, c: t["takedown_reports"].c.entry_id.in_(_ids(t, "entries", c)),
    "invitations": lambda t, c: t["invitations"].c.contest_id == c,
    "role_grants": lambda t, c: t["role_grants"].c.contest_id == c,
    "conflicts": lambda t, c: t["conflicts"].c.judge_id.in_(
        select(t["assignments"].c.judge_id).where(SCOPES["assignments"](t, c))
    ),
}
# Tables shared between contests: exported as far as the contest's rows point to them.
SHARED = ("users", "schools", "assets")
EXCLUDED = {
    "uploads": "uploads in progress: staging files, not stored assets, and they expire",
    "login_failures": "sign-in throttling of this instance, about no contest",
}
AUDITED = "audit_events"  # events whose subject is one of the contest's own rows
# The most contest.json may hold (ARCHIVE_MANIFEST_MAX_BYTES overrides it): the whole manifest
# is parsed in memory, about ten times its size.
MANIFEST_MAX_BYTES = 128 * 1024 * 1024
# How much a file may inflate in the zip: an export stores files as they are (1x); a re-zipped
# archive deflates captions and PDFs a few times. With the declared sizes enforced while reading,
# what an import writes stays within this multiple of the archive's own size.
MAX_INFLATION = 100


def _ids(tables, name, contest_id):
    return select(tables[name].c.id).where(SCOPES[name](tables, contest_id))


def unclassified_tables(metadata):
    """Tables of `metadata` that the archive neither exports nor excludes with a reason."""
    known = set(SCOPES) | set(SHARED) | set(EXCLUDED) | {AUDITED}
    return sorted(set(metadata.tables) - known)


def _check_classified(metadata):
    missing = unclassified_tables(metadata)
    if missing:
        raise ArchiveError(
            f"tables neither archived nor excluded: {', '.join(missing)}; add each to "
            "contest.archive.archive's SCOPES, SHARED or EXCLUDED"
        )


def schema_revision(session):
    """The Alembic revision the database is at (None when it was never migrated)."""
    return MigrationContext.configure(session.connection()).get_current_revision()


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _select_rows(session, table, condition):
    key = list(table.primary_key.columns)
    return [
        {column: _plain(value) for column, value in row._mapping.items()}
        for row in session.execute(select(table).where(condition).order_by(*key))
    ]


def _rows_with_ids(session, table, column, ids):
    """The rows whose `column` is one of `ids`, by primary key; asked in slices, since
    databases cap the parameters of one statement (SQLite at 32,766)."""
    ids = sorted(ids)
    found = []
    for start in range(0, len(ids), ID_SLICE):
        found += _select_rows(session, table, column.in_(ids[start : start + ID_SLICE]))
    key = [column.name for column in table.primary_key.columns]
    return sorted(found, key=lambda row: [row[name] for name in key])


def contest_rows(session, metadata, contest_id):
    """Every exported table's rows for the contest: {table name: [row dicts by primary key]}."""
    _check_classified(metadata)
    tables = metadata.tables
    rows = {name: _select_rows(session, tables[name], where(tables, contest_id))
            for name, where in SCOPES.items()}  # fmt: skip
    audit = tables[AUDITED]
    subjects = [
        and_(audit.c.subject_type == name, audit.c.subject_id.in_(_ids(tables, name, contest_id)))
        for name in SCOPES
    ]
    rows[AUDITED] = _select_rows(session, audit, or_(*subjects))
    shared = _shared_rows(session, metadata, rows)
    users = [row["id"] for row in shared["users"]]
    grants = tables["role_grants"]
    # The people's roles at no contest in particular; `vet` keeps the teachers' at their schools.
    everywhere = _rows_with_ids(session, grants, grants.c.user_id, users)
    rows["role_grants"] = sorted(
        rows["role_grants"] + [grant for grant in everywhere if grant["contest_id"] is None],
        key=lambda row: row["id"],
    )
    rows.update(shared)
    scope.strip_secrets(metadata, rows)
    scope.drop_links(rows)
    return dict(sorted(vet(metadata, rows, contest_id).rows.items()))


def _shared_rows(session, metadata, rows):
    """The users, schools and assets the rows point to, following links between them too."""
    wanted = {name: set() for name in SHARED}
    found = {name: [] for name in SHARED}
    pending = dict(rows)
    while pending:
        for name, table_rows in pending.items():
            for key in metadata.tables[name].foreign_keys:
                target = key.column.table.name
                if target in wanted:
                    wanted[target].update(
                        row[key.parent.name] for row in table_rows if row[key.parent.name]
                    )
        pending = {}
        for name in SHARED:
            have = {row["id"] for row in found[name]}
            new = wanted[name] - have
            if new:
                table = metadata.tables[name]
                added = _rows_with_ids(session, table, table.c.id, new)
                found[name] = sorted(found[name] + added, key=lambda row: row["id"])
                pending[name] = added
    return found


def _copy_asset(storage, asset, member):
    """Stream an asset's bytes from storage into the open zip `member`; (sha256, size)."""
    digest, size = hashlib.sha256(), 0
    try:
        with storage.open(asset["key"]) as source:
            while chunk := source.read(CHUNK_SIZE):
                digest.update(chunk)
                size += len(chunk)
                member.write(chunk)
    except (StorageError, OSError) as error:
        raise ArchiveError(
            f"asset {asset['id']} ({asset['key']}) cannot be read: {error}"
        ) from error
    return digest.hexdigest(), size


def export_contest(session, metadata, contest_id, out):
    """Write the contest's archive as a zip to `out` (a path or a binary file opened for
    writing and seeking); ArchiveError if it has no such contest or a file cannot be read or
    differs from its recorded sha256. Needs an app context (for the storage)."""
    rows = contest_rows(session, metadata, contest_id)
    if not rows["contests"]:
        raise ArchiveError(f"there is no contest {contest_id}")

    files = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for asset in rows["assets"]:
            storage = storage_for(SimpleNamespace(backend=asset["backend"]))
            info = zipfile.ZipInfo(f"assets/{asset['id']}", date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED  # videos and images are compressed already
            with archive.open(info, "w", force_zip64=True) as member:
                sha256, size = _copy_asset(storage, asset, member)
            if asset["sha256"] not in (None, sha256) or size != asset["size_bytes"]:
                raise ArchiveError(
                    f"asset {asset['id']} ({asset['key']}) in storage does not match its "
                    "recorded size and sha256: the stored file has changed"
                )
            files[str(asset["id"])] = {"sha256": sha256, "size": size}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "alembic_revision": schema_revision(session),
            "contest": {"id": contest_id, "slug": rows["contests"][0]["slug"]},
            "files": files,
            "tables": rows,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))


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
        people = len(self.imported.get("users", ()))
        if people:
            lines.append(
                f"{people} imported accounts have no password: each person chooses one through "
                "'Forgot password' on the sign-in page (or an invitation from People)."
            )
        if self.check_only:
            lines.append("Nothing was imported (--check).")
        return lines


def vet(metadata, tables, contest_id):
    """`scope.vet` over the tables an archive may hold."""
    return scope.vet(metadata, tables, contest_id, {*SCOPES, *SHARED, AUDITED})


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
        vetting = vet(metadata, tables, contest_id)
        rows = {name: table_rows for name, table_rows in vetting.rows.items() if table_rows}
        if not rows.get("contests"):
            raise ArchiveError(f"{MANIFEST} holds no contest {contest_id}")
        _check_empty(session, metadata, rows)
        storage = get_storage()
        for asset in rows.get("assets", ()):
            asset["backend"] = storage.name
        files = _check_files(archive, manifest, rows.get("assets", ()), storage)
        kept = {(name, row["id"]) for name, table_rows in rows.items() for row in table_rows}
        secrets = sorted(item for item in secrets if item[:2] in kept)
        report = ImportReport(
            contest_id, dict(sorted(rows.items())), vetting.refused, secrets, check_only
        )
        if check_only:
            return report
        written = _store_files(archive, files, rows.get("assets", ()), storage)
    try:
        for table in metadata.sorted_tables:
            # Rows that name the same columns go together (the others take their defaults).
            groups = defaultdict(list)
            for row in rows.get(table.name, ()):
                groups[tuple(sorted(row))].append(_restore(table, row))
            for group in groups.values():
                session.execute(table.insert(), group)
        _fix_sequences(session, metadata, list(rows))
        session.commit()
    except (SQLAlchemyError, ValueError, TypeError) as error:
        session.rollback()
        _remove(storage, written)
        raise ArchiveError(
            f"the archive's rows do not fit this instance: {getattr(error, 'orig', error)}"
        ) from error
    except BaseException:
        session.rollback()
        _remove(storage, written)
        raise
    return report
