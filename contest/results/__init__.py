from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/admin/results")

# The school's own results and certificates are pages of the school's blueprint (under /school)
# but results' work, so their views live here, above the submissions package they extend.
from contest.results import (  # noqa: E402, F401
    certificate_views,
    export_views,
    publish_views,
    school_certificate_views,
    school_views,
    views,
)
