from flask import Blueprint

bp = Blueprint("voting", __name__, url_prefix="/vote")

from contest.voting import views  # noqa: E402, F401
