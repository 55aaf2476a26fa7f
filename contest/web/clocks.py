"""Which contest the public pages are about, and when its phases fall, without a database query
per visitor: the public pages a rush of visitors hits (the voting gallery, the winners pages) look
contests up here, and only a miss reads the contests table.

Each process keeps its own copy (caching.local_cache) for CLOCK_SECONDS: a committed change to
a contest row in this process, through any session, forgets it at once; other processes see the
change within CLOCK_SECONDS. Takedowns and publication's data go by the contest's version
(contest.web.caching), which every process reads afresh.
"""

from dataclasses import dataclass, fields
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from contest.core.extensions import db
from contest.core.models.contests import Contest, Round
from contest.web.caching import local_cache

KEY = "contest-clocks"
CLOCK_SECONDS = 2
CHANGED = "contest_clocks_changed"  # Session.info flag: a contest row was written
CLOCKED = (Contest, Round)  # the rows the clocks are read from (judging closes with a round)


@dataclass(frozen=True)
class ContestClock:
    """A contest's id, slug and phase times: enough for rules.phase, rules.voting and
    rules.judging_blind."""

    id: int
    slug: str
    submissions_open_at: datetime | None
    submissions_close_at: datetime | None
    voting_open_at: datetime | None
    voting_close_at: datetime | None
    judging_close_at: datetime | None
    published_at: datetime | None


COLUMNS = [getattr(Contest, field.name) for field in fields(ContestClock)]


def _read(session):
    """[ContestClock], newest contest first (the current one is the first)."""
    rows = session.execute(select(*COLUMNS).order_by(Contest.created_at.desc())).all()
    return [ContestClock(*row) for row in rows]


def _clocks():
    seconds = min(current_app.config["PUBLIC_CACHE_SECONDS"], CLOCK_SECONDS)
    if seconds == 0:
        return _read(db.session)
    clocks = local_cache().get(KEY)
    if clocks is None:
        clocks = _read(db.session)
        local_cache().set(KEY, clocks, timeout=seconds)
    return clocks


def current_clock():
    """The current (newest) contest's clock, or None when there is no contest."""
    clocks = _clocks()
    return clocks[0] if clocks else None


def clock_for_slug(slug):
    """The clock of the contest with `slug`, or None."""
    return next((clock for clock in _clocks() if clock.slug == slug), None)


@event.listens_for(Session, "after_flush")
def _note_flushed_contests(session, _flush_context):
    # Still the flush's own lists here: what was new, changed or deleted.
    if any(isinstance(row, CLOCKED) for row in (*session.new, *session.dirty, *session.deleted)):
        session.info[CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_contest_changes(state):
    if (state.is_update or state.is_delete) and any(
        issubclass(mapper.class_, CLOCKED) for mapper in state.all_mappers
    ):
        state.session.info[CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session):
    if session.info.pop(CHANGED, False) and has_app_context():
        local_cache().delete(KEY)


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session):
    session.info.pop(CHANGED, None)
