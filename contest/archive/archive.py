"""A whole contest in one zip file, and back: every row that belongs to it plus its files' bytes.

The zip holds `contest.json` (the Alembic revision, every exported table's rows by primary key,
and the sha256 and size of every file) and `assets/<asset id>`, each stored file's bytes.

Which rows belong to a contest: the contest and everything hanging from it (categories, rubrics
and criteria, entries, assignments, sheets and scores, judges' categories, extensions, voters
and their codes and votes, results, notices about its entries, invitations and role grants for
it, the conflicts its judges declared, audit events about any of those rows), then the people,
schools and files those rows point to, and those people's contest-wide role grants. Every table
of the metadata is either exported (`SCOPES`, `SHARED`) or left out with a reason (`EXCLUDED`);
a table in neither stops export and import (`unclassified_tables`), so a new table is never
silently forgotten.

Secrets stay behind: users come without their password hashes, so imported accounts sign in
after "forgot password". Invitations and vote codes hold no secret (their links are signed, and
only hashes are stored), but links signed by the source instance work on the target only if it
shares the SECRET_KEY; voters are recognised only if it shares VOTER_KEY.

Import goes into an empty instance at the same schema revision: it refuses an archive whose
revision differs, a slug, email, school or id already present, a damaged zip and a file whose
sha256 does not match, and then leaves the database and the storage as they were. Rows keep
their ids (PostgreSQL sequences are moved past them); files go to the target's storage under
their keys. The link to the contest this one was cloned from (`cloned_from_id`) is dropped:
that contest is not in the archive.
"""

import hashlib
import io
import json
import zipfile
from datetime import datetime
from types import SimpleNamespace

from alembic.migration import MigrationContext
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.exc import IntegrityError

from contest.dbtypes import UTCDateTime
from contest.storage import get_storage, storage_for
from contest.storage.base import CHUNK_SIZE, StorageError

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
# Columns whose values never leave the instance.
SECRETS = {"users": ("password_hash",)}


class ArchiveError(Exception):
    """The archive cannot be made or imported; the message says why."""


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
    schools = {row["id"] for row in shared["schools"]}
    grants = tables["role_grants"]
    # The people's contest-wide roles, where their school (if any) comes along too.
    everywhere = _rows_with_ids(session, grants, grants.c.user_id, users)
    rows["role_grants"] = sorted(
        rows["role_grants"]
        + [
            grant
            for grant in everywhere
            if grant["contest_id"] is None and grant["school_id"] in (None, *schools)
        ],
        key=lambda row: row["id"],
    )
    rows.update(shared)
    for name, columns in SECRETS.items():
        for row in rows[name]:
            row.update(dict.fromkeys(columns))
    return dict(sorted(rows.items()))


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


def read_manifest(archive):
    """The parsed contest.json of an open zip, checked for shape; ArchiveError if unusable."""
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise ArchiveError(f"this zip has no {MANIFEST}: it is not a contest archive") from None
    except (ValueError, zipfile.BadZipFile) as error:
        raise ArchiveError(f"{MANIFEST} is damaged: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{MANIFEST} is not a PSA Contest archive")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"archive format {manifest.get('format_version')} is not supported "
            f"(this version reads format {FORMAT_VERSION})"
        )
    return manifest


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
    emails = [row["email"] for row in tables["users"]]
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


class _Hashing(io.RawIOBase):
    """A stream over a zip member that hashes and counts what is read through it."""

    def __init__(self, source):
        self.source, self.digest, self.size = source, hashlib.sha256(), 0

    def readable(self):
        return True

    def read(self, size=-1):
        chunk = self.source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _store_files(archive, manifest, storage):
    """Copy every file into `storage` under its asset's key, checking its sha256 and size;
    return the keys written. On an error, what was written is removed."""
    written = []
    try:
        for asset in manifest["tables"]["assets"]:
            expected = manifest["files"].get(str(asset["id"]))
            name = f"assets/{asset['id']}"
            if expected is None or name not in archive.namelist():
                raise ArchiveError(f"the archive lacks the file of asset {asset['id']}")
            try:
                storage.stat(asset["key"])
            except StorageError:
                pass
            else:
                raise ArchiveError(f"this instance's storage already holds {asset['key']}")
            with archive.open(name) as member:
                stream = _Hashing(member)
                storage.save(asset["key"], stream, asset["content_type"])
            written.append(asset["key"])
            if (stream.digest.hexdigest(), stream.size) != (expected["sha256"], expected["size"]):
                raise ArchiveError(
                    f"the file of asset {asset['id']} does not match its sha256 "
                    f"({stream.digest.hexdigest()}, expected {expected['sha256']}): "
                    "the archive is damaged"
                )
    except (zipfile.BadZipFile, OSError, StorageError) as error:
        _remove(storage, written)
        raise ArchiveError(f"the archive is damaged: {error}") from error
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


def import_contest(session, metadata, source):
    """Restore a contest archive (a path or a binary file) into this empty instance; return the
    contest's id. ArchiveError, with the database and storage left as they were, if it cannot.
    Needs an app context (for the storage); commits."""
    _check_classified(metadata)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"this is not a readable zip file: {error}") from error
    with archive:
        manifest = read_manifest(archive)
        _check_revision(session, manifest)
        tables = manifest.get("tables") or {}
        unknown = sorted(set(tables) - set(metadata.tables))
        if unknown or not tables.get("contests"):
            raise ArchiveError(f"{MANIFEST} holds no contest, or unknown tables {unknown}")
        _check_empty(session, metadata, tables)
        storage = get_storage()
        for asset in tables["assets"]:
            asset["backend"] = storage.name
        contest = tables["contests"][0]
        contest["cloned_from_id"] = None
        written = _store_files(archive, manifest, storage)
    try:
        for table in metadata.sorted_tables:
            if tables.get(table.name):
                session.execute(
                    table.insert(), [_restore(table, row) for row in tables[table.name]]
                )
        _fix_sequences(session, metadata, [name for name in tables if name in metadata.tables])
        session.commit()
    except IntegrityError as error:
        session.rollback()
        _remove(storage, written)
        raise ArchiveError(
            f"the archive's rows clash with this instance's: {error.orig}"
        ) from error
    except Exception:
        session.rollback()
        _remove(storage, written)
        raise
    return contest["id"]
