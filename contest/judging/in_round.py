"""Which entries a judging round judges: every judgeable entry in the first round, in a later
one those that advanced from the round before it."""

from sqlalchemy import select, true

from contest.core.models.contests import Advancement, Category
from contest.core.models.entries import Entry


def judgeable_entries(session, contest, round_=None):
    """The contest's entries judges score (ready and not hidden) in `round_`: in the first
    round (or any, when None) all of them, in a later one those that advanced from the round
    before it."""
    query = (
        select(Entry)
        .join(Category, Category.id == Entry.category_id)
        .where(Category.contest_id == contest.id, Entry.judgeable)
        .order_by(Entry.id)
    )
    if round_ is not None:
        query = query.where(in_round(contest, round_))
    return session.scalars(query).all()


def in_round(contest, round_):
    """A condition on Entry: it is in `round_` (every entry is in the first round; a later
    round's are those that advanced from the round before it)."""
    rounds = contest.rounds
    if rounds.index(round_) == 0:
        return true()
    before = rounds[rounds.index(round_) - 1]
    return Entry.id.in_(
        select(Advancement.entry_id).where(
            Advancement.round_id == before.id, Advancement.advances.is_(True)
        )
    )
