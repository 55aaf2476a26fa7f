"""Role guards for views."""

from functools import wraps

from flask import abort
from flask_login import current_user

from contest.core.extensions import login_manager


def role_required(*roles):
    """Let through signed-in users holding any of `roles`; others sign in (401) or get 403."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator


organizer_required = role_required("organizer")
teacher_required = role_required("teacher")
judge_required = role_required("judge")
