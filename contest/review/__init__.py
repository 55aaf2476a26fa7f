"""The organizers' review of entries: consent checks, disqualification, deadline extensions."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/admin/review")

from contest.review import views  # noqa: E402, F401
