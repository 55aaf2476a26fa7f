"""Who may do what to which contest or district: the one rule the views, the API and the CLI
ask.

Plain functions over a person's grants, so the rule is tested and called without a request. A
site administrator may do everything; an organizer of a contest everything about that contest
and nothing about another; an observer of a contest may see it (progress, entries, results
before publication) and change nothing; a district coordinator approves the district's new
schools and sees their entries' status and consent, and never judges.
"""

from enum import StrEnum

from sqlalchemy import true

from contest.core.statuses import Role

# A WHERE clause that keeps every row: the site administrator's view, and lists' default.
EVERY_CONTEST = true()


class Action(StrEnum):
    ADMINISTER = "administer"  # the site: contests, people, schools
    MANAGE = "manage"  # one contest: its settings, entries, judging, results
    VIEW = "view"  # one contest, read only: no voter data, no judge's identity


# The contest roles that allow each action on their contest.
_ROLES_FOR = {
    Action.MANAGE: {Role.ORGANIZER},
    Action.VIEW: {Role.ORGANIZER, Role.OBSERVER},
}
# The roles that see a contest's inside: given by someone here, never by an archive (an
# archive's are held as invitations for the site administrator to send).
INSIDE_ROLES = frozenset(_ROLES_FOR[Action.VIEW])


def _pairs(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    return [(grant.role, grant.contest_id) for grant in user.grants]


def is_admin(user):
    return any(role == Role.ADMIN for role, _ in _pairs(user))


def contests_for(user, action=Action.MANAGE):
    """The ids of the contests `user` may do `action` to, or None for every contest."""
    pairs = _pairs(user)
    if any(role == Role.ADMIN for role, _ in pairs):
        return None
    return {scope for role, scope in pairs if role in _ROLES_FOR.get(action, ())}


def allowed(user, action, contest_id=None):
    """May `user` do `action` (to the contest `contest_id`, but for ADMINISTER)?"""
    ids = contests_for(user, action)
    if ids is None:
        return True
    return action is not Action.ADMINISTER and contest_id in ids


def managed_contests(user):
    """The ids of the contests `user` may manage, or None for every contest."""
    return contests_for(user, Action.MANAGE)


def manages_any(user):
    """Does `user` manage at least one contest (or the site)?"""
    return contests_for(user, Action.MANAGE) != set()


def sees_any(user):
    """Does `user` see at least one contest's inside (an organizer's or an observer's)?"""
    return contests_for(user, Action.VIEW) != set()


def only(user, contest_column, action=Action.MANAGE):
    """A WHERE clause keeping the rows of the contests `user` may do `action` to
    (`contest_column` holds the row's contest id): every list an organizer or an observer sees
    goes through it."""
    ids = contests_for(user, action)
    return EVERY_CONTEST if ids is None else contest_column.in_(ids)


def managed_only(user, contest_column):
    return only(user, contest_column, Action.MANAGE)


def coordinated_districts(user):
    """The ids of the districts whose schools `user` looks after, or None for every one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if is_admin(user):
        return None
    return {grant.district_id for grant in user.grants if grant.role == Role.COORDINATOR}


def coordinates(user, district_id):
    """May `user` approve and look after the schools of district `district_id`?"""
    ids = coordinated_districts(user)
    return ids is None or (district_id is not None and district_id in ids)


def coordinates_any(user):
    return coordinated_districts(user) != set()


def districts_only(user, district_column):
    """A WHERE clause keeping the rows of the districts `user` looks after."""
    ids = coordinated_districts(user)
    return EVERY_CONTEST if ids is None else district_column.in_(ids)
