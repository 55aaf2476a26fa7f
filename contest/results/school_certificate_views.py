"""A teacher's certificates: their school's participation and each of its winning entries, once
the contest's results are published. Another school's are not found (404)."""

from flask import abort, render_template
from flask_login import current_user

from contest.auth.guards import teacher_required
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import School
from contest.results import certificate_views as organizer_views
from contest.results import certificates, school_bp


def _my_school_files(school_id, contest_id):
    """(school, contest, the school's certificate files) for one of the teacher's schools."""
    if school_id not in current_user.school_ids:
        abort(404)
    school = db.get_or_404(School, school_id)
    contest = db.get_or_404(Contest, contest_id)
    return school, contest, certificates.certificate_files(db.session, contest, school_id)


@school_bp.route("/<int:school_id>/certificates/<int:contest_id>")
@teacher_required
def certificates_index(school_id, contest_id):
    school, contest, files = _my_school_files(school_id, contest_id)
    return render_template(
        "results/school_certificates.html", school=school, contest=contest, files=files
    )


@school_bp.route("/<int:school_id>/certificates/<int:contest_id>/participation.pdf")
@teacher_required
def participation_certificate(school_id, contest_id):
    _, _, files = _my_school_files(school_id, contest_id)
    return organizer_views.send_certificate(certificates.find_file(files, school_id=school_id))


@school_bp.route("/<int:school_id>/certificates/<int:contest_id>/entries/<int:entry_id>.pdf")
@teacher_required
def entry_certificate(school_id, contest_id, entry_id):
    _, _, files = _my_school_files(school_id, contest_id)
    return organizer_views.send_certificate(certificates.find_file(files, entry_id=entry_id))
