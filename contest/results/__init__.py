from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/admin/results")

from contest.results import certificate_views, export_views, publish_views, views  # noqa: E402, F401
