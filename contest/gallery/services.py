"""Which contest the public sees, and what phase it is in."""

from sqlalchemy import select

from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest


def contest_phase(contest, now=None):
    """The contest's phase at `now`, as the public sees it."""
    now = now or utcnow()
    if contest.published_at and contest.published_at <= now:
        return "winners"
    if (
        contest.voting_open_at
        and contest.voting_open_at <= now
        and (contest.voting_close_at is None or now < contest.voting_close_at)
    ):
        return "voting"
    if (
        contest.submissions_open_at
        and contest.submissions_open_at <= now
        and (contest.submissions_close_at is None or now < contest.submissions_close_at)
    ):
        return "submissions"
    if contest.submissions_close_at and contest.submissions_close_at <= now:
        return "judging"
    return "upcoming"


def current_contest(session=None):
    """The newest contest: the one the public home page is about."""
    session = session or db.session
    return session.scalar(select(Contest).order_by(Contest.created_at.desc()).limit(1))
