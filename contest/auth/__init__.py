from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from contest.auth import sessions, views  # noqa: E402, F401
