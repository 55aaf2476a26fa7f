from flask import Blueprint

bp = Blueprint("submissions", __name__, url_prefix="/school")

from contest.submissions import certificate_views, results_views, views  # noqa: E402, F401
