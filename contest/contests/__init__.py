from flask import Blueprint

from contest.contests import messages  # noqa: F401  (the words of its error codes)

bp = Blueprint("contests", __name__, url_prefix="/admin/contests")

from contest.contests import views  # noqa: E402, F401
