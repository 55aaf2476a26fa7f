"""/health for load balancers and monitors, and /ping: the cheapest answer the app can give."""

from flask import current_app, jsonify

from contest.health import bp
from contest.health.checks import run_checks


@bp.route("/health")
def health():
    results = run_checks()
    failed = sorted(part for part, error in results.items() if error is not None)
    for part in failed:  # the details (hosts, buckets) go to the log, not to the public
        current_app.logger.error("Health check: %s failed: %s", part, results[part])
    body = {
        "status": "failing" if failed else "ok",
        "checks": {part: "failed" if results[part] else "ok" for part in sorted(results)},
        "failed": failed,
    }
    response = jsonify(body)
    response.status_code = 503 if failed else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/ping")
def ping():
    """No database, no session, no template: the ceiling the load benchmark compares against."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
