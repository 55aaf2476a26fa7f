from flask import Blueprint

from contest.submissions import messages  # noqa: F401  (the words of its error codes)

bp = Blueprint("submissions", __name__, url_prefix="/school")

from contest.submissions import views  # noqa: E402, F401
