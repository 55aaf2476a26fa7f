"""The organizer's oversight of a People's Choice vote: the live tally by entry, votes per hour,
anomaly flags over the stored votes and codes, and voiding votes (never deleting them).

Every function reads in a fixed number of queries, however many votes or entries there are.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from contest.core.audit import record
from contest.core.dbtypes import utcnow
from contest.core.errors import ValidationError
from contest.core.models.contests import Category
from contest.core.models.entries import Entry
from contest.core.models.voting import Vote, VoteCode, Voter
from contest.voting import anomalies
from contest.web.caching import invalidate_after_commit

VOID_REASON_LENGTH = 500
NO_REASON = "voting.no_void_reason"
HOUR_FORMAT = "%Y-%m-%dT%H:00Z"  # tally.cast_hour's
HOUR_LABEL = "%a %d %b, %H:%M %Z"  # an hour as organizers read it, in the contest's zone


@dataclass(frozen=True)
class EntryTally:
    entry_id: int
    title: str
    category: str
    votes: int


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    hour: str  # in the contest's zone, for people
    votes: int


@dataclass(frozen=True)
class HourlyChart:
    """Votes per hour per entry on one shared time axis and scale, so entries compare."""

    first_hour: str
    last_hour: str
    top: int  # the tallest hour's votes: the scale of every chart
    bars: dict[int, list[Bar]]  # per entry id, hours with votes only


def entry_tallies(session, contest, result):
    """`result` (a tally.Tally) as rows naming each entry and its category, most votes first.
    Entries of the contest without a counted vote follow with 0."""
    entries = session.execute(
        select(Entry.id, Entry.title, Category.name)
        .join(Category, Category.id == Entry.category_id)
        .where(Category.contest_id == contest.id)
    ).all()
    rows = [
        EntryTally(i, title, category, result.counts.get(i, 0)) for i, title, category in entries
    ]
    return sorted(rows, key=lambda row: (-row.votes, row.category, row.title, row.entry_id))


def hour_label(hour, timezone):
    """A ballot's UTC hour ("2026-11-25T14:00Z") as organizers read it, in `timezone`."""
    moment = datetime.strptime(hour, HOUR_FORMAT).replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime(HOUR_LABEL)


def hourly_chart(ballots, timezone, width=600, height=120, margin=4):
    """Bar geometry of counted votes per hour for each entry, or None with no counted vote.
    Hours are counted as the ballots record them (UTC) and labelled in `timezone`."""
    per_entry = {}
    for ballot in ballots:
        if ballot.void_reason is None:
            hours = per_entry.setdefault(ballot.entry_id, {})
            hours[ballot.hour] = hours.get(ballot.hour, 0) + 1
    if not per_entry:
        return None
    every_hour = sorted({hour for hours in per_entry.values() for hour in hours})
    first = datetime.strptime(every_hour[0], HOUR_FORMAT)
    span = int((datetime.strptime(every_hour[-1], HOUR_FORMAT) - first).total_seconds() // 3600)
    top = max(votes for hours in per_entry.values() for votes in hours.values())
    slot = (width - 2 * margin) / (span + 1)
    plot = height - 2 * margin
    bars = {}
    for entry_id, hours in per_entry.items():
        bars[entry_id] = []
        for hour, votes in sorted(hours.items()):
            index = (datetime.strptime(hour, HOUR_FORMAT) - first) // timedelta(hours=1)
            tall = plot * votes / top
            bars[entry_id].append(
                Bar(
                    x=round(margin + index * slot, 2),
                    y=round(margin + plot - tall, 2),
                    width=round(max(slot * 0.8, 0.5), 2),
                    height=round(tall, 2),
                    hour=hour_label(hour, timezone),
                    votes=votes,
                )
            )
    first_label, last_label = (hour_label(h, timezone) for h in (every_hour[0], every_hour[-1]))
    return HourlyChart(first_label, last_label, top, bars)


def vote_records(session, contest):
    """The contest's counted votes as anomaly records (one query); voided votes are dealt with."""
    rows = session.execute(
        select(Vote.id, Vote.cast_at, Vote.network_hash, Voter.email_domain, Vote.entry_id)
        .join(Voter, Voter.id == Vote.voter_id)
        .where(Vote.contest_id == contest.id, Vote.voided_at.is_(None))
    )
    return [anomalies.VoteRecord(*row) for row in rows]


def code_records(session, contest, now=None):
    """The contest's codes as anomaly records (one query), leaving out codes still live: a code
    not yet used but not yet expired may still be confirmed."""
    now = now or utcnow()
    rows = session.execute(
        select(VoteCode.created_at, VoteCode.network_hash, Voter.email_domain, VoteCode.used_at)
        .join(Voter, Voter.id == VoteCode.voter_id)
        .where(
            Voter.contest_id == contest.id,
            (VoteCode.used_at.is_not(None)) | (VoteCode.expires_at <= now),
        )
    )
    return [
        anomalies.CodeRecord(created_at, network, domain, used_at is not None)
        for created_at, network, domain, used_at in rows
    ]


def contest_flags(session, contest, now=None):
    """Every anomaly flag of the contest's counted votes and its codes (two queries)."""
    votes = vote_records(session, contest)
    return anomalies.all_flags(votes, code_records(session, contest, now))


def votes_by_id(session, contest, vote_ids):
    """The contest's votes among `vote_ids` by id, with receipts and entries (one query)."""
    if not vote_ids:
        return {}
    rows = session.scalars(
        select(Vote).where(Vote.contest_id == contest.id, Vote.id.in_(list(vote_ids)))
    )
    return {vote.id: vote for vote in rows}


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(NO_REASON, field="reason")
    if len(reason) > VOID_REASON_LENGTH:
        raise ValidationError(
            "voting.keep_reason_characters_fewer",
            field="reason",
            VOID_REASON_LENGTH=VOID_REASON_LENGTH,
        )
    return reason


def _void(session, actor, votes, reason, now, **context):
    for vote in votes:
        vote.voided_at, vote.void_reason = now, reason
        record(
            session, actor, "vote.voided", vote,
            receipt=vote.receipt, entry_id=vote.entry_id, reason=reason, **context,
        )  # fmt: skip
    session.flush()
    return len(votes)


def void_by_receipt(session, actor, contest, receipt, reason, now=None):
    """Void the contest's vote with `receipt`; it stays in the ballot file with the reason."""
    reason = _reason(reason)
    receipt = (receipt or "").strip()
    vote = session.scalar(
        select(Vote).where(Vote.contest_id == contest.id, Vote.receipt == receipt)
    )
    if vote is None:
        raise ValidationError("voting.vote_contest_receipt", "receipt", receipt=receipt)
    if vote.voided_at is not None:
        raise ValidationError(
            "voting.vote_already_voided", "receipt", receipt=receipt, void_reason=vote.void_reason
        )
    _void(session, actor, [vote], reason, now or utcnow())
    invalidate_after_commit(session, contest.id)  # a live tally on the public gallery changes
    return vote


def void_flagged(session, actor, contest, ident, reason, now=None):
    """Void every counted vote of the flag named `ident` as it stands now; returns how many.
    A flag that is gone (its votes voided, or fewer votes now) is refused rather than guessed."""
    reason = _reason(reason)
    flag = next((f for f in contest_flags(session, contest, now) if f.ident == ident), None)
    if flag is None or not flag.votes:
        raise ValidationError("voting.flag_longer_stands_votes")
    votes = list(votes_by_id(session, contest, flag.votes).values())
    invalidate_after_commit(session, contest.id)
    return _void(session, actor, votes, reason, now or utcnow(), flag=flag.kind, flag_key=flag.key)
