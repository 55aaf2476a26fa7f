"""The life of an upload: start it (permission, size and the school's bounds checked first),
record its progress, end it, and sweep away abandoned ones. Turning the finished bytes into the
entry's video is `arrival`; S3's presigned parts are `multipart`.

Flask-free: a session, the user, plain values and a Storage in; rows or contest.core.errors out. Two
routes lead here: tus through the app (bytes staged in a local folder, then moved into storage)
and, when the storage is S3, presigned multipart parts the browser PUTs straight to the bucket.
"""

import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from contest.core.dbtypes import utcnow
from contest.core.errors import ContestError
from contest.core.models.entries import Entry, School
from contest.core.models.uploads import Upload
from contest.core.storage.base import StorageError, display_name
from contest.core.transaction import unit_of_work
from contest.submissions.entries import (
    check_can_upload_video,
)

log = logging.getLogger(__name__)

_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
# What the browser says a video is, kept until the pipeline sniffs the bytes; anything else
# is recorded as unknown bytes.
_VIDEO_TYPE = re.compile(r"video/[a-z0-9][a-z0-9.+-]{0,60}")
UNKNOWN_TYPE = "application/octet-stream"
GIB = 1024 * 1024 * 1024


class UploadGone(Exception):
    """The upload was ended (or swept away) while a request was still writing to it."""


class QuotaExceeded(ContestError):
    """The school's unfinished uploads are at their bound: `status` is 409 (too many at once)
    or 413 (too many bytes reserved)."""

    def __init__(self, code, status, **params):
        super().__init__(code, field="quota", **params)
        self.status = status


@dataclass(frozen=True)
class UploadLimits:
    """A school's bounds on unfinished uploads (UPLOAD_SCHOOL_MAX_*)."""

    max_unfinished: int
    max_staged_bytes: int

    @classmethod
    def from_config(cls, config):
        return cls(config["UPLOAD_SCHOOL_MAX_UNFINISHED"], config["UPLOAD_SCHOOL_MAX_STAGED_BYTES"])


def staging_dir(config):
    """The folder tus uploads are staged in (UPLOAD_STAGING_DIR, else INSTANCE_DIR/uploads),
    made readable by the app's user only. It is never served."""
    folder = Path(config.get("UPLOAD_STAGING_DIR") or Path(config["INSTANCE_DIR"]) / "uploads")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def staging_path(folder, upload):
    """The staged file of a tus upload: named by the upload's random id, never the client's."""
    if not _UPLOAD_ID.fullmatch(upload.staging_key):
        raise StorageError(f"upload {upload.id} has no staged file")
    return Path(folder) / upload.staging_key


def declared_type(filetype):
    """The client's content type if it claims a video, else unknown bytes (the pipeline sniffs)."""
    filetype = (filetype or "").strip().lower()
    return filetype if _VIDEO_TYPE.fullmatch(filetype) else UNKNOWN_TYPE


def video_key(entry_id, upload_id):
    """Where an upload's bytes are stored: named by the upload, so a finish that failed half-way
    finds them again."""
    return f"originals/{entry_id}/{upload_id}"


def new_upload(
    session, user, entry, length, filename, filetype, expiry_seconds, now, upload_id, **fields
):
    fields.setdefault("staging_key", upload_id)
    upload = Upload(
        id=upload_id,
        user_id=user.id,
        entry_id=entry.id,
        purpose="video",
        length=length,
        upload_offset=0,
        filename=display_name(filename, limit=255),
        upload_metadata={"filetype": declared_type(filetype)},
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(seconds=expiry_seconds),
        **fields,
    )
    session.add(upload)
    session.flush()
    return upload


def start_tus_upload(
    session, user, entry, length, filename, filetype, folder, expiry_seconds, limits
):
    """A new tus upload of `length` bytes for `entry`, with its empty staged file; it supersedes
    the entry's unfinished upload, if any.

    Refused (NotAllowed, PhaseClosed, ValidationError, QuotaExceeded) before anything is stored:
    not the teacher of the entry's school, entries closed, an empty file or one over the
    contest's limit, or the school's unfinished uploads at their bound (`limits`).
    """
    now = utcnow()
    admit(session, user, entry, length, now, limits, "local", folder=folder)
    upload = new_upload(
        session,
        user,
        entry,
        length,
        filename,
        filetype,
        expiry_seconds,
        now,
        secrets.token_hex(16),
        backend="local",
    )
    descriptor = os.open(staging_path(folder, upload), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(descriptor)
    return upload


def supersede_unfinished(session, entry, backend, storage=None, folder=None):
    """End `entry`'s unfinished uploads through `backend` ("local": staged in `folder`; "s3":
    parts in `storage`), their bytes at once: an entry has one video, so a new upload replaces
    one left half-way (a chunk still arriving for it finds it gone). One whose every byte
    arrived is not abandoned: a retry finishes it (`finish_arrived`)."""
    for upload in session.scalars(
        select(Upload).where(
            Upload.entry_id == entry.id,
            Upload.backend == backend,
            Upload.unfinished,
            Upload.upload_offset < Upload.length,
        )
    ):
        end_upload(session, upload, storage, folder)
    session.flush()


def admit(session, user, entry, length, now, limits, backend, storage=None, folder=None):
    """The checks before a new upload through `backend`: may this user upload this video to
    this entry now; the entry's unfinished upload ends; the school's bounds hold. The school's
    row is locked first (PostgreSQL; SQLite has one writer anyway), so requests sent at once
    count one after the other."""
    session.execute(select(School.id).where(School.id == entry.school_id).with_for_update())
    check_can_upload_video(session, user, entry, length, now)
    supersede_unfinished(session, entry, backend, storage=storage, folder=folder)
    check_school_quota(session, entry, length, limits)


def check_school_quota(session, entry, length, limits):
    """QuotaExceeded if one more upload of `length` bytes would pass the school's bounds. Every
    unfinished upload counts: an expired one holds its bytes until the sweep."""
    count, reserved = session.execute(
        select(func.count(), func.coalesce(func.sum(Upload.length), 0))
        .select_from(Upload)
        .join(Entry, Entry.id == Upload.entry_id)
        .where(Entry.school_id == entry.school_id, Upload.unfinished)
    ).one()
    if count >= limits.max_unfinished:
        raise QuotaExceeded(
            "uploads.school_already_unfinished_uploads",
            409,
            count=count,
        )
    if reserved + length > limits.max_staged_bytes:
        raise QuotaExceeded(
            "uploads.school_s_unfinished_uploads",
            413,
            reserved_gb=reserved / GIB,
            limit_gb=limits.max_staged_bytes / GIB,
            needed_gb=length / GIB,
        )


def find_upload(session, user, upload_id, backend=None):
    """`user`'s upload with this id (of `backend` if given), or None: others' are never found."""
    if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
        return None
    upload = session.get(Upload, upload_id)
    if upload is None or upload.user_id != user.id:
        return None
    if backend is not None and upload.backend != backend:
        return None
    return upload


def is_expired(upload, now=None):
    return upload.expires_at <= (now or utcnow())


def record_offset(session, upload_id, recorded, offset, expiry_seconds):
    """Save that bytes up to `offset` are written (from `recorded`) and push back the expiry.
    UploadGone if the upload was ended or moved on meanwhile."""
    now = utcnow()
    changed = session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.upload_offset == recorded)
        .values(
            upload_offset=offset,
            updated_at=now,
            expires_at=now + timedelta(seconds=expiry_seconds),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise UploadGone(upload_id)


def end_upload(session, upload, storage, folder):
    """Termination: remove an unfinished upload's bytes (staged file or S3 parts) and its row.

    A stored upload's bytes belong to its Asset now: only the row goes. The caller commits.
    """
    if upload.unfinished:
        if upload.backend == "s3":
            if upload.multipart_id:
                _abort_or_delete(storage, upload)
        else:
            staging_path(folder, upload).unlink(missing_ok=True)
            if upload.upload_offset == upload.length and storage is not None:
                # Moved into storage by a finish whose commit failed: no Asset names it.
                storage.delete(video_key(upload.entry_id, upload.id))
    session.delete(upload)


def _abort_or_delete(storage, upload):
    """Abort a direct upload's parts; if they were joined already (a completion whose commit
    failed), delete the object no Asset names instead."""
    try:
        storage.abort_multipart(upload.staging_key, upload.multipart_id)
    except StorageError as error:
        try:
            storage.stat(upload.staging_key)
        except StorageError:
            raise error from None  # no object either: the abort's error stands
        storage.delete(upload.staging_key)


def remove_expired_uploads(session, storage, folder, now=None):
    """End every upload whose expiry has passed, then delete staged files no upload owns (left
    by a deleted entry, say) once they are as old as an expiry; return how many uploads ended.

    Each upload is committed on its own, so one S3 failure leaves the rest swept.
    """
    now = now or utcnow()
    ended = 0
    # An upload whose every byte arrived is never thrown away: arrival.finish_arrived ends it.
    expired = session.scalars(
        select(Upload).where(Upload.expires_at <= now, ~Upload.arrived_unfinished)
    ).all()
    for upload in expired:
        try:
            with unit_of_work(session):
                end_upload(session, upload, storage, folder)
            ended += 1
        except StorageError as error:
            log.warning("expired upload %s not removed yet: %s", upload.id, error)
    return ended


def remove_orphaned_staged_files(session, folder, older_than_seconds, now=None):
    """Delete staged files with no upload row, untouched for `older_than_seconds`; their count."""
    now = (now or utcnow()).timestamp()
    known = set(session.scalars(select(Upload.staging_key).where(Upload.backend == "local")))
    removed = 0
    for path in Path(folder).iterdir():
        if not _UPLOAD_ID.fullmatch(path.name) or path.name in known:
            continue
        if now - path.stat().st_mtime >= older_than_seconds:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
