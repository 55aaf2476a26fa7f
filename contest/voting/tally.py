"""The People's Choice tally and its anonymised ballot file: plain functions over plain data.

The ballot file is what makes the count verifiable: one line per vote (counted or voided), each with
the receipt code its voter was shown, so anyone can recount it and any voter can find their ballot.
"""

import csv
import hashlib
import hmac
import io
from collections import Counter
from dataclasses import dataclass, field

BALLOT_COLUMNS = ("receipt", "entry_id", "voter", "hour", "void_reason")


@dataclass(frozen=True)
class Ballot:
    receipt: str
    entry_id: int
    voter: str  # a keyed pseudonym: stable within one contest, meaningless outside it
    hour: str  # the UTC hour the vote was cast, e.g. "2026-11-25T14:00Z"
    void_reason: str | None = None  # None: the vote counts


@dataclass(frozen=True)
class Tally:
    counts: dict[int, int] = field(default_factory=dict)  # counted votes per entry id
    voided: dict[str, int] = field(default_factory=dict)  # voided votes per reason

    @property
    def counted(self):
        return sum(self.counts.values())

    @property
    def voided_total(self):
        return sum(self.voided.values())

    def leaders(self):
        """The entry ids with the most counted votes: several when the top is tied."""
        if not self.counts:
            return []
        top = max(self.counts.values())
        return sorted(entry for entry, votes in self.counts.items() if votes == top)

    def ranked(self):
        """(entry id, votes), most votes first; equal counts by entry id."""
        return sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))


def count(ballots):
    """Count ballots: counted votes per entry and voided votes per reason."""
    counts = Counter(b.entry_id for b in ballots if b.void_reason is None)
    voided = Counter(b.void_reason for b in ballots if b.void_reason is not None)
    return Tally(dict(counts), dict(voided))


def pseudonym(key, contest_id, voter_id):
    """A voter's name in the published ballot file: keyed, so it cannot be linked to an email."""
    message = f"ballot:{contest_id}:{voter_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def cast_hour(moment):
    """The UTC hour a vote was cast: fine enough for a votes-per-hour chart, coarse enough to
    keep ballots from being matched to a voter by the exact time."""
    return moment.strftime("%Y-%m-%dT%H:00Z")


def ballot_file(ballots):
    """The ballot file's bytes: CSV, one ballot per line ordered by receipt, LF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BALLOT_COLUMNS)
    for b in sorted(ballots, key=lambda b: b.receipt):
        writer.writerow((b.receipt, b.entry_id, b.voter, b.hour, b.void_reason or ""))
    return out.getvalue().encode()


def read_ballot_file(data):
    """Parse a ballot file; raise ValueError naming the line of anything malformed."""
    try:
        text = data.decode()
    except UnicodeDecodeError as exc:
        raise ValueError("The ballot file is not UTF-8 text.") from exc
    rows = csv.reader(io.StringIO(text))
    if tuple(next(rows, ())) != BALLOT_COLUMNS:
        raise ValueError(f"Line 1: expected the header {','.join(BALLOT_COLUMNS)}.")
    ballots, receipts = [], set()
    for line, row in enumerate(rows, start=2):
        if len(row) != len(BALLOT_COLUMNS):
            raise ValueError(f"Line {line}: expected {len(BALLOT_COLUMNS)} fields.")
        receipt, entry, voter, hour, reason = row
        if not entry.isdigit():
            raise ValueError(f"Line {line}: the entry id {entry!r} is not a number.")
        if receipt in receipts:
            raise ValueError(f"Line {line}: the receipt {receipt!r} appears twice.")
        receipts.add(receipt)
        ballots.append(Ballot(receipt, int(entry), voter, hour, reason or None))
    return ballots


def digest(data):
    """SHA-256 of the ballot file's bytes, published with the results."""
    return hashlib.sha256(data).hexdigest()
