"""What an archive may bring into an instance: the rows of its one contest, and nothing that
reaches past it.

An archive is a file from elsewhere, so its rows are vetted before any is written, by rules
read from the SQLAlchemy metadata rather than listed per table (a table added later is covered):
- only the archive's own contest row comes in; every foreign key of every row points at a row
  the archive itself brings (and that comes in), never at a row already here; rows that lose
  their target this way go too, and so on down;
- every row must be connected, through those keys, to the contest: a row about nothing in it
  (a user only a refused grant named, a table the importer cannot scope) stays out;
- roles: only roles (and invitations to them) for this contest, or a teacher's role at a school
  the archive brings; roles for every contest, another contest or a district never come in (they
  would reach past the contest). Judges' and teachers' roles are given; organizers' and
  observers' are held (`held`): the import makes each an invitation nobody is sent until the
  site administrator sends it, so a file from elsewhere never opens a contest's inside;
- secret-like columns (`secret_columns`: names like password, secret, token, totp, hash, key,
  except those `NOT_SECRET` lists with a reason) are never exported nor imported;
- files only of the content types this instance stores (`STORED_TYPES`), never a page or
  script it would serve from its own origin.
What is refused is listed with its reason; the rest is imported (`vet`).
"""

import re
from collections import defaultdict, deque
from dataclasses import dataclass, field

from contest.core.permissions import INSIDE_ROLES
from contest.core.statuses import Role

# Tables whose rows give a role, at once or once accepted.
GRANTS = ("role_grants", "invitations")
# Roles an archive may bring, scoped to its contest. Those that see its inside (organizer,
# observer) an import holds as unsent invitations: who manages or watches the imported contest is
# the site administrator's to decide on this instance, never the archive's.
CONTEST_ROLES = (Role.JUDGE, Role.TEACHER, *sorted(INSIDE_ROLES))
# Links an archive leaves behind by design: what they point at is not in it.
DROPPED_LINKS = {("contests", "cloned_from_id"): "the contest it was cloned from stays behind"}
# The polymorphic link of audit events: (type column, id column).
SUBJECT = ("subject_type", "subject_id")

# The content types this instance stores files as (uploads: a video type, or unknown bytes until
# sniffed; web videos, posters, consent forms, captions). A file declared as anything else (HTML,
# SVG, a script) would be served from this site's own origin.
STORED_TYPES = re.compile(
    r"video/[a-z0-9][a-z0-9.+-]{0,60}|image/jpeg|image/png|text/vtt|application/pdf"
    r"|application/octet-stream"
)
SECRET_NAME = re.compile(r"pass|secret|token|totp|otp|salt|hash|key|pin$|recovery|private", re.I)
# Columns named like secrets that hold none, with why they travel. A new column named like a
# secret is treated as one until it is added here.
NOT_SECRET = {
    ("assets", "key"): "where the file is stored, not a credential (checked by check_key)",
    ("voters", "email_hash"): "the voter's keyed pseudonym, needed for one vote per person",
    ("vote_codes", "code_hash"): "the hash of a one-time code that expired minutes after use",
    ("vote_codes", "link_hash"): "the hash of a one-time link that expired minutes after use",
    ("vote_codes", "network_hash"): "a keyed pseudonym of the network a code was asked from",
    ("votes", "network_hash"): "a keyed pseudonym of the network a vote came from",
    ("districts", "name_key"): "the district's name case-folded, to match names however typed",
}


def secret_columns(table):
    """Names of `table`'s columns that never leave their instance."""
    return [
        column.name
        for column in table.columns
        if SECRET_NAME.search(column.name) and (table.name, column.name) not in NOT_SECRET
    ]


def grant_refusal(row, contest_id, school_ids):
    """Why a role grant or invitation `row` reaches past contest `contest_id` (None if it does
    not): a teacher's role may hold at a school the archive brings (`school_ids`), since
    teachers' roles are per school; any other contest role must name this contest."""
    role, scope = row.get("role"), row.get("contest_id")
    if role == Role.COORDINATOR:
        return "the coordinator role is not given by an archive: name the district's here"
    if role not in CONTEST_ROLES or (scope is None and role != Role.TEACHER):
        return f"the {role} role holds for every contest of this instance"
    if scope == contest_id:
        return None
    if scope is None and row.get("school_id") in school_ids:
        return None
    if scope is None:
        return f"the {role} role at a school the archive does not bring"
    return f"the {role} role in contest {scope}, not the archived one"


def held(name, row):
    """Is `row` of table `name` a role an import holds rather than gives (`INSIDE_ROLES`)?"""
    return name in GRANTS and row.get("role") in INSIDE_ROLES


@dataclass
class Vetting:
    """The rows to import ({table: [rows]}), what was refused: [(table, id, reason)], and the
    roles held for the site administrator: [(table, row)]."""

    rows: dict
    refused: list = field(default_factory=list)
    held: list = field(default_factory=list)


def strip_secrets(metadata, tables, dropped=None):
    """Blank every secret column of `tables` ({name: rows}) in place; a NOT NULL one leaves the
    row, so the target's default fills it. Non-empty values found go to `dropped` as
    (table, id, column)."""
    for name, rows in tables.items():
        table = metadata.tables[name]
        for column in secret_columns(table):
            nullable = table.c[column].nullable
            for row in rows:
                if row.get(column) is not None and dropped is not None:
                    dropped.append((name, row.get("id"), column))
                if nullable:
                    row[column] = None
                else:
                    row.pop(column, None)


def drop_links(tables):
    """Blank, in place, the links an archive leaves behind by design (`DROPPED_LINKS`)."""
    for name, column in DROPPED_LINKS:
        for row in tables.get(name, ()):
            row[column] = None


def _links(metadata, name, row):
    """(column, target table, target id) of each link `row` of table `name` makes."""
    table = metadata.tables[name]
    for key in table.foreign_keys:
        value = row.get(key.parent.name)
        if value is not None and (name, key.parent.name) not in DROPPED_LINKS:
            yield key.parent.name, key.column.table.name, value
    if SUBJECT[0] in table.c and SUBJECT[1] in table.c:
        yield SUBJECT[1], row.get(SUBJECT[0]), row.get(SUBJECT[1])


def vet(metadata, tables, contest_id, importable, hold=True):
    """Split the archive's `tables` ({name: rows}) into what may come in and what may not,
    for the contest `contest_id`. `importable`: the table names an archive may hold rows of.
    `hold` (the default, so a caller that forgets fails closed): set the roles an import only
    holds (`held`) apart, with their history; only an export, writing what an import will vet
    again, passes False. Rows are dicts with an integer "id" (checked before)."""
    refused = []
    brought = {name: {row["id"] for row in rows} for name, rows in tables.items()}
    accepted = {name: {} for name in tables}
    for name, rows in tables.items():
        for row in rows:
            reason = _row_refusal(name, row, contest_id, brought, importable)
            if reason:
                refused.append((name, row.get("id"), reason))
            else:
                accepted[name][row["id"]] = row
    # Every link inside the archive: drop rows whose target is absent, until none is.
    changed = True
    while changed:
        changed = False
        for name, rows in accepted.items():
            for row_id, row in list(rows.items()):
                for column, target, value in _links(metadata, name, row):
                    if value not in accepted.get(target, {}):
                        refused.append((name, row_id, _outside(column, target, value, brought)))
                        del rows[row_id]
                        changed = True
                        break
    # Connected to the contest through those links, either way.
    neighbours = defaultdict(list)
    for name, rows in accepted.items():
        for row_id, row in rows.items():
            for _column, target, value in _links(metadata, name, row):
                neighbours[(name, row_id)].append((target, value))
                neighbours[(target, value)].append((name, row_id))
    reached, queue = {("contests", contest_id)}, deque([("contests", contest_id)])
    while queue:
        for node in neighbours[queue.popleft()]:
            if node not in reached:
                reached.add(node)
                queue.append(node)
    for name, rows in accepted.items():
        for row_id in [row_id for row_id in rows if (name, row_id) not in reached]:
            refused.append((name, row_id, "it belongs to nothing of the archived contest"))
            del rows[row_id]
    holding = []
    if hold:
        holding = [(name, row) for name, rows in accepted.items() for row in rows.values()
                   if held(name, row)]  # fmt: skip
        for name, row in holding:
            del accepted[name][row["id"]]
        # Their history would name rows that are not here.
        about = {(name, row["id"]) for name, row in holding}
        for name, rows in accepted.items():
            for row_id, row in list(rows.items()):
                if (row.get(SUBJECT[0]), row.get(SUBJECT[1])) in about:
                    refused.append((name, row_id, "it is about a role held for the administrator"))
                    del rows[row_id]
    kept = {
        name: sorted(rows.values(), key=lambda row: row["id"]) for name, rows in accepted.items()
    }
    return Vetting(
        rows=kept,
        refused=sorted(refused, key=lambda item: (item[0], item[1])),
        held=sorted(holding, key=lambda item: (item[0], item[1]["id"])),
    )


def _row_refusal(name, row, contest_id, brought, importable):
    if name not in importable:
        return f"{name} are not part of a contest archive"
    if name == "contests" and row["id"] != contest_id:
        return "another contest than the archived one"
    if name in GRANTS:
        return grant_refusal(row, contest_id, brought.get("schools", set()))
    if name == "assets":
        kind = row.get("content_type")
        if not isinstance(kind, str) or not STORED_TYPES.fullmatch(kind):
            return f"its content type {kind!r} is not one this instance keeps files as"
    return None


def _outside(column, target, value, brought):
    if value in brought.get(target, ()):
        return f"its {column} points at {target} {value}, which is refused"
    return f"its {column} points at {target} {value}, which the archive does not bring"
