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
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, or_, select, update

from contest.auth.models import User
from contest.dbtypes import utcnow
from contest.errors import ContestError, ValidationError
from contest.storage import storage_for
from contest.storage.base import StorageError, display_name
from contest.storage.models import Asset
from contest.submissions.media import SNIFF_BYTES, VIDEO_KINDS, describe_kind, sniff
from contest.submissions.models import Entry, School
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
GIB = 1024 * MIB


class UploadGone(Exception):
    """The upload was ended (or swept away) while a request was still writing to it."""


class QuotaExceeded(ContestError):
    """The school's unfinished uploads are at their bound: `status` is 409 (too many at once)
    or 413 (too many bytes reserved)."""

    def __init__(self, message, status):
        super().__init__(message, field="quota")
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


def _new_upload(
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
    upload = _new_upload(
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


def _unfinished(session, now):
    """Unfinished uploads: their bytes are held until the upload ends (an expired one's until
    the sweep), so they all count."""
    return select(Upload).where(Upload.asset_id.is_(None), Upload.completed_at.is_(None))


def supersede_unfinished(session, entry, backend, storage=None, folder=None):
    """End `entry`'s unfinished uploads through `backend` ("local": staged in `folder`; "s3":
    parts in `storage`), their bytes at once: an entry has one video, so a new upload replaces
    one left half-way (a chunk still arriving for it finds it gone). One whose every byte
    arrived is not abandoned: a retry finishes it (`finish_arrived`)."""
    for upload in session.scalars(
        select(Upload).where(
            Upload.entry_id == entry.id,
            Upload.backend == backend,
            Upload.asset_id.is_(None),
            Upload.completed_at.is_(None),
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
    check_school_quota(session, entry, length, now, limits)


def check_school_quota(session, entry, length, now, limits):
    """QuotaExceeded if one more upload of `length` bytes would pass the school's bounds."""
    count, reserved = session.execute(
        _unfinished(session, now)
        .with_only_columns(func.count(), func.coalesce(func.sum(Upload.length), 0))
        .join(Entry, Entry.id == Upload.entry_id)
        .where(Entry.school_id == entry.school_id)
    ).one()
    if count >= limits.max_unfinished:
        raise QuotaExceeded(
            f"Your school already has {count} unfinished uploads, the most it may have at once. "
            "Let one of them finish, or cancel one, then start this one again.",
            409,
        )
    if reserved + length > limits.max_staged_bytes:
        raise QuotaExceeded(
            f"Your school's unfinished uploads already hold {reserved / GIB:.1f} GB of the "
            f"{limits.max_staged_bytes / GIB:.1f} GB they may hold together; this video needs "
            f"{length / GIB:.1f} GB more. Let the others finish, or cancel one, then try again.",
            413,
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


def _store_asset(session, upload, backend, key, size):
    """The stored bytes become an Asset, linked to the upload: commit this before anything else,
    so a later failure (telling the entry, mail, jobs) can never lose them."""
    asset = Asset(
        backend=backend,
        key=key,
        content_type=upload.upload_metadata.get("filetype") or UNKNOWN_TYPE,
        size_bytes=size,
        original_name=upload.filename,
        entry_id=upload.entry_id,
        kind="original_video",
    )
    session.add(asset)
    session.flush()
    upload.asset_id = asset.id
    upload.upload_offset = upload.length
    upload.updated_at = utcnow()
    return asset


def store_tus_upload(session, upload, storage, folder):
    """Move a fully staged tus upload into storage and record its Asset; the caller commits,
    then calls `hand_over`.

    Repeatable: after a failure the bytes are still staged, or already stored under the
    upload's own key, and are taken from where they are. The Asset's sha256 is left to the
    media pipeline, which reads the whole file anyway.
    """
    if upload.asset_id is not None:
        return session.get(Asset, upload.asset_id)
    entry, user = session.get(Entry, upload.entry_id), session.get(User, upload.user_id)
    check_can_change_entry(session, user, entry, now=upload.created_at)
    path = staging_path(folder, upload)
    key = video_key(upload.entry_id, upload.id)
    content_type = upload.upload_metadata.get("filetype") or UNKNOWN_TYPE
    # Not staged any more: moved into storage by an attempt whose commit failed.
    size = storage.save_file(key, path, content_type) if path.exists() else storage.stat(key).size
    if size != upload.length:
        raise StorageError(f"upload {upload.id}: {size} bytes stored, {upload.length} expected")
    return _store_asset(session, upload, storage.name, key, size)


def hand_over(session, upload, now=None):
    """The stored upload becomes its entry's video (receive_video: receipt, processing queued
    for after the commit); the caller commits. ContestError if the entry no longer takes it
    (then `drop_stored` it)."""
    now = now or utcnow()
    entry = session.get(Entry, upload.entry_id)
    asset = session.get(Asset, upload.asset_id)
    user = session.get(User, upload.user_id)
    receive_video(session, user, entry, asset, started_at=upload.created_at, now=now)
    upload.completed_at = now
    upload.updated_at = now
    return asset


def drop_stored(session, upload, storage):
    """An upload whose entry refused it: its stored object, Asset and row go. Caller commits."""
    asset = session.get(Asset, upload.asset_id) if upload.asset_id else None
    if asset is not None:
        storage_for(asset).delete(asset.key)
        session.delete(asset)
    session.delete(upload)


def abandon(session, upload, storage, folder):
    """End an upload its entry refused before it was stored: its staged bytes, or the object an
    earlier attempt stored before failing, and its row. The caller commits."""
    if upload.backend == "local":
        storage.delete(video_key(upload.entry_id, upload.id))
    end_upload(session, upload, storage, folder)


def deliver(session, upload, storage):
    """Hand a stored upload to its entry and commit; if the entry refuses it, drop it and
    commit. The refusal (ContestError), or None. Database errors propagate, rolled back."""
    try:
        hand_over(session, upload)
        session.commit()
        return None
    except ContestError as error:
        session.rollback()
        drop_stored(session, upload, storage)
        session.commit()
        return error
    except Exception:
        session.rollback()
        raise


def unfinished_but_arrived(session, upload_ids=None):
    """Uploads whose every byte arrived but whose finishing stopped half-way (stored but the
    entry not told, or staged whole but not stored): a failure left them, a retry ends them."""
    query = select(Upload).where(
        Upload.completed_at.is_(None),
        or_(
            Upload.asset_id.is_not(None),
            (Upload.backend == "local") & (Upload.upload_offset == Upload.length),
        ),
    )
    if upload_ids is not None:
        query = query.where(Upload.id.in_(upload_ids))
    return session.scalars(query.order_by(Upload.updated_at)).all()


def finish_arrived(session, storage, folder, upload_ids=None):
    """Finish every upload `unfinished_but_arrived` names (all, or those of `upload_ids`), each
    committed on its own; how many were finished. A failure is logged and left for next time."""
    finished = 0
    for upload in unfinished_but_arrived(session, upload_ids):
        upload_id = upload.id
        try:
            if upload.asset_id is None:
                store_tus_upload(session, upload, storage, folder)
                session.commit()
            deliver(session, upload, storage)
            finished += 1
        except ContestError as error:  # refused before it was stored
            session.rollback()
            abandon(session, upload, storage, folder)
            session.commit()
            log.info("arrived upload %s refused: %s", upload_id, error.message)
        except Exception:
            session.rollback()
            log.exception("arrived upload %s not finished yet", upload_id)
    return finished


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
    arrived = {upload.id for upload in unfinished_but_arrived(session)}
    expired = [
        upload
        for upload in session.scalars(select(Upload).where(Upload.expires_at <= now))
        if upload.id not in arrived  # never thrown away: finish_arrived finishes them
    ]
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
    session, user, entry, length, filename, filetype, storage, expiry_seconds, part_size, limits
):
    """A multipart upload straight to S3 for `entry`, in parts of about `part_size` bytes:
    checked and bounded like a tus upload (`limits`), then started."""
    now = utcnow()
    upload_id = secrets.token_hex(16)
    key = video_key(entry.id, upload_id)
    admit(session, user, entry, length, now, limits, "s3", storage=storage)
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
        upload_id,
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
    part_size = upload.upload_metadata["part_size"]
    # Each link allows exactly its part's size: the school's quota counts what was announced.
    sizes = dict.fromkeys(numbers, part_size)
    sizes[numbers[-1]] = upload.length - part_size * (len(numbers) - 1)
    return storage.presign_parts(
        upload.staging_key, upload.multipart_id, numbers, expires=seconds, sizes=sizes
    )


def _parts_list(parts, expected):
    """[(number, etag)] from the browser's [{"number", "etag"}], every part once, in order."""
    try:
        listed = sorted((int(part["number"]), str(part["etag"])) for part in parts)
    except (TypeError, KeyError, ValueError) as error:
        raise ValidationError("The list of uploaded parts is malformed.") from error
    if [number for number, _ in listed] != list(range(1, expected + 1)):
        raise ValidationError(f"The upload needs all {expected} parts, each once.")
    return listed


def store_direct_upload(session, upload, parts, storage):
    """Join the parts, then check the object as S3 could not: the size the teacher declared and
    within the contest's limit, and bytes that start like a video; record its Asset. The caller
    commits, then calls `hand_over`. A refused object is deleted and the upload ended before
    the ValidationError propagates (the caller commits then too).

    Repeatable: if the parts were joined by an attempt whose commit failed, the joined object
    is taken as it is.
    """
    if upload.asset_id is not None:
        return session.get(Asset, upload.asset_id)
    entry, user = session.get(Entry, upload.entry_id), session.get(User, upload.user_id)
    check_can_change_entry(session, user, entry, now=upload.created_at)
    listed = _parts_list(parts, len(part_numbers(upload)))
    try:
        size = storage.complete_multipart(upload.staging_key, upload.multipart_id, listed).size
    except StorageError:
        # Joined by an attempt whose commit failed: the multipart upload is gone, the object is
        # there (if it is not either, stat's StorageError says so).
        size = storage.stat(upload.staging_key).size
    try:
        check_stored_video(session, entry, upload, storage, size)
    except ContestError:
        session.rollback()
        storage.delete(upload.staging_key)
        session.delete(upload)  # the parts are joined: nothing is left to abort
        raise
    return _store_asset(session, upload, storage.name, upload.staging_key, size)


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
