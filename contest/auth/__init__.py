from flask import Blueprint

from contest.auth import messages  # noqa: F401  (the words of its error codes)

bp = Blueprint("auth", __name__, url_prefix="/auth")

from contest.auth import sessions, views  # noqa: E402, F401
