"""Organizer downloads: the results and the anonymised score sheets as CSV files, of the final
round or of any round (`?round=<id>`)."""

from flask import Response

from contest.auth.guards import sees_contest
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.storage.base import content_disposition
from contest.results import bp, exports
from contest.results.views import requested_round


def _csv_download(text, filename):
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": content_disposition(filename, inline=False)},
    )


def _name(contest, round_, what):
    """The file's name: the contest's, and the round's when it is not the final one."""
    part = "" if round_ is contest.final_round else f"-round-{round_.position}"
    return f"{contest.slug}{part}-{what}.csv"


@bp.route("/<int:contest_id>/results.csv")
@sees_contest
def export_results(contest_id):
    contest = db.get_or_404(Contest, contest_id)
    round_ = requested_round(contest)
    text = exports.results_csv(db.session, contest, round_)
    return _csv_download(text, _name(contest, round_, "results"))


@bp.route("/<int:contest_id>/score-sheets.csv")
@sees_contest
def export_sheets(contest_id):
    contest = db.get_or_404(Contest, contest_id)
    round_ = requested_round(contest)
    text = exports.sheets_csv(db.session, contest, round_)
    return _csv_download(text, _name(contest, round_, "score-sheets"))
