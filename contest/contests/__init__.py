from flask import Blueprint

bp = Blueprint("contests", __name__, url_prefix="/admin/contests")

from contest.contests import views  # noqa: E402, F401
