"""Organizer downloads: the results and the anonymised score sheets as CSV files."""

from flask import Response

from contest.auth.guards import sees_contest
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.storage.base import content_disposition
from contest.results import bp, exports


def _csv_download(text, filename):
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": content_disposition(filename, inline=False)},
    )


@bp.route("/<int:contest_id>/results.csv")
@sees_contest
def export_results(contest_id):
    contest = db.get_or_404(Contest, contest_id)
    return _csv_download(exports.results_csv(db.session, contest), f"{contest.slug}-results.csv")


@bp.route("/<int:contest_id>/score-sheets.csv")
@sees_contest
def export_sheets(contest_id):
    contest = db.get_or_404(Contest, contest_id)
    return _csv_download(
        exports.sheets_csv(db.session, contest), f"{contest.slug}-score-sheets.csv"
    )
