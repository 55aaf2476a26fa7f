"""A whole contest in one zip file, and back: every row that belongs to it plus its files' bytes.

The zip holds `contest.json` (the Alembic revision, every exported table's rows by primary key,
and the sha256 and size of every file) and `assets/<asset id>`, each stored file's bytes.

Which rows belong to a contest: the contest and everything hanging from it (categories, rounds
and their advancements, rubrics and criteria, entries, assignments, sheets and scores, judges'
categories, extensions, voters and their codes and votes, results, notices about its entries,
invitations and role grants for it, the conflicts its judges declared, audit events about any of
those rows), then the people, schools, districts and files those rows point to, and the
teachers' roles at those schools.
Every table of the metadata is either exported (`SCOPES`, `SHARED`) or left out with a reason
(`EXCLUDED`); a table in neither stops export and import (`unclassified_tables`), so a new table
is never silently forgotten. An export holds exactly what an import accepts (`scope.vet`).

Secrets stay behind (`scope.secret_columns`): users come without their password hashes, so
imported people choose a password through "Forgot password" (or an invitation). Invitations and
vote codes hold no secret (their links are signed, and only hashes are stored), but links signed
by the source instance work on the target only if it shares the SECRET_KEY; voters are
recognised only if it shares VOTER_KEY.

An archive is untrusted input (`scope`): only the rows of its one contest come in, each linked
inside the archive, with no role or secret reaching past the contest; the rest is refused and
reported. The contest's organizers and observers travel, but an import only holds them, as
invitations for the site administrator to send.
Import goes into an instance that holds none of the archive's ids, emails or slug, at
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
from datetime import datetime
from types import SimpleNamespace

from alembic.migration import MigrationContext
from sqlalchemy import and_, or_, select

from contest.archive import scope
from contest.archive.reading import ArchiveError
from contest.core.storage import storage_for
from contest.core.storage.base import CHUNK_SIZE, StorageError

FORMAT = "psa-contest-archive"
FORMAT_VERSION = 1
MANIFEST = "contest.json"
ID_SLICE = 500

# Tables of rows owned by one contest: table -> its rows' condition, given the tables and the
# contest id. In dependency order: a condition may use the tables before it.
SCOPES = {
    "contests": lambda t, c: t["contests"].c.id == c,
    "categories": lambda t, c: t["categories"].c.contest_id == c,
    "rounds": lambda t, c: t["rounds"].c.contest_id == c,
    "advancements": lambda t, c: t["advancements"].c.round_id.in_(_ids(t, "rounds", c)),
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
    "publications": lambda t, c: t["publications"].c.contest_id == c,
    "notices": lambda t, c: t["notices"].c.entry_id.in_(_ids(t, "entries", c)),
    "takedown_reports": lambda t, c: t["takedown_reports"].c.entry_id.in_(_ids(t, "entries", c)),
    "invitations": lambda t, c: t["invitations"].c.contest_id == c,
    "role_grants": lambda t, c: t["role_grants"].c.contest_id == c,
    "conflicts": lambda t, c: t["conflicts"].c.judge_id.in_(
        select(t["assignments"].c.judge_id).where(SCOPES["assignments"](t, c))
    ),
}
# Tables shared between contests: exported as far as the contest's rows point to them.
SHARED = ("users", "schools", "districts", "assets")
EXCLUDED = {
    "district_domains": "how this instance routes teachers' registrations, about no contest",
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
    # The export keeps the organizers' and observers' grants: the import holds them.
    return dict(sorted(vet(metadata, rows, contest_id, hold=False).rows.items()))


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


def vet(metadata, tables, contest_id, hold=True):
    """`scope.vet` over the tables an archive may hold."""
    return scope.vet(metadata, tables, contest_id, {*SCOPES, *SHARED, AUDITED}, hold)
