"""Who may do what to which contest: the one rule the views, the API and the CLI ask.

Plain functions over a person's grants as (role, contest id) pairs, so the rule is tested and
called without a request. A site administrator may do everything; an organizer of a contest
everything about that contest and nothing about another.
"""

from enum import StrEnum

from sqlalchemy import true

from contest.core.statuses import Role

# A WHERE clause that keeps every row: the site administrator's view, and lists' default.
EVERY_CONTEST = true()


class Action(StrEnum):
    ADMINISTER = "administer"  # the site: contests, people, schools
    MANAGE = "manage"  # one contest: its settings, entries, judging, results


def _pairs(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    return [(grant.role, grant.contest_id) for grant in user.grants]


def is_admin(user):
    return any(role == Role.ADMIN for role, _ in _pairs(user))


def allowed(user, action, contest_id=None):
    """May `user` do `action` (to the contest `contest_id`, for MANAGE)?"""
    pairs = _pairs(user)
    if any(role == Role.ADMIN for role, _ in pairs):
        return True
    if action is Action.ADMINISTER or contest_id is None:
        return False
    return any(role == Role.ORGANIZER and scope == contest_id for role, scope in pairs)


def managed_contests(user):
    """The ids of the contests `user` may manage, or None for every contest."""
    pairs = _pairs(user)
    if any(role == Role.ADMIN for role, _ in pairs):
        return None
    return {scope for role, scope in pairs if role == Role.ORGANIZER}


def manages_any(user):
    """Does `user` manage at least one contest (or the site)? Who sees the organizer's pages."""
    return managed_contests(user) != set()


def managed_only(user, contest_column):
    """A WHERE clause keeping the rows of the contests `user` manages (`contest_column` holds
    the row's contest id): every list an organizer sees goes through it."""
    ids = managed_contests(user)
    return EVERY_CONTEST if ids is None else contest_column.in_(ids)
