"""Casting People's Choice votes: eligible entries, the voting window, one-time codes, votes.

Plain functions: a session, the voter key and plain values in; rows, small dataclasses or domain
errors out. The clear email address passes through `request_code` to be hashed and is returned
to the caller only to send the code; it is never stored. UNIQUE(contest_id, voter_id) on votes is
the real guard against double votes; the checks here only make the common cases read well.
"""

import hmac
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from contest.core import rules
from contest.core.dbtypes import utcnow
from contest.core.errors import ContestError, PhaseClosed, ValidationError
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry
from contest.core.models.voting import Vote, VoteCode, Voter
from contest.submissions.entries import public_credit
from contest.voting import identity
from contest.web.caching import invalidate_after_commit
from contest.web.pagination import paginate

CODE_DIGITS = 6
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read aloud or copied by hand

# Error codes whose words (contest/voting/messages.py) other modules show too.
UNKNOWN_ENTRY = "voting.unknown_entry"
INELIGIBLE_ENTRY = "voting.ineligible_entry"
NOT_OPEN = "voting.not_open"
CLOSED = "voting.closed"
WRONG_CODE = "voting.wrong_code"
EXPIRED_CODE = "voting.expired_code"
DEAD_CODE = "voting.dead_code"
UNKNOWN_LINK = "voting.unknown_link"


class EntryNotFound(ContestError):
    """The entry does not exist, or is not part of the contest's vote."""


@dataclass(frozen=True)
class CodeRequest:
    """A code just issued: the clear code and link token go into the mail and nowhere else."""

    code_id: int
    code: str
    link_token: str
    expires_at: datetime
    entry: Entry


@dataclass(frozen=True)
class Receipt:
    """A vote as its voter sees it; `already_voted` when this confirmation did not cast it."""

    receipt: str
    entry_id: int
    cast_at: datetime
    already_voted: bool
    contest_id: int


def _eligible(query):
    return query.where(Entry.shown)


def eligible_entries(session, contest):
    """The contest's entries the public may vote for (ready, consented, shown), by category."""
    query = (
        select(Entry)
        .join(Category, Entry.category_id == Category.id)
        .where(Category.contest_id == contest.id)
        .order_by(Category.sort_order, Category.id, Entry.id)
    )
    return session.scalars(_eligible(query)).all()


GALLERY_ORDERS = 64
# What the public gallery shows of an entry: plain values, so the list can be cached.
GALLERY_FIELDS = (
    "id",
    "title",
    "video_asset_id",
    "poster_asset_id",
    "captions_asset_id",
)


def gallery(session, contest, blind=True):
    """The voting gallery's data: [{"id", "name", "entries": [entry dicts]}] per category with
    eligible entries, in category order. Two queries whatever the number of entries. `blind`
    (judging still open, rules.judging_blind) leaves the credits off."""
    names = dict(
        session.execute(
            select(Category.id, Category.name).where(Category.contest_id == contest.id)
        ).all()
    )
    categories = {}
    for entry in eligible_entries(session, contest):
        category = categories.setdefault(
            entry.category_id,
            {"id": entry.category_id, "name": names[entry.category_id], "entries": []},
        )
        shown = {name: getattr(entry, name) for name in GALLERY_FIELDS}
        category["entries"].append(shown | {"credit": "" if blind else public_credit(entry)})
    return list(categories.values())


def gallery_size(categories):
    """How many entries the gallery shows."""
    return sum(len(category["entries"]) for category in categories)


def gallery_order(seed):
    """The visitor order (one of GALLERY_ORDERS) for a visitor's random `seed`: enough orders
    that no entry is always near the top, few enough that each page is rendered once per order
    and served from the cache."""
    return seed % GALLERY_ORDERS


def gallery_page(categories, order, number, per_page):
    """Page `number` of the gallery in visitor order `order` (gallery_order): each category's
    entries shuffled by it, pages running on across categories. Returns the Page (its items
    (category, entry) pairs) and the page's [(category, entries)]."""
    ordered = [
        (category, entry)
        for category in categories
        for entry in shuffled(category["entries"], f"{order}:{category['id']}")
    ]
    page = paginate(ordered, number, per_page)
    grouped = {}
    for category, entry in page.items:
        grouped.setdefault(category["id"], (category, []))[1].append(entry)
    return page, list(grouped.values())


def eligible_entry(session, contest, entry_id):
    """The entry if the public may vote for it in `contest`; EntryNotFound (saying why) if not."""
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise EntryNotFound(UNKNOWN_ENTRY)
    found = session.scalar(
        _eligible(
            select(Entry)
            .join(Category, Entry.category_id == Category.id)
            .where(Entry.id == entry_id, Category.contest_id == contest.id)
        )
    )
    if found is None:
        raise EntryNotFound(INELIGIBLE_ENTRY)
    return found


def require_open(contest, now=None):
    """Raise PhaseClosed unless voting is open at `now`."""
    state = rules.voting(contest, now)
    if state is rules.Voting.NOT_OPEN:
        raise PhaseClosed(NOT_OPEN)
    if state is rules.Voting.CLOSED:
        raise PhaseClosed(CLOSED)


def shuffled(entries, seed):
    """`entries` in an order fixed by `seed`: each visitor gets their own, stable order, so no
    entry gains from always being listed first."""
    entries = list(entries)
    random.Random(seed).shuffle(entries)
    return entries


def _code_hash(key, link_hash, code):
    # Salted by the code's own link hash: equal codes of two voters hash apart.
    return identity.keyed_hash(key, f"code:{link_hash}", code)


def _voter(session, contest, normalised, key):
    """The contest's voter for the address, made on first use (two at once: one row)."""
    email_hash = identity.email_hash(key, normalised)
    query = select(Voter).where(Voter.contest_id == contest.id, Voter.email_hash == email_hash)
    voter = session.scalar(query)
    if voter is not None:
        return voter
    try:
        with session.begin_nested():
            voter = Voter(
                contest_id=contest.id,
                email_hash=email_hash,
                email_domain=identity.email_domain(normalised),
            )
            session.add(voter)
    except IntegrityError:
        voter = session.scalar(query)
    return voter


def request_code(
    session, contest, entry_id, email, *, key, blocked_domains, ip="", lifetime_seconds, now=None
):
    """Issue a one-time code and link confirming a vote for the entry by `email`'s owner.

    Raises PhaseClosed outside the window, EntryNotFound, or ValidationError (field "email")
    for an invalid or disposable address. A voter who has already voted still gets a code:
    confirming it shows their receipt, and nobody learns here whether an address has voted.
    """
    now = now or utcnow()
    require_open(contest, now)
    entry = eligible_entry(session, contest, entry_id)
    normalised = identity.normalise_email(email)
    identity.refuse_disposable(normalised, blocked_domains)
    voter = _voter(session, contest, normalised, key)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    token = secrets.token_urlsafe(32)
    link_hash = identity.keyed_hash(key, "link", token)
    vote_code = VoteCode(
        voter_id=voter.id,
        entry_id=entry.id,
        code_hash=_code_hash(key, link_hash, code),
        link_hash=link_hash,
        network_hash=identity.network_hash(key, ip),
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime_seconds),
    )
    session.add(vote_code)
    session.flush()
    return CodeRequest(vote_code.id, code, token, vote_code.expires_at, entry)


def code_for_link(session, token, *, key):
    """The VoteCode a mailed link names; ValidationError if none does."""
    vote_code = session.scalar(
        select(VoteCode).where(VoteCode.link_hash == identity.keyed_hash(key, "link", token))
    )
    if vote_code is None:
        raise ValidationError(UNKNOWN_LINK)
    return vote_code


def confirm_code(session, code_id, code, *, key, max_attempts, ip="", now=None):
    """Cast the vote a code confirms. A wrong code uses up one of `max_attempts` (the caller
    keeps that with the refusal: `unit_of_work(keep=(ValidationError,))`); then the code is dead.

    Returns a Receipt; raises ValidationError (field "code") for a wrong, expired or dead code,
    PhaseClosed once voting has closed.
    """
    now = now or utcnow()
    vote_code = session.get(VoteCode, code_id)
    if vote_code is None:
        raise ValidationError(WRONG_CODE, field="code")
    code = "".join((code or "").split())
    if not _matches(vote_code, key, code):
        _check_usable(vote_code, max_attempts, now, field="code")
        session.execute(
            update(VoteCode)
            .where(VoteCode.id == vote_code.id)
            .values(attempts=VoteCode.attempts + 1)
        )
        session.refresh(vote_code)  # the caller keeps the attempt with the refusal
        if vote_code.attempts >= max_attempts:
            raise ValidationError(DEAD_CODE, field="code")
        left = max_attempts - vote_code.attempts
        if left == 1:
            raise ValidationError("voting.wrong_code_one_try_left", field="code")
        raise ValidationError("voting.wrong_code_tries_left", field="code", left=left)
    return _cast(session, vote_code, max_attempts, ip, now, key)


def confirm_link(session, token, *, key, max_attempts, ip="", now=None):
    """Cast the vote a mailed link confirms; as confirm_code, the link as proof."""
    now = now or utcnow()
    return _cast(session, code_for_link(session, token, key=key), max_attempts, ip, now, key)


def _matches(vote_code, key, code):
    return hmac.compare_digest(vote_code.code_hash, _code_hash(key, vote_code.link_hash, code))


def _check_usable(vote_code, max_attempts, now, field=None):
    if vote_code.attempts >= max_attempts:
        raise ValidationError(DEAD_CODE, field=field)
    if vote_code.expires_at <= now:
        minutes = round((vote_code.expires_at - vote_code.created_at).total_seconds() / 60)
        raise ValidationError(EXPIRED_CODE, field=field, minutes=minutes)


def _existing(session, voter):
    """The voter's vote, as an already-voted Receipt (None if they have not voted)."""
    vote = session.scalar(
        select(Vote).where(Vote.contest_id == voter.contest_id, Vote.voter_id == voter.id)
    )
    if vote is None:
        return None
    return Receipt(
        vote.receipt, vote.entry_id, vote.cast_at, already_voted=True, contest_id=vote.contest_id
    )


def new_receipt():
    """A receipt code such as "K7QM-3XTP-9AHW": random, shown once to the voter, and printed
    beside their ballot in the published ballot file."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def _cast(session, vote_code, max_attempts, ip, now, key):
    voter = session.get(Voter, vote_code.voter_id)
    if vote_code.used_at is not None:
        # Reused: the vote it cast (or the voter's other vote) is the answer.
        receipt = _existing(session, voter)
        if receipt is not None:
            return receipt
    require_open(session.get(Contest, voter.contest_id), now)
    _check_usable(vote_code, max_attempts, now, field="code")
    # Claim the code: of many confirmations at once exactly one changes the row.
    claimed = session.execute(
        update(VoteCode)
        .where(
            VoteCode.id == vote_code.id,
            VoteCode.used_at.is_(None),
            VoteCode.attempts < max_attempts,
        )
        .values(used_at=now)
    ).rowcount
    if not claimed:
        receipt = _existing(session, voter)
        if receipt is None:
            raise ValidationError(DEAD_CODE, field="code")
        return receipt
    vote = Vote(
        contest_id=voter.contest_id,
        voter_id=voter.id,
        entry_id=vote_code.entry_id,
        receipt=new_receipt(),
        network_hash=identity.network_hash(key, ip),
        cast_at=now,
    )
    try:
        with session.begin_nested():
            session.add(vote)
    except IntegrityError:
        # The voter's vote was cast by another code, maybe a moment ago: it stands.
        return _existing(session, voter)
    if voter.verified_at is None:
        voter.verified_at = now
    if session.get(Contest, voter.contest_id).show_live_tally:
        invalidate_after_commit(session, voter.contest_id)  # the gallery's live tally changes
    return Receipt(vote.receipt, vote.entry_id, vote.cast_at, False, vote.contest_id)
