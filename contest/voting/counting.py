"""Load a contest's votes as ballots and count them (the rules live in contest/voting/tally.py)."""

from flask import current_app
from sqlalchemy import select

from contest.core.models.voting import Vote
from contest.voting import tally


def voter_key():
    """The server secret behind email hashes and ballot pseudonyms (config VOTER_KEY)."""
    return current_app.config["VOTER_KEY"].encode()


def contest_ballots(session, contest, key=None):
    """Every vote of the contest, counted or voided, as anonymised ballots (one query)."""
    key = key or voter_key()
    votes = session.execute(
        select(Vote.receipt, Vote.entry_id, Vote.voter_id, Vote.cast_at, Vote.void_reason).where(
            Vote.contest_id == contest.id
        )
    )
    return [
        tally.Ballot(
            receipt,
            entry_id,
            tally.pseudonym(key, contest.id, voter_id),
            tally.cast_hour(cast_at),
            void_reason,
        )
        for receipt, entry_id, voter_id, cast_at, void_reason in votes
    ]


def contest_tally(session, contest):
    """The contest's tally, its ballot file and the file's SHA-256."""
    ballots = contest_ballots(session, contest)
    data = tally.ballot_file(ballots)
    return tally.count(ballots), data, tally.digest(data)
