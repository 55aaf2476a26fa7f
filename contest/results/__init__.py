from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/admin/results")
# The school's own results and certificates, beside its entries under /school.
school_bp = Blueprint("school_results", __name__, url_prefix="/school")
blueprints = (bp, school_bp)

from contest.results import (  # noqa: E402, F401
    certificate_views,
    export_views,
    publish_views,
    school_certificate_views,
    school_views,
    views,
)
