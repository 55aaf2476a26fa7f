"""Template filters and globals: dates in the contest's time zone, role-aware navigation."""

from flask_login import current_user
from jinja2 import pass_context

from contest.core import permissions
from contest.core.permissions import Action
from contest.core.rules import TIME_FORMAT, contest_time, current_contest
from contest.core.statuses import Role


def page_zone(context):
    """The time zone a page shows its times in: its contest's (the page's `contest`, or its
    `entry`'s), else the current contest's. Never UTC unless a contest is set to it."""
    contest = context.get("contest")
    if getattr(contest, "timezone", None) is None:
        entry = context.get("entry")
        contest = getattr(entry, "contest", None) if entry is not None else None
    if getattr(contest, "timezone", None) is None:
        contest = current_contest()
    return contest.timezone if contest is not None else "UTC"


@pass_context
def local_time(context, value, timezone=None, fmt=TIME_FORMAT):
    """Show a UTC datetime in `timezone`, else the page's contest's zone ("" for none)."""
    return contest_time(value, timezone or page_zone(context), fmt)


def role_label(role):
    """A role as people call it ("site administrator" for "admin")."""
    return Role(role).label


def may_manage(contest_id=None):
    """May the signed-in person change the contest (any contest, when none is named)? Pages an
    observer also sees show their forms and links to changes only then."""
    if contest_id is None:
        return permissions.manages_any(current_user)
    return permissions.allowed(current_user, Action.MANAGE, contest_id)


def may_administer():
    """Is the signed-in person the site administrator (contests, people, districts)?"""
    return permissions.is_admin(current_user)


def navigation():
    """The links a signed-in person's roles give them, in order."""
    links = []
    if not current_user.is_authenticated:
        return links
    if permissions.sees_any(current_user):
        links += [
            ("admin.index", "Dashboard"),
            ("contests.index", "Contests"),
            ("review.index", "Review"),
            ("judging.manage_index", "Judging"),
        ]
    if permissions.coordinates_any(current_user) and not permissions.is_admin(current_user):
        links.append(("admin.district_schools", "Your district"))
    if current_user.has_role("teacher"):
        links.append(("submissions.index", "My entries"))
    if current_user.has_role("judge"):
        links.append(("judging.index", "Judging"))
    return links


def init_app(app):
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(local_time)
    app.add_template_filter(role_label)
    app.add_template_global(may_manage)
    app.add_template_global(may_administer)
    app.add_template_global(navigation)
