from flask import Blueprint

from contest.judging import messages  # noqa: F401  (the words of its error codes)

bp = Blueprint("judging", __name__, url_prefix="/judging")

from contest.judging import manage_views, rubric_views, scoring_views, views  # noqa: E402, F401
