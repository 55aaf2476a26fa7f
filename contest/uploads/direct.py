"""S3 direct uploads: JSON endpoints for the page when the storage is S3.

The browser PUTs each part straight to the bucket with a presigned URL, so video bytes never
pass through the app; the app starts the multipart upload, signs the parts and, on completion,
checks the object itself (size, type), since presigned parts cannot cap what is sent. These are
ordinary CSRF-protected endpoints: the page sends its token in the X-CSRFToken header.
"""

from flask import current_app, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from contest.core.errors import ContestError
from contest.core.extensions import db
from contest.core.models.entries import Entry
from contest.core.storage import get_storage
from contest.core.storage.base import StorageError
from contest.core.transaction import hold, unit_of_work
from contest.submissions.entries import contest_of
from contest.uploads import bp, lifecycle, multipart
from contest.uploads.views import hand_over, not_stored_yet, refusal, user
from contest.web.errors import json_error

# The status for each kind of refused object (see multipart.check_stored_video).
REFUSED_OBJECT = {"too_large": 413, "not_video": 415}


def _direct_storage():
    """The S3 storage, or the error response when the user or the storage can't upload here."""
    if not current_user.is_authenticated:
        return None, json_error(401, "Sign in to upload videos.")
    storage = get_storage()
    if not storage.direct:
        return None, json_error(
            404, "Videos are uploaded through the app here (tus: /uploads/files)."
        )
    return storage, None


def _upload_answer(upload, storage, status=200, done=()):
    parts = multipart.part_links(upload, storage)
    body = {
        "upload_id": upload.id,
        "length": upload.length,
        "part_size": upload.upload_metadata["part_size"],
        "parts": [{"number": part.number, "url": part.url} for part in parts],
        "done": [{"number": n, "etag": etag, "size": size} for n, etag, size in done],
        "complete_url": url_for("uploads.s3_complete", upload_id=upload.id),
        "abort_url": url_for("uploads.s3_upload", upload_id=upload.id),
        "expires_at": upload.expires_at.isoformat(),
    }
    return body, status


def _storage_trouble(error):
    current_app.logger.warning("S3 upload step failed: %s", error)
    return json_error(503, "The video store did not answer as expected: try again in a minute.")


@bp.route("/s3", methods=["POST"])
def s3_start():
    """Start a direct upload: {entry_id, filename, size, filetype} → upload id and part URLs."""
    storage, problem = _direct_storage()
    if problem:
        return problem
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, "Send the upload's details as JSON.")
    entry_id, size = data.get("entry_id"), data.get("size")
    if type(entry_id) is not int or type(size) is not int:
        return json_error(400, "entry_id and size must be whole numbers.")
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        return json_error(404, "There is no such entry.")
    try:
        with unit_of_work(db.session, show=hold) as work:
            upload = multipart.start_direct_upload(
                db.session,
                user(),
                entry,
                size,
                str(data.get("filename") or ""),
                str(data.get("filetype") or ""),
                storage,
                current_app.config["UPLOAD_EXPIRY_SECONDS"],
                current_app.config["UPLOAD_S3_PART_BYTES"],
                lifecycle.UploadLimits.from_config(current_app.config),
            )
    except StorageError as error:
        return _storage_trouble(error)
    if work.error:
        return refusal(work.error, size, contest_of(db.session, entry).max_bytes)
    return _upload_answer(upload, storage, status=201)


@bp.route("/s3/<upload_id>", methods=["GET", "DELETE"])
def s3_upload(upload_id):
    """GET: where a direct upload stands (parts received, fresh part URLs) to resume it;
    DELETE: abort it and drop its parts."""
    storage, problem = _direct_storage()
    if problem:
        return problem
    upload = lifecycle.find_upload(db.session, user(), upload_id, backend="s3")
    if upload is None:
        return json_error(404, "There is no such upload (or it is not yours).")
    try:
        if request.method == "DELETE":
            with unit_of_work(db.session):
                lifecycle.end_upload(db.session, upload, storage, None)
            return "", 204
        if upload.completed_at is not None:
            return json_error(409, "This upload is already complete.")
        if lifecycle.is_expired(upload):
            return json_error(410, "This upload expired before it was finished: start it again.")
        done = storage.uploaded_parts(upload.staging_key, upload.multipart_id)
        return _upload_answer(upload, storage, done=done)
    except StorageError as error:
        return _storage_trouble(error)


@bp.route("/s3/<upload_id>/complete", methods=["POST"])
def s3_complete(upload_id):
    """Finish a direct upload: {parts: [{number, etag}]} → the checked video goes to the entry."""
    storage, problem = _direct_storage()
    if problem:
        return problem
    upload = lifecycle.find_upload(db.session, user(), upload_id, backend="s3")
    if upload is None:
        return json_error(404, "There is no such upload (or it is not yours).")
    if upload.completed_at is not None:  # a repeated request: say it is received, again
        return _received(upload, status=200)
    data = request.get_json(silent=True)
    parts = data.get("parts") if isinstance(data, dict) else None
    if upload.asset_id is None and not isinstance(parts, list):
        return json_error(400, 'Send the uploaded parts as JSON: {"parts": [{number, etag}]}.')
    try:
        # The object and its Asset are safe before anything else happens; a refused object is
        # deleted and its upload ended, and that is kept too.
        with unit_of_work(db.session, show=hold, keep=(ContestError,)) as work:
            multipart.store_direct_upload(db.session, upload, parts, storage)
    except StorageError as error:
        return _storage_trouble(error)
    except SQLAlchemyError:
        return not_stored_yet(upload, "send this request again in a minute")
    if work.error:
        status = REFUSED_OBJECT.get(work.error.field)
        return json_error(status, work.error.message) if status else refusal(work.error)
    refused = hand_over(upload, storage)
    return refusal(refused) if refused else _received(upload)


def _received(upload, status=201):
    return {
        "status": "received",
        "message": "We received your video. It is being processed: we will tell you when it "
        "is ready.",
        "asset_size": upload.length,
    }, status
