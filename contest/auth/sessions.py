"""Sessions the server can end, though they live in a signed cookie.

A session names its user and the user's session generation (`User.get_id`); the user loader
accepts it only while the generation is still the account's. Signing out, "sign out of every
device" and a new password raise the generation (`accounts.end_sessions`), so a copied cookie
stops working everywhere at once: one integer per account, no table of sessions to keep. A
session also ends after SESSION_IDLE_MINUTES without a request (shared classroom computers): the
time of the last request rides in the session, rewritten at most once a minute.
"""

import hmac

from flask import current_app, flash, session
from flask_login import logout_user, user_logged_in

from contest.auth import bp
from contest.core.dbtypes import utcnow
from contest.core.extensions import db, login_manager
from contest.core.models.accounts import User

LAST_SEEN = "_seen"  # seconds since the epoch of the session's last request
REFRESH_SECONDS = 60


def parse_session_id(session_id):
    """(user id, generation) from what `User.get_id` gave the session, or None if malformed."""
    user_id, _, generation = str(session_id).partition(":")
    if not (user_id.isascii() and user_id.isdigit() and generation.isascii()):
        return None
    if not generation.isdigit() or len(user_id) > 12 or len(generation) > 12:
        return None
    return int(user_id), int(generation)


@login_manager.user_loader
def load_user(session_id):
    """The user a session names, unless switched off or the session's generation is over."""
    parsed = parse_session_id(session_id)
    user = db.session.get(User, parsed[0]) if parsed else None
    if user is None or not user.active:
        return None
    current = str(user.session_generation).encode()
    return user if hmac.compare_digest(str(parsed[1]).encode(), current) else None


def idle_too_long(last_seen, now_seconds, idle_minutes):
    """True when a session last seen at `last_seen` (epoch seconds, or None) has lapsed."""
    if not isinstance(last_seen, int) or isinstance(last_seen, bool):
        return True  # a session from before idle timeouts, or a damaged one
    return now_seconds - last_seen > idle_minutes * 60


@user_logged_in.connect
def _stamp_sign_in(app, user, **extra):
    session[LAST_SEEN] = int(utcnow().timestamp())


@bp.before_app_request
def end_idle_session():
    """Sign out a session idle for longer than SESSION_IDLE_MINUTES, saying why."""
    if "_user_id" not in session:
        return
    now = int(utcnow().timestamp())
    minutes = current_app.config["SESSION_IDLE_MINUTES"]
    if idle_too_long(session.get(LAST_SEEN), now, minutes):
        logout_user()
        session.clear()
        flash(
            f"You were signed out after {minutes} minutes without activity. Sign in again to "
            "go on.",
            "info",
        )
    elif now - session[LAST_SEEN] >= REFRESH_SECONDS:
        session[LAST_SEEN] = now
