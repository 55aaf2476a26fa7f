from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/admin/results")

from contest.results import views  # noqa: E402, F401
