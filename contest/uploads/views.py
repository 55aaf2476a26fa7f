"""Upload endpoints: a tus 1.0.0 server (S3: direct.py; the teacher's page: page.py).

The tus endpoints answer any tus client (tuspy, tus-js-client, the page's own upload.js). They
need the signed-in session of the teacher who started the upload: anyone else's is not found.
"""

import os

from flask import current_app, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import http_date
from werkzeug.wrappers import Response

from contest.core.dbtypes import whole_number
from contest.core.errors import NotAllowed, PhaseClosed
from contest.core.extensions import csrf, db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.storage import get_storage
from contest.core.storage.base import StorageError
from contest.core.transaction import hold, unit_of_work
from contest.submissions.entries import contest_of
from contest.uploads import arrival, bp, lifecycle, tus
from contest.uploads.commands import retry_hand_over
from contest.web.errors import json_error

TUS_ENDPOINTS = {"uploads.tus_files", "uploads.tus_file"}


# --- responses ------------------------------------------------------------------------------------


def refusal(error, length=None, max_bytes=None):
    """The status for a service's refusal: 403 not allowed, 409 entries closed, 413 too big,
    the quota's own 409 or 413."""
    if isinstance(error, lifecycle.QuotaExceeded):
        return json_error(error.status, error.message)
    if isinstance(error, NotAllowed):
        return json_error(403, error.message)
    if isinstance(error, PhaseClosed):
        return json_error(409, error.message)
    if length is not None and max_bytes is not None and length > max_bytes:
        return json_error(413, error.message)
    return json_error(400, error.message)


def expiry_headers(upload):
    return {"Upload-Expires": http_date(upload.expires_at)}


def user():
    return current_user._get_current_object()


@bp.after_request
def tus_resumable_header(response):
    """Every tus response names the protocol version, errors included."""
    if request.endpoint in TUS_ENDPOINTS:
        response.headers["Tus-Resumable"] = tus.TUS_VERSION
    return response


@bp.before_request
def tus_preconditions():
    """Same-origin proof, a signed-in session, the protocol version and the chunk limit.

    The tus endpoints are exempt from Flask-WTF's form token: tus clients cannot send one. They
    need the Tus-Resumable header instead, and a custom header cannot be sent cross-site
    without a CORS preflight, which this app never allows (no Access-Control-Allow-* anywhere),
    while the SameSite=Lax session cookie is not sent on cross-site POST/PATCH/DELETE either. A
    request without the header has no such proof, so it must carry the CSRF token like a form.
    """
    if request.endpoint not in TUS_ENDPOINTS or request.method == "OPTIONS":
        return None
    version = request.headers.get("Tus-Resumable")
    if version is None:
        csrf.protect()
    if not current_user.is_authenticated:
        return json_error(401, "Sign in to upload videos.")
    if version != tus.TUS_VERSION:
        return json_error(
            412,
            f"This server speaks tus {tus.TUS_VERSION}: send Tus-Resumable: {tus.TUS_VERSION}.",
            {"Tus-Version": tus.TUS_VERSION},
        )
    # Werkzeug would stop a PATCH at MAX_CONTENT_LENGTH (form posts); a chunk may be larger.
    request.max_content_length = current_app.config["UPLOAD_CHUNK_MAX_BYTES"]
    return None


def tus_options():
    """What this tus server supports (no Tus-Resumable needed, no sign-in)."""
    largest = db.session.scalar(select(func.max(Contest.max_bytes)))
    headers = {
        "Tus-Version": tus.TUS_VERSION,
        "Tus-Extension": ",".join(tus.EXTENSIONS),
        "Tus-Checksum-Algorithm": ",".join(tus.CHECKSUMS),
    }
    if largest:
        headers["Tus-Max-Size"] = str(largest)
    return Response(status=204, headers=headers)


# --- tus: creation --------------------------------------------------------------------------------


@bp.route("/files", methods=["POST", "OPTIONS"], provide_automatic_options=False)
@csrf.exempt
def tus_files():
    """tus creation: a new upload for the entry named in Upload-Metadata (OPTIONS: discovery)."""
    if request.method == "OPTIONS":
        return tus_options()
    if "Upload-Defer-Length" in request.headers:
        return json_error(400, "Announce the file's size: Upload-Defer-Length is not supported.")
    try:
        length = tus.parse_length(request.headers.get("Upload-Length"), "Upload-Length")
        metadata = tus.parse_metadata(request.headers.get("Upload-Metadata"))
    except tus.TusError as error:
        return json_error(error.status, error.message)
    entry_id = whole_number(metadata.get("entry_id", ""))
    if entry_id is None:
        return json_error(400, "Upload-Metadata must name the entry_id the video is for.")
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        return json_error(404, "There is no such entry.")
    folder = lifecycle.staging_dir(current_app.config)
    with unit_of_work(db.session, show=hold) as work:
        upload = lifecycle.start_tus_upload(
            db.session,
            user(),
            entry,
            length,
            metadata.get("filename", ""),
            metadata.get("filetype", ""),
            folder,
            current_app.config["UPLOAD_EXPIRY_SECONDS"],
            lifecycle.UploadLimits.from_config(current_app.config),
        )
    if work.error:
        return refusal(work.error, length, contest_of(db.session, entry).max_bytes)
    headers = {
        "Location": url_for("uploads.tus_file", upload_id=upload.id),
        **expiry_headers(upload),
    }
    if request.mimetype == tus.OFFSET_CONTENT_TYPE and request.content_length:
        # creation-with-upload: the first chunk came with the POST.
        response = write_chunk(upload, 0, folder)
        if response.status_code >= 400:
            return response
        headers["Upload-Offset"] = response.headers["Upload-Offset"]
    return Response(status=201, headers=headers)


# --- tus: one upload ------------------------------------------------------------------------------


@bp.route(
    "/files/<upload_id>",
    methods=["HEAD", "PATCH", "DELETE", "OPTIONS"],
    provide_automatic_options=False,
)
@csrf.exempt
def tus_file(upload_id):
    """One upload: HEAD its offset, PATCH the next chunk, DELETE it (termination)."""
    if request.method == "OPTIONS":
        return tus_options()
    upload = lifecycle.find_upload(db.session, user(), upload_id, backend="local")
    if upload is None:
        return json_error(404, "There is no such upload (or it is not yours).")
    if request.method == "DELETE":
        return terminate(upload)
    if upload.upload_offset < upload.length and lifecycle.is_expired(upload):
        return json_error(410, "This upload expired before it was finished: start it again.")
    folder = lifecycle.staging_dir(current_app.config)
    if request.method == "HEAD":
        if upload.completed_at is None and upload.upload_offset == upload.length:
            # Every byte arrived but finishing failed: finish now, so the client learns the
            # upload is complete (or why not) rather than resending what is already here.
            problem = finish_again(upload, folder)
            if problem is not None:
                return problem
        return Response(
            status=200,
            headers={
                "Upload-Offset": str(upload.upload_offset),
                "Upload-Length": str(upload.length),
                "Cache-Control": "no-store",
                **expiry_headers(upload),
            },
        )
    if request.mimetype != tus.OFFSET_CONTENT_TYPE:
        return json_error(415, f"Send the chunk as Content-Type: {tus.OFFSET_CONTENT_TYPE}.")
    try:
        offset = tus.parse_length(request.headers.get("Upload-Offset"), "Upload-Offset")
    except tus.TusError as error:
        return json_error(error.status, error.message)
    if offset != upload.upload_offset:
        return json_error(
            409,
            f"Upload-Offset {offset} does not match the {upload.upload_offset} bytes received: "
            "ask with HEAD and resume from there.",
        )
    if upload.upload_offset == upload.length:
        if request.content_length:
            return json_error(413, "This upload is already complete.")
        # A repeated last PATCH: finish what a failure left unfinished, then say complete.
        return finish_again(upload, folder) or complete(upload)
    return write_chunk(upload, offset, folder)


def write_chunk(upload, offset, folder):
    """Stream the request body onto the staged file at `offset`; finish the upload at its end."""
    room = upload.length - offset
    if request.content_length is not None and request.content_length > room:
        return json_error(
            413,
            f"This chunk of {request.content_length} bytes goes past the {upload.length} bytes "
            "the upload announced.",
        )
    if (request.content_length or 0) > request.max_content_length:
        return json_error(
            413, f"Send chunks of at most {request.max_content_length // (1024 * 1024)} MB."
        )
    try:
        checksum = tus.parse_checksum(request.headers.get("Upload-Checksum"))
    except tus.TusError as error:
        return json_error(error.status, error.message)
    expiry = current_app.config["UPLOAD_EXPIRY_SECONDS"]
    upload_id, length = upload.id, upload.length
    recorded = offset

    def record(new_offset):
        nonlocal recorded
        if new_offset != recorded:
            with unit_of_work(db.session):
                lifecycle.record_offset(db.session, upload_id, recorded, new_offset, expiry)
            recorded = new_offset

    try:
        with tus.locked_file(lifecycle.staging_path(folder, upload)) as file:
            # No transaction stays open while the bytes stream in (minutes, on a slow uplink).
            with unit_of_work(db.session):
                db.session.refresh(upload)
                moved = upload.upload_offset != offset or upload.completed_at is not None
            if moved:
                return json_error(409, "Another request moved this upload on: ask with HEAD.")
            try:
                new_offset = receive(file, offset, room, checksum, record)
            except tus.ChunkRefused as refused:
                record(refused.offset)
                return json_error(refused.status, refused.message, {"Upload-Offset": str(recorded)})
            if new_offset < length:
                record(new_offset)
                return Response(
                    status=204,
                    headers={"Upload-Offset": str(new_offset), **expiry_headers(upload)},
                )
            # On disk, and the row says every byte is here, before the bytes move on: from now
            # on a failure is finished by a retry (HEAD, PATCH), never lost.
            os.fsync(file.fileno())
            record(new_offset)
            return finish(upload, folder) or complete(upload)
    except tus.TusError as error:
        return json_error(error.status, error.message)
    except lifecycle.UploadGone:
        return json_error(404, "This upload was ended while the chunk was arriving.")


def receive(file, offset, room, checksum, record):
    """The body of this PATCH (or POST) onto `file` at `offset`: straight from the socket when
    the server allows it and nothing needs to see the bytes (no checksum), else read in chunks."""
    body = None
    if checksum is None and "stream" not in request.__dict__:  # nothing has read the body yet
        body = tus.socket_body(request.environ.get("wsgi.input"), request.content_length)
    if body is not None:
        return tus.splice_chunk(file, offset, body, request.content_length, on_progress=record)
    return tus.append_chunk(file, offset, request.stream, room, checksum, on_progress=record)


def complete(upload):
    return Response(status=204, headers={"Upload-Offset": str(upload.length)})


def finish_again(upload, folder):
    """`finish` for a HEAD or a repeated PATCH, holding the staged file's lock if it is still
    there, so it never races a request still writing or finishing it."""
    path = lifecycle.staging_path(folder, upload)
    if upload.unfinished and path.exists():
        try:
            with tus.locked_file(path):
                db.session.refresh(upload)
                return finish(upload, folder)
        except tus.TusError as error:
            if error.status != 404:  # moved on meanwhile: finish from storage
                return json_error(error.status, error.message)
    return finish(upload, folder)


def finish(upload, folder):
    """Every byte is in: store the file and record its Asset (committed first), then hand it to
    the entry. None when done, else the error response. Repeatable: a retry takes up where a
    failure stopped."""
    if upload.completed_at is not None:  # done (its bytes may be gone since: a refused video)
        return None
    storage = get_storage()
    if upload.asset_id is None:
        try:
            with unit_of_work(db.session, show=hold) as work:
                arrival.store_tus_upload(db.session, upload, storage, folder)
        except (StorageError, SQLAlchemyError):
            return not_stored_yet(upload, "try again in a minute and the upload will finish")
        if work.error:
            # The entry no longer takes videos (withdrawn meanwhile, say): this upload can't finish.
            with unit_of_work(db.session):
                lifecycle.end_upload(db.session, upload, storage, folder)  # staged or stored bytes
            return refusal(work.error)
    refused = hand_over(upload, storage)
    return refusal(refused) if refused else None


def not_stored_yet(upload, what_to_do):
    """503 for an upload whose every byte arrived but whose storing failed: nothing is deleted,
    and the client's retry (`what_to_do`) finishes it."""
    current_app.logger.exception("upload %s arrived but could not be stored", upload.id)
    return json_error(
        503,
        f"Your whole video arrived, but it could not be stored just now. Nothing is lost: "
        f"{what_to_do}.",
        {"Retry-After": "60"},
    )


def hand_over(upload, storage):
    """Hand a stored upload to its entry; the refusal if the entry no longer takes it. A failure
    here never undoes the stored upload: it is logged and retried by the job queue."""
    try:
        return arrival.deliver(db.session, upload, storage)
    except SQLAlchemyError:
        current_app.logger.exception("upload %s stored; its entry is told later", upload.id)
        retry_hand_over(upload.id)
        return None


def terminate(upload):
    """Termination: the staged bytes and the row go (423 while a chunk is still arriving)."""
    folder = lifecycle.staging_dir(current_app.config)
    with unit_of_work(db.session):
        try:
            with tus.locked_file(lifecycle.staging_path(folder, upload)):
                lifecycle.end_upload(db.session, upload, get_storage(), folder)
        except tus.TusError as error:
            if error.status != 404:  # no staged file (finished, or lost): the row still goes
                return json_error(error.status, error.message)
            lifecycle.end_upload(db.session, upload, get_storage(), folder)
    return Response(status=204)
