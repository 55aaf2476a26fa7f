"""Signs of ballot stuffing for the organizer to review: plain functions over plain records.

A flag is a signal, never a verdict: one school network legitimately carries hundreds of voters,
and the big webmail providers carry most of them. So a burst is judged against the contest's own
baseline: a network or email domain is flagged when, within a short window, it casts many votes
AND far more than its share of the rest of the contest predicts. A contest-wide surge (a school
assembly told to vote now) raises every key's count together and flags none of them on its own.
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

NETWORK_BURST = "network_burst"
DOMAIN_BURST = "domain_burst"
UNCONFIRMED_NETWORK = "unconfirmed_codes_network"
UNCONFIRMED_DOMAIN = "unconfirmed_codes_domain"
KIND_LABELS = {
    NETWORK_BURST: "Burst of votes from one network",
    DOMAIN_BURST: "Burst of votes from one email domain",
    UNCONFIRMED_NETWORK: "Many codes never confirmed from one network",
    UNCONFIRMED_DOMAIN: "Many codes never confirmed for one email domain",
}


@dataclass(frozen=True)
class VoteRecord:
    vote_id: int
    cast_at: datetime
    network: str  # the keyed hash of the voter's network (a /24), "" when unknown
    domain: str  # the voter's email domain, "" when unknown
    entry_id: int


@dataclass(frozen=True)
class CodeRecord:
    created_at: datetime
    network: str
    domain: str
    confirmed: bool


@dataclass(frozen=True)
class Flag:
    kind: str
    key: str  # the network hash or the email domain, never an address
    start: datetime
    end: datetime
    count: int  # votes in the burst, or codes never confirmed
    votes: tuple[int, ...]  # ids of the votes involved
    expected: float | None = None  # what the baseline predicted for the busiest window

    @property
    def label(self):
        return KIND_LABELS[self.kind]

    @property
    def ident(self):
        """Names the flag in a form, so voiding acts on the flag the organizer saw."""
        return f"{self.kind}:{self.key}:{self.start.isoformat()}"


def _bursts(votes, key_of, kind, window, min_votes, factor):
    """Flags for keys casting >= min_votes within `window` and >= factor x the votes their share
    of the contest outside that window predicts. Overlapping busy windows merge into one flag."""
    ordered = sorted(votes, key=lambda v: v.cast_at)
    times = [v.cast_at for v in ordered]
    by_key = defaultdict(list)
    for vote in ordered:
        if key_of(vote):
            by_key[key_of(vote)].append(vote)
    flags = []
    for key, mine in by_key.items():
        if len(mine) < min_votes:
            continue
        mine_times = [v.cast_at for v in mine]
        busy, peak_expected, peak = set(), None, 0
        for first in range(len(mine)):
            last = bisect_right(mine_times, mine_times[first] + window) - 1
            count = last - first + 1
            if count < min_votes:
                continue
            start, end = mine_times[first], mine_times[last]
            in_window = bisect_right(times, end) - bisect_left(times, start)
            outside_total = len(times) - in_window
            share = (len(mine) - count) / outside_total if outside_total else 0.0
            expected = in_window * share
            if count >= factor * expected:
                busy.update(range(first, last + 1))
                if count > peak:
                    peak, peak_expected = count, expected
        flags.extend(_merged(kind, key, mine, sorted(busy), window, peak_expected))
    return flags


def _merged(kind, key, mine, busy, window, expected):
    """One flag per run of busy votes no more than `window` apart."""
    runs = []
    for index in busy:
        if runs and mine[index].cast_at - mine[runs[-1][-1]].cast_at <= window:
            runs[-1].append(index)
        else:
            runs.append([index])
    return [
        Flag(
            kind=kind,
            key=key,
            start=mine[run[0]].cast_at,
            end=mine[run[-1]].cast_at,
            count=len(run),
            votes=tuple(mine[i].vote_id for i in run),
            expected=round(expected, 1),
        )
        for run in runs
    ]


def network_bursts(votes, window=timedelta(minutes=5), min_votes=20, factor=3.0):
    """Bursts from one network: by default 20 or more votes within 5 minutes, at least 3 times
    what the network's share of the rest of the contest predicts for that window."""
    return _bursts(votes, lambda v: v.network, NETWORK_BURST, window, min_votes, factor)


def domain_bursts(votes, window=timedelta(minutes=10), min_votes=20, factor=3.0):
    """Bursts from one email domain: by default 20 or more votes within 10 minutes, at least 3
    times what the domain's share of the rest of the contest predicts (so a provider that is
    merely big, voting at its usual share, is never flagged)."""
    return _bursts(votes, lambda v: v.domain, DOMAIN_BURST, window, min_votes, factor)


def unconfirmed_codes(codes, votes=(), min_unconfirmed=20, min_share=0.5):
    """Networks and domains that asked for many codes and confirmed few: by default 20 or more
    codes never confirmed, making up at least half of that key's codes. The votes involved are
    the key's votes cast while its unconfirmed codes were being requested."""
    flags = []
    for kind, key_of in ((UNCONFIRMED_NETWORK, "network"), (UNCONFIRMED_DOMAIN, "domain")):
        by_key = defaultdict(list)
        for code in codes:
            if getattr(code, key_of):
                by_key[getattr(code, key_of)].append(code)
        for key, mine in by_key.items():
            unconfirmed = sorted(c.created_at for c in mine if not c.confirmed)
            if len(unconfirmed) < min_unconfirmed or len(unconfirmed) < min_share * len(mine):
                continue
            start, end = unconfirmed[0], unconfirmed[-1]
            involved = tuple(
                v.vote_id
                for v in sorted(votes, key=lambda v: v.cast_at)
                if getattr(v, key_of) == key and start <= v.cast_at <= end
            )
            flags.append(Flag(kind, key, start, end, len(unconfirmed), involved))
    return flags


def all_flags(votes, codes):
    """Every flag with the default thresholds, most votes or codes first."""
    flags = [*network_bursts(votes), *domain_bursts(votes), *unconfirmed_codes(codes, votes)]
    return sorted(flags, key=lambda f: (-f.count, f.start, f.kind, f.key))
