from flask import Blueprint

bp = Blueprint("judging", __name__, url_prefix="/judging")

from contest.judging import views  # noqa: E402, F401
