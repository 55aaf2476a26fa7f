"""Template filters and globals: dates in the contest's time zone, role-aware navigation."""

from zoneinfo import ZoneInfo

from flask_login import current_user


def local_time(value, timezone="UTC", fmt="%a %d %b %Y, %H:%M %Z"):
    """Show a UTC datetime in a contest's time zone ("" for none)."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(timezone)).strftime(fmt)


def navigation():
    """The links a signed-in person's roles give them, in order."""
    links = []
    if not current_user.is_authenticated:
        return links
    if current_user.has_role("organizer"):
        links += [
            ("admin.index", "Dashboard"),
            ("contests.index", "Contests"),
            ("review.index", "Review"),
            ("judging.manage_index", "Judging"),
        ]
    if current_user.has_role("teacher"):
        links.append(("submissions.index", "My entries"))
    if current_user.has_role("judge"):
        links.append(("judging.index", "Judging"))
    return links


def init_app(app):
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(local_time)
    app.add_template_global(navigation)
