from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from contest.admin import district_views, views  # noqa: E402, F401
