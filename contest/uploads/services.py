"""The life of an upload: start it (permission and size checked first), record its progress, turn
the finished file into the entry's video, end it, and sweep away abandoned ones.

Flask-free: a session, the user, plain values and a Storage in; rows or contest.errors out. Two
routes lead here: tus through the app (bytes staged in a local folder, then moved into storage)
and, when the storage is S3, presigned multipart parts the browser PUTs straight to the bucket.
"""

import logging
import math
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from contest.dbtypes import utcnow
from contest.errors import ContestError, ValidationError
from contest.storage.base import StorageError, display_name
from contest.storage.models import Asset
from contest.submissions.media import SNIFF_BYTES, VIDEO_KINDS, describe_kind, sniff
from contest.submissions.models import Entry
from contest.submissions.services import (
    check_can_change_entry,
    check_can_upload_video,
    check_video_size,
    contest_of,
    receive_video,
)
from contest.uploads.models import Upload

log = logging.getLogger(__name__)

_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
# What the browser says a video is, kept until the pipeline sniffs the bytes; anything else
# is recorded as unknown bytes.
_VIDEO_TYPE = re.compile(r"video/[a-z0-9][a-z0-9.+-]{0,60}")
UNKNOWN_TYPE = "application/octet-stream"
S3_MAX_PARTS = 10_000
S3_MAX_LINK_SECONDS = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live
MIB = 1024 * 1024


class UploadGone(Exception):
    """The upload was ended (or swept away) while a request was still writing to it."""


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


def video_key(entry):
    return f"originals/{entry.id}/{secrets.token_hex(16)}"


def _new_upload(session, user, entry, length, filename, filetype, expiry_seconds, now, **fields):
    upload_id = secrets.token_hex(16)
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


def start_tus_upload(session, user, entry, length, filename, filetype, folder, expiry_seconds):
    """A new tus upload of `length` bytes for `entry`, with its empty staged file.

    Refused (NotAllowed, PhaseClosed, ValidationError) before anything is stored: not the
    teacher of the entry's school, entries closed, an empty file or one over the contest's limit.
    """
    now = utcnow()
    check_can_upload_video(session, user, entry, length, now)
    upload = _new_upload(
        session, user, entry, length, filename, filetype, expiry_seconds, now, backend="local"
    )
    descriptor = os.open(staging_path(folder, upload), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(descriptor)
    return upload


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
    """Save that bytes up to `offset` are written (from `recorded`) and push back the expiry;
    commit. UploadGone if the upload was ended or moved on meanwhile."""
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
    session.commit()
    if changed != 1:
        raise UploadGone(upload_id)


def _accept_video(session, user, upload, entry, backend, key, size, now):
    """The stored object becomes an Asset and the entry's new video (receive_video)."""
    asset = Asset(
        backend=backend,
        key=key,
        content_type=upload.upload_metadata.get("filetype") or UNKNOWN_TYPE,
        size_bytes=size,
        original_name=upload.filename,
    )
    session.add(asset)
    session.flush()
    upload.upload_offset = upload.length
    upload.completed_at = now
    upload.updated_at = now
    receive_video(session, user, entry, asset, started_at=upload.created_at, now=now)
    return asset


def finish_tus_upload(session, user, upload, storage, folder):
    """Move a fully staged tus upload into storage and hand it to the entry; return the Asset.

    The caller commits. If the entry no longer takes the video (withdrawn meanwhile, say), the
    stored copy is deleted again and the error propagates. The Asset's sha256 is left to the
    media pipeline, which reads the whole file anyway: hashing here would cost the upload
    itself a second pass (or, while streaming, half its speed on a small server).
    """
    now = utcnow()
    entry = session.get(Entry, upload.entry_id)
    check_can_change_entry(session, user, entry, now=upload.created_at)
    path = staging_path(folder, upload)
    key = video_key(entry)
    content_type = upload.upload_metadata.get("filetype") or UNKNOWN_TYPE
    size = storage.save_file(key, path, content_type)
    try:
        return _accept_video(session, user, upload, entry, storage.name, key, size, now)
    except Exception:
        session.rollback()
        storage.delete(key)
        raise


def end_upload(session, upload, storage, folder):
    """Termination: remove an unfinished upload's bytes (staged file or S3 parts) and its row.

    A finished upload's bytes belong to its Asset now: only the row goes. The caller commits.
    """
    if upload.completed_at is None:
        if upload.backend == "s3":
            if upload.multipart_id:
                storage.abort_multipart(upload.staging_key, upload.multipart_id)
        else:
            staging_path(folder, upload).unlink(missing_ok=True)
    session.delete(upload)


def remove_expired_uploads(session, storage, folder, now=None):
    """End every upload whose expiry has passed, then delete staged files no upload owns (left
    by a deleted entry, say) once they are as old as an expiry; return how many uploads ended.

    Each upload is committed on its own, so one S3 failure leaves the rest swept.
    """
    now = now or utcnow()
    ended = 0
    expired = session.scalars(select(Upload).where(Upload.expires_at <= now)).all()
    for upload in expired:
        try:
            end_upload(session, upload, storage, folder)
            session.commit()
            ended += 1
        except StorageError as error:
            session.rollback()
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


# --- S3: presigned multipart parts, straight from the browser to the bucket -----------------------


def part_size_for(length, preferred):
    """The part size for `length` bytes: `preferred` (>= 5 MiB), grown in whole MiB when the
    file would otherwise need more than S3's 10,000 parts."""
    needed = math.ceil(length / S3_MAX_PARTS)
    return max(preferred, math.ceil(needed / MIB) * MIB)


def part_numbers(upload):
    """1..n for the parts of a direct upload (its part size is fixed when it starts)."""
    count = math.ceil(upload.length / upload.upload_metadata["part_size"])
    return list(range(1, max(1, count) + 1))


def start_direct_upload(
    session, user, entry, length, filename, filetype, storage, expiry_seconds, part_size
):
    """A multipart upload straight to S3 for `entry`, in parts of about `part_size` bytes:
    checked like a tus upload, then started."""
    now = utcnow()
    key = video_key(entry)
    check_can_upload_video(session, user, entry, length, now)
    multipart_id = storage.start_multipart(key, declared_type(filetype))
    upload = _new_upload(
        session,
        user,
        entry,
        length,
        filename,
        filetype,
        expiry_seconds,
        now,
        backend="s3",
        staging_key=key,
        multipart_id=multipart_id,
    )
    upload.upload_metadata = {
        **upload.upload_metadata,
        "part_size": part_size_for(length, part_size),
    }
    return upload


def part_links(upload, storage):
    """Presigned PUT URLs for every part of `upload`, valid until the upload expires."""
    left = int((upload.expires_at - utcnow()).total_seconds())
    seconds = min(max(left, 60), S3_MAX_LINK_SECONDS)
    numbers = part_numbers(upload)
    return storage.presign_parts(upload.staging_key, upload.multipart_id, numbers, expires=seconds)


def _parts_list(parts, expected):
    """[(number, etag)] from the browser's [{"number", "etag"}], every part once, in order."""
    try:
        listed = sorted((int(part["number"]), str(part["etag"])) for part in parts)
    except (TypeError, KeyError, ValueError) as error:
        raise ValidationError("The list of uploaded parts is malformed.") from error
    if [number for number, _ in listed] != list(range(1, expected + 1)):
        raise ValidationError(f"The upload needs all {expected} parts, each once.")
    return listed


def complete_direct_upload(session, user, upload, parts, storage):
    """Join the parts, then check the object as S3 could not: the size the teacher declared and
    within the contest's limit, and bytes that start like a video. A refused object is deleted
    and the upload ended before the ValidationError propagates. Returns the Asset. The caller
    commits, after a refusal too.
    """
    now = utcnow()
    entry = session.get(Entry, upload.entry_id)
    check_can_change_entry(session, user, entry, now=upload.created_at)
    listed = _parts_list(parts, len(part_numbers(upload)))
    stored = storage.complete_multipart(upload.staging_key, upload.multipart_id, listed)
    try:
        check_stored_video(session, entry, upload, storage, stored.size)
        return _accept_video(
            session, user, upload, entry, storage.name, upload.staging_key, stored.size, now
        )
    except ContestError:
        session.rollback()
        storage.delete(upload.staging_key)
        session.delete(upload)  # the parts are joined: nothing is left to abort
        raise


def check_stored_video(session, entry, upload, storage, size):
    """ValidationError unless the object is within the limit ("too_large"), the size declared
    ("size") and starts like a video ("not_video": sniffed from its first bytes)."""
    try:
        check_video_size(contest_of(session, entry), size)
    except ValidationError as error:
        raise ValidationError(error.message, field="too_large" if size else "size") from error
    if size != upload.length:
        raise ValidationError(
            f"The upload holds {size} bytes but {upload.length} were announced: "
            "the file changed or was cut short. Upload it again.",
            field="size",
        )
    kind = sniff(storage.read_start(upload.staging_key, SNIFF_BYTES))
    if kind not in VIDEO_KINDS:
        raise ValidationError(
            f"{describe_kind(kind)} Upload the video itself (an MP4, MOV or WebM file).",
            field="not_video",
        )
