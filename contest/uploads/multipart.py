"""S3 direct uploads: the browser PUTs presigned parts straight to the bucket; the app starts the
multipart upload, signs each part for its exact size and, on completion, checks the joined
object as S3 could not (size, first bytes) before it is recorded (`arrival`).
"""

import math
import secrets

from contest.core.dbtypes import utcnow
from contest.core.errors import ContestError, ValidationError
from contest.core.models.accounts import User
from contest.core.models.assets import Asset
from contest.core.models.entries import Entry
from contest.core.storage.base import StorageError
from contest.submissions.entries import check_can_change_entry, check_video_size, contest_of
from contest.submissions.media import SNIFF_BYTES, VIDEO_KINDS, describe_kind, sniff
from contest.uploads.arrival import store_asset
from contest.uploads.lifecycle import admit, declared_type, new_upload, video_key

S3_MAX_PARTS = 10_000
S3_MAX_LINK_SECONDS = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live
MIB = 1024 * 1024


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
    upload = new_upload(
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
        raise ValidationError("uploads.list_uploaded_parts_malformed") from error
    if [number for number, _ in listed] != list(range(1, expected + 1)):
        raise ValidationError("uploads.upload_needs_all_parts", expected=expected)
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
        storage.delete(upload.staging_key)
        session.delete(upload)  # the parts are joined: nothing is left to abort
        raise
    return store_asset(session, upload, storage.name, upload.staging_key, size)


def check_stored_video(session, entry, upload, storage, size):
    """ValidationError unless the object is within the limit ("too_large"), the size declared
    ("size") and starts like a video ("not_video": sniffed from its first bytes)."""
    try:
        check_video_size(contest_of(session, entry), size)
    except ValidationError as error:
        error.field = "too_large" if size else "size"
        raise
    if size != upload.length:
        raise ValidationError(
            "uploads.upload_holds_bytes_but",
            field="size",
            size=size,
            length_value=upload.length,
        )
    kind = sniff(storage.read_start(upload.staging_key, SNIFF_BYTES))
    if kind not in VIDEO_KINDS:
        raise ValidationError(
            "uploads.upload_video_itself_mp",
            field="not_video",
            describe_kind=describe_kind(kind),
        )
