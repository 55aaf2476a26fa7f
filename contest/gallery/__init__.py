from flask import Blueprint

bp = Blueprint("gallery", __name__)

from contest.gallery import views  # noqa: E402, F401
