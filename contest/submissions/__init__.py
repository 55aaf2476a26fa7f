from flask import Blueprint

bp = Blueprint("submissions", __name__, url_prefix="/school")

from contest.submissions import views  # noqa: E402, F401
