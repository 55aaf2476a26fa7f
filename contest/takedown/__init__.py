"""Takedown: the public reports a video; organizers hide it at once, with a reason."""

from flask import Blueprint

bp = Blueprint("takedown", __name__)

from contest.takedown import views  # noqa: E402, F401
