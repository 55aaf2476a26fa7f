"""The teacher's upload page: upload (or replace) an entry's video, with progress, pause and
resume, through tus or straight to S3 (static/js/upload.js)."""

from flask import abort, current_app, render_template, url_for
from flask_login import current_user

from contest.auth.guards import teacher_required
from contest.core.errors import ContestError
from contest.core.extensions import db
from contest.core.models.entries import Entry
from contest.core.storage import get_storage
from contest.submissions.entries import check_can_change_entry, contest_of, submission_deadline
from contest.submissions.media import format_duration
from contest.uploads import bp
from contest.uploads.views import user


@bp.route("/entry/<int:entry_id>")
@teacher_required
def entry_page(entry_id):
    """Upload (or replace) an entry's video, with progress, pause and resume."""
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        abort(404)
    if not current_user.has_role("teacher", school_id=entry.school_id):
        abort(403)
    contest = contest_of(db.session, entry)
    try:
        check_can_change_entry(db.session, user(), entry)
        closed_reason = None
    except ContestError as error:
        closed_reason = error.message
    direct = get_storage().direct
    return render_template(
        "uploads/entry.html",
        entry=entry,
        contest=contest,
        closed_reason=closed_reason,
        deadline=submission_deadline(db.session, contest, entry.school_id),
        max_size=f"{contest.max_bytes / (1024 * 1024):.0f} MB",
        max_length=format_duration(contest.max_video_seconds),
        mode="s3" if direct else "tus",
        endpoint=url_for("uploads.s3_start" if direct else "uploads.tus_files"),
        chunk_bytes=current_app.config["UPLOAD_BROWSER_CHUNK_BYTES"],
        entry_url=entry_url(entry),
    )


def entry_url(entry):
    """Where the teacher goes back to: the entry's own page."""
    return url_for("submissions.show_entry", entry_id=entry.id)
