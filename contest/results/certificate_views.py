"""The organizer's certificates: the list, each PDF and a zip of them all, once published."""

import io

from flask import abort, render_template, send_file
from werkzeug.utils import secure_filename

from contest.auth.guards import sees_contest
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.results import bp, certificates


def send_certificate(file):
    """A CertificateFile as a PDF download (404 for None: nothing to certify there)."""
    if file is None:
        abort(404)
    return send_file(
        io.BytesIO(certificates.render(file.pages)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=file.filename,
    )


def _published_files(contest_id):
    contest = db.get_or_404(Contest, contest_id)
    if contest.published_at is None:
        abort(404)
    return contest, certificates.certificate_files(db.session, contest)


@bp.route("/<int:contest_id>/certificates")
@sees_contest
def certificates_index(contest_id):
    contest = db.get_or_404(Contest, contest_id)
    return render_template(
        "results/certificates.html",
        contest=contest,
        files=certificates.certificate_files(db.session, contest),
    )


@bp.route("/<int:contest_id>/certificates/entries/<int:entry_id>.pdf")
@sees_contest
def entry_certificate(contest_id, entry_id):
    _, files = _published_files(contest_id)
    return send_certificate(certificates.find_file(files, entry_id=entry_id))


@bp.route("/<int:contest_id>/certificates/schools/<int:school_id>.pdf")
@sees_contest
def school_certificate(contest_id, school_id):
    _, files = _published_files(contest_id)
    return send_certificate(certificates.find_file(files, school_id=school_id))


@bp.route("/<int:contest_id>/certificates.zip")
@sees_contest
def certificates_zip(contest_id):
    contest, files = _published_files(contest_id)
    if not files:
        abort(404)
    return send_file(
        io.BytesIO(certificates.zip_files(files)),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{secure_filename(contest.slug) or contest.id}-certificates.zip",
    )
