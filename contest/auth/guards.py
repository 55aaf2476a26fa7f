"""Guards for views: who may open a page. The rule itself is contest.core.permissions."""

from functools import wraps

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from contest.core import permissions
from contest.core.extensions import db, login_manager
from contest.core.models.contests import Category, Contest, Round
from contest.core.models.entries import Entry, School
from contest.core.models.judging import Assignment
from contest.core.models.takedowns import TakedownReport
from contest.core.permissions import Action
from contest.core.rules import current_contest


def _guard(allows):
    """Let through signed-in users for whom `allows(user)` holds; others sign in (401) or get
    403."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allows(current_user):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator


def role_required(*roles):
    """Users holding any of `roles` (teachers and judges: their pages check what is theirs)."""
    return _guard(lambda user: user.has_role(*roles))


teacher_required = role_required("teacher")
judge_required = role_required("judge")
# The site's own pages: contests made, people named, schools approved.
admin_required = _guard(permissions.is_admin)
# Pages listing what the user manages (each lists only that): an organizer of any contest.
organizer_required = _guard(permissions.manages_any)
# Overviews an observer sees too, each listing only the contests the person may see.
overview_required = _guard(permissions.sees_any)

_ENTRY_CONTEST = select(Category.contest_id).join(Entry, Entry.category_id == Category.id)
# The contest each route value belongs to. A route is checked against every value it carries,
# so a page of contest A can never reach contest B's entry by its id.
_CONTEST_OF = {
    "contest_id": None,  # the value itself
    "category_id": lambda value: select(Category.contest_id).where(Category.id == value),
    "entry_id": lambda value: _ENTRY_CONTEST.where(Entry.id == value),
    "assignment_id": lambda value: _ENTRY_CONTEST.join(
        Assignment, Assignment.entry_id == Entry.id
    ).where(Assignment.id == value),
    "report_id": lambda value: _ENTRY_CONTEST.join(
        TakedownReport, TakedownReport.entry_id == Entry.id
    ).where(TakedownReport.id == value),
    "round_id": lambda value: select(Round.contest_id).where(Round.id == value),
}


def route_contests(values):
    """The ids of the contests the route `values` name; 404 if one names nothing."""
    found = set()
    for name, lookup in _CONTEST_OF.items():
        if values.get(name) is None:  # absent, or a route's default ("no category")
            continue
        contest_id = values[name] if lookup is None else db.session.scalar(lookup(values[name]))
        if contest_id is None:
            abort(404)
        found.add(contest_id)
    return found


def contest_permission(action):
    """For a route about one contest: the contest every one of its values names must be one
    the user may do `action` to."""

    def allows(user):
        contests = route_contests(request.view_args or {})
        if not contests:
            raise LookupError(f"{request.endpoint} names no contest to check")
        return all(permissions.allowed(user, action, contest_id) for contest_id in contests)

    return _guard(allows)


manages_contest = contest_permission(Action.MANAGE)
# Read-only pages of a contest that show no voter data and no judge's identity: observers too.
sees_contest = contest_permission(Action.VIEW)


def newest_managed_contest():
    """The contest an organizer's overview pages open on: the newest they manage."""
    return current_contest(where=permissions.managed_only(current_user, Contest.id))


def _school_district():
    school = db.session.get(School, (request.view_args or {}).get("school_id")) or abort(404)
    return school.district_id


# A school's approval: the site administrator's, or its district's coordinator's.
coordinates_school = _guard(lambda user: permissions.coordinates(user, _school_district()))
# A coordinator's overview of their districts' schools.
coordinator_required = _guard(permissions.coordinates_any)
