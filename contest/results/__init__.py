from flask import Blueprint

from contest.results import messages  # noqa: F401  (the words of its error codes)

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
