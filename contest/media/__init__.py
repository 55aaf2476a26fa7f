"""Serving stored files (videos, posters, captions, consent forms) to those who may see them."""

from flask import Blueprint

bp = Blueprint("media", __name__, url_prefix="/media")

from contest.media import views  # noqa: E402, F401
