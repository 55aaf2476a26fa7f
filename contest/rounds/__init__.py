"""Judging rounds: the organizers set a contest's rounds up and close each with the entries that
move on (issue 16). Above the results, whose rankings give a rubric round's standings."""

from flask import Blueprint

from contest.rounds import messages  # noqa: F401  (the words of its error codes)

bp = Blueprint("rounds", __name__, url_prefix="/admin/rounds")

from contest.rounds import views  # noqa: E402, F401
