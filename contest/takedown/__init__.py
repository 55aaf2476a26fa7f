"""Takedown: the public reports a video; organizers hide it at once, with a reason."""

from flask import Blueprint

from contest.takedown import messages  # noqa: F401  (the words of its error codes)

bp = Blueprint("takedown", __name__)

from contest.takedown import views  # noqa: E402, F401
