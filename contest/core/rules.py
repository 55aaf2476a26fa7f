"""The contest's calendar rules: its phase, its voting window, its deadlines.

Plain functions of a contest (a row or anything with its phase times, such as the public
site's cached ContestClock) and a time. Which entries count (judged, shown, awarded) are
hybrids on Entry, so that the same rule filters rows in Python and in SQL.
"""

from datetime import UTC
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select

from contest.core import messages  # noqa: F401  (the words of the codes below)
from contest.core.dbtypes import utcnow
from contest.core.errors import ValidationError
from contest.core.extensions import db
from contest.core.models.contests import Contest


def current_contest(session=None, where=None):
    """The newest contest: the one the public home page and the teachers' pages are about; with
    `where` (permissions.managed_only), the newest an organizer manages."""
    session = session or db.session
    query = select(Contest).order_by(Contest.created_at.desc()).limit(1)
    return session.scalar(query if where is None else query.where(where))


class Phase(StrEnum):
    """The contest's phase as the public sees it."""

    UPCOMING = "upcoming"
    SUBMISSIONS = "submissions"
    JUDGING = "judging"
    VOTING = "voting"
    WINNERS = "winners"


class Voting(StrEnum):
    NOT_OPEN = "not_open"  # no window yet, or before it
    OPEN = "open"
    CLOSED = "closed"  # after the window, or the results are out


def _within(start, end, now):
    return start is not None and start <= now and (end is None or now < end)


def is_published(contest, now=None):
    """The results are public."""
    return contest.published_at is not None and contest.published_at <= (now or utcnow())


def voting(contest, now=None):
    """Where the People's Choice vote stands at `now`."""
    now = now or utcnow()
    if is_published(contest, now):
        return Voting.CLOSED
    if contest.voting_open_at is None or now < contest.voting_open_at:
        return Voting.NOT_OPEN
    if contest.voting_close_at is not None and contest.voting_close_at <= now:
        return Voting.CLOSED
    return Voting.OPEN


def phase(contest, now=None):
    """The contest's phase at `now`: winners once published, else voting while the vote is
    open, else the call for entries while it is open, else judging once entries have closed."""
    now = now or utcnow()
    if is_published(contest, now):
        return Phase.WINNERS
    if voting(contest, now) is Voting.OPEN:
        return Phase.VOTING
    if _within(contest.submissions_open_at, contest.submissions_close_at, now):
        return Phase.SUBMISSIONS
    if contest.submissions_close_at is not None and contest.submissions_close_at <= now:
        return Phase.JUDGING
    return Phase.UPCOMING


def submission_deadline(contest, extension=None):
    """When a school's entries close: the contest's deadline, or the school's extension when
    that is later."""
    close = contest.submissions_close_at
    if extension is not None and (close is None or extension > close):
        return extension
    return close


def submissions_open(contest, now=None, extension=None):
    """The call for entries is open at `now` for a school with `extension` (or none)."""
    now = now or utcnow()
    return _within(contest.submissions_open_at, submission_deadline(contest, extension), now)


def current_round(contest):
    """The round judging is in: the first the organizers have not closed (a round past its
    planned close stays current until they close it and decide who moves on), else the final
    one."""
    return next((r for r in contest.rounds if r.closed_at is None), contest.final_round)


def round_closed(contest, round_, now=None):
    """A round of `contest` has ended: its close has passed, the organizers closed it, or the
    results are out."""
    now = now or utcnow()
    end = round_.ends_at
    return is_published(contest, now) or (end is not None and end <= now)


def judging_closed(contest, now=None):
    """Judging has a closing time and it has passed (or the results are out): the final
    round's."""
    now = now or utcnow()
    close = contest.judging_close_at
    return is_published(contest, now) or (close is not None and close <= now)


def judging_blind(contest, now=None):
    """Until judging has closed the public sees of an entry no more than its judges do (title,
    category, video): no description, credit or school that would tell a judge whose it is."""
    return not judging_closed(contest, now)


def voting_final(contest, now=None):
    """The People's Choice count can no longer change: there is no vote, or its window has a
    closing time that has passed."""
    now = now or utcnow()
    if contest.voting_open_at is None:
        return True
    return contest.voting_close_at is not None and contest.voting_close_at <= now


TIME_FORMAT = "%a %d %b %Y, %H:%M %Z"


def utc_time(local, zone, field):
    """A time a person entered in the contest's zone (`zone`, a ZoneInfo), in UTC (None stays
    None); ValidationError on `field` for a time the clocks skip or one out of range."""
    if local is None:
        return None
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    try:
        moment = local.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:  # 31 Dec 9999 west of UTC, 1 Jan of year 1 east of it
        raise ValidationError("time.too_far_off", field=field, local=local) from None
    if moment.astimezone(zone).replace(tzinfo=None) != local:
        raise ValidationError(
            "time.clocks_go_forward", field=field, local=local, day=local.day, key=zone.key
        )
    return moment


def contest_time(value, timezone, fmt=TIME_FORMAT):
    """A UTC datetime as the contest's people read it: in the contest's zone ("" for none)."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(timezone)).strftime(fmt)
