"""The organizer's download of a contest's full archive."""

import tempfile

from flask import abort, send_file
from flask_login import current_user

from contest.archive import archive, bp
from contest.auth.guards import manages_contest
from contest.core import audit
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.transaction import unit_of_work


@bp.route("/<int:contest_id>.zip")
@manages_contest
def download(contest_id):
    contest = db.get_or_404(Contest, contest_id)
    # Built on disk, not in memory: the videos make it large. Closing it after sending deletes it.
    out = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it once sent)
    try:
        archive.export_contest(db.session, db.metadata, contest.id, out)
    except archive.ArchiveError as error:
        out.close()
        abort(409, str(error))
    # The archive holds personal data and consent forms: who took a copy is on record.
    with unit_of_work(db.session):
        audit.record(db.session, current_user, "contest.archive_downloaded", contest)
    out.seek(0)
    return send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{contest.slug}-archive.zip",
    )
