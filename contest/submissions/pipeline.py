"""The media pipeline on entries: an upload becomes the entry's pending video, a background job
turns it into the web video and poster, and the school hears how it went.

Services in this project's sense: a session and ids or rows in, no request and no Flask imports;
storage (`contest.core.storage`) and mail (`entries.mail_school`) come from the app the caller runs
in. The job itself is `contest.submissions.tasks.process_video`, which calls `process_upload`.

The entry's current video stays until a new one is ready. Each outcome is written in one
transaction: new assets are added only once both the video and its poster are stored, and a
stored file is deleted only after the transaction that stops using it commits.
"""

import logging
import secrets
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select

from contest.core.audit import record
from contest.core.dbtypes import utcnow
from contest.core.errors import NotAllowed
from contest.core.jobs import after_commit, enqueue_after_commit
from contest.core.models.assets import Asset
from contest.core.models.entries import Entry
from contest.core.statuses import FINAL_ENTRY_STATUSES, EntryStatus, Processing
from contest.core.storage import get_storage, storage_for
from contest.core.storage.base import StorageError
from contest.core.transaction import unit_of_work
from contest.submissions import media, transcoding
from contest.submissions.entries import contest_of, mail_school, tell_school
from contest.submissions.media import MediaError

log = logging.getLogger(__name__)

FAILURE_REASON = "We could not process this video; please try again or contact the organizers."
# Statuses an organizer or teacher set on purpose; processing results never overwrite them.
VIDEO_COLUMNS = ("video_asset_id", "pending_video_asset_id", "original_video_asset_id")


def video_uploaded(session, entry, asset, now=None, queue_job=True):
    """A finished upload (`asset`) becomes `entry`'s pending video and processing is queued.

    A first video moves the entry to processing; a replacement leaves a ready entry ready,
    its current video in place until the new one is. The job is queued when the caller commits
    (with `queue_job=False` the caller runs `process_upload` itself, as the demo does).
    In immediate mode (tests) the job has run by the time commit() returns: read ids before.
    """
    if entry.status in FINAL_ENTRY_STATUSES:
        raise NotAllowed("submissions.entry_takes_new_video", status_value=entry.status)
    # The upload is the entry's private file from now on, replaced or not, until retention.
    asset.entry_id, asset.kind = entry.id, "original_video"
    if asset.id is None:
        session.flush()
    replacement = entry.status == EntryStatus.READY and entry.video_asset_id is not None
    entry.pending_video_asset_id = asset.id
    if not replacement:
        entry.status = EntryStatus.PROCESSING
        entry.status_reason = None
    record(
        session,
        None,
        "entry.video_processing",
        entry,
        asset_id=asset.id,
        replacement=replacement,
        uploaded_at=(now or utcnow()).isoformat(),
    )
    if queue_job:
        from contest.submissions.tasks import process_video  # the task module imports this one

        enqueue_after_commit(session, process_video, entry.id, asset.id)
    return entry


@dataclass(frozen=True)
class _Outputs:
    """What processing made, in a work folder, before anything is stored."""

    found: media.Probe
    original_sha256: str
    video: media.Probe
    video_path: Path
    video_sha256: str
    poster_path: Path
    poster_sha256: str
    poster_size: tuple


class Deferred(Exception):
    """The worker can't take this video now (it is busy with other heavy ones): try later."""


def process_upload(session, entry_id, asset_id, limits=media.DEFAULT_LIMITS, mail=True, admit=None):
    """Check, transcode and poster the upload `asset_id` for `entry_id`; return the outcome:
    a Processing: READY; REJECTED (a MediaError: the school is told why); SUPERSEDED (the
    entry no longer waits on this upload); or DEFERRED (`admit(probe)`, which gives the
    transcode its context, raised Deferred: nothing changed). Other errors (storage, database)
    propagate, so the job retries. The school gets a notice, and with `mail` an email too.
    ffmpeg runs within `limits` (media.Limits).
    """
    with unit_of_work(session):  # read, then hold no transaction (nor SQLite lock) for ffmpeg
        entry, upload = session.get(Entry, entry_id), session.get(Asset, asset_id)
        waiting = entry is not None and upload is not None
        if waiting and entry.pending_video_asset_id == asset_id:
            max_seconds = contest_of(session, entry).max_video_seconds
            source, key = storage_for(upload), upload.key
        else:
            waiting = False
    if not waiting:
        return _superseded(session, entry_id, asset_id)
    with tempfile.TemporaryDirectory(prefix="psa-video-") as work:
        try:
            outputs = _make_outputs(source, key, Path(work), max_seconds, limits, admit)
        except MediaError as error:
            return _refuse(session, entry_id, asset_id, str(error), mail)
        except Deferred:
            log.info("entry %s: upload %s deferred (the worker is busy)", entry_id, asset_id)
            return Processing.DEFERRED
        return _accept(session, entry_id, asset_id, outputs, mail)


def _make_outputs(source, key, work, max_seconds, limits, admit):
    # The first bytes decide, before anything is copied or ffmpeg ever runs.
    media.check_video_kind(source.read_start(key, media.SNIFF_BYTES))
    with source.local_copy(key) as path:
        found = media.probe(path, limits)
        media.check_video(found, max_seconds)
        with admit(found) if admit else nullcontext():
            original_sha256 = transcoding.sha256_file(path)
            video_path = work / "video.mp4"
            video = transcoding.transcode(path, video_path, source=found, limits=limits)
    poster_path = work / "poster.jpg"
    poster_size = transcoding.poster(video_path, poster_path, min(2.0, video.duration_seconds / 2))
    return _Outputs(
        found=found,
        original_sha256=original_sha256,
        video=video,
        video_path=video_path,
        video_sha256=transcoding.sha256_file(video_path),
        poster_path=poster_path,
        poster_sha256=transcoding.sha256_file(poster_path),
        poster_size=poster_size,
    )


def _store(storage, entry_id, outputs):
    """Move both outputs into storage; (video key, size, poster key, size). All or nothing."""
    token = secrets.token_hex(8)
    video_key, poster_key = f"videos/{entry_id}/{token}.mp4", f"posters/{entry_id}/{token}.jpg"
    video_size = storage.save_file(video_key, outputs.video_path, "video/mp4")
    try:
        poster_size = storage.save_file(poster_key, outputs.poster_path, "image/jpeg")
    except BaseException:
        _delete_objects(storage, [video_key])
        raise
    return video_key, video_size, poster_key, poster_size


def _accept(session, entry_id, asset_id, outputs, mail):
    storage = get_storage()
    video_key, video_size, poster_key, poster_size = _store(storage, entry_id, outputs)
    try:
        with unit_of_work(session):
            outcome = _record_outputs(
                session, storage, entry_id, asset_id, outputs, mail,
                (video_key, video_size, poster_key, poster_size),
            )  # fmt: skip
    except BaseException:
        _delete_objects(storage, [video_key, poster_key])
        raise
    if outcome is None:
        _delete_objects(storage, [video_key, poster_key])
        return _superseded(session, entry_id, asset_id)
    log.info("entry %s: video ready (%s)", entry_id, video_key)
    return Processing.READY


def _record_outputs(session, storage, entry_id, asset_id, outputs, mail, stored):
    """Make the stored outputs the entry's video and poster; None if the entry moved on."""
    video_key, video_size, poster_key, poster_size = stored
    entry = session.get(Entry, entry_id, with_for_update=True)
    upload = session.get(Asset, asset_id)
    if entry is None or upload is None or entry.pending_video_asset_id != asset_id:
        return None
    replacement = entry.video_asset_id is not None
    # The replaced web copies go now; the replaced original upload, a private file of the
    # entry, is kept until the contest's retention ends (contest.retention).
    obsolete = [
        asset
        for old in {entry.video_asset_id, entry.poster_asset_id}
        if old is not None and old != asset_id and (asset := session.get(Asset, old))
    ]
    width, height = outputs.poster_size
    video = Asset(
        backend=storage.name,
        key=video_key,
        content_type="video/mp4",
        size_bytes=video_size,
        sha256=outputs.video_sha256,
        original_name=upload.original_name,
        details={**outputs.video.as_details(), "faststart": True},
        entry_id=entry_id,
        kind="video",
    )
    poster = Asset(
        backend=storage.name,
        key=poster_key,
        content_type="image/jpeg",
        size_bytes=poster_size,
        sha256=outputs.poster_sha256,
        details={"width": width, "height": height},
        entry_id=entry_id,
        kind="poster",
    )
    session.add_all([video, poster])
    upload.sha256 = upload.sha256 or outputs.original_sha256
    upload.details = {**(upload.details or {}), **outputs.found.as_details()}
    session.flush()
    entry.video_asset_id, entry.poster_asset_id = video.id, poster.id
    entry.original_video_asset_id, entry.pending_video_asset_id = asset_id, None
    entry.duration_seconds = outputs.video.duration_seconds
    if entry.status not in FINAL_ENTRY_STATUSES:
        entry.status, entry.status_reason = EntryStatus.READY, None
    for asset in obsolete:
        after_commit(session, _delete_objects, storage_for(asset), [asset.key])
        session.delete(asset)
    record(
        session,
        None,
        "entry.video_ready",
        entry,
        video_asset_id=video.id,
        poster_asset_id=poster.id,
        original_asset_id=asset_id,
        replacement=replacement,
        duration_seconds=outputs.video.duration_seconds,
        width=outputs.video.width,
        height=outputs.video.height,
    )
    title = entry.title
    message = (
        f"The new video for “{title}” is ready and has replaced the previous one."
        if replacement
        else f"“{title}” is ready: its video has been processed and can be watched."
    )
    tell_school(session, entry, "entry.ready", message)
    if mail:
        _mail(session, entry, f"{title} is ready", message)
    return Processing.READY


def _stop_waiting(entry, reason):
    """The entry no longer waits on its pending upload. A first video's failure rejects the
    entry with `reason`; a replacement's leaves the old video in place. True for a replacement."""
    replacement = entry.video_asset_id is not None
    entry.pending_video_asset_id = None
    if not replacement and entry.status not in FINAL_ENTRY_STATUSES:
        entry.status, entry.status_reason = EntryStatus.REJECTED, reason
    return replacement


def _refuse(session, entry_id, asset_id, reason, mail):
    """The upload can't be used: say why, drop it, keep any video the entry already had."""
    with unit_of_work(session):
        refused = _record_refusal(session, entry_id, asset_id, reason, mail)
    if not refused:
        return _superseded(session, entry_id, asset_id)
    log.info("entry %s: upload %s refused: %s", entry_id, asset_id, reason)
    return Processing.REJECTED


def _record_refusal(session, entry_id, asset_id, reason, mail):
    entry = session.get(Entry, entry_id, with_for_update=True)
    upload = session.get(Asset, asset_id)
    if entry is None or upload is None or entry.pending_video_asset_id != asset_id:
        return False
    replacement = _stop_waiting(entry, reason)
    title = entry.title
    if replacement:
        message = (
            f"The new video for “{title}” could not be used: {reason} "
            "The previous video is still the entry's video."
        )
    else:
        message = f"The video for “{title}” was not accepted: {reason}"
    after_commit(session, _delete_objects, storage_for(upload), [upload.key])
    session.delete(upload)
    record(
        session,
        None,
        "entry.video_rejected",
        entry,
        asset_id=asset_id,
        reason=reason,
        replacement=replacement,
    )
    tell_school(session, entry, "entry.rejected", message)
    if mail:
        subject = "the new video was not accepted" if replacement else "not accepted"
        _mail(session, entry, f"{title}: {subject}", message)
    return True


def _superseded(session, entry_id, asset_id):
    """The entry no longer waits on this upload (a newer one came, or this job ran twice): drop
    the upload unless some entry uses it."""
    with unit_of_work(session):
        upload = session.get(Asset, asset_id)
        in_use = session.scalar(
            select(Entry.id)
            .where(or_(*(getattr(Entry, column) == asset_id for column in VIDEO_COLUMNS)))
            .limit(1)
        )
        if upload is not None and in_use is None:
            after_commit(session, _delete_objects, storage_for(upload), [upload.key])
            session.delete(upload)
            record(session, None, "entry.video_superseded", upload, entry_id=entry_id)
    log.info("entry %s: upload %s superseded, not processed", entry_id, asset_id)
    return Processing.SUPERSEDED


def report_failure(session, entry_id, asset_id, error):
    """The job failed on every attempt (not the file's fault, as far as we know): the entry stops
    waiting, the school is asked to try again, and the organizers see it in the audit trail.

    The upload is kept for the organizers to look at; return False if the entry had moved on.
    """
    with unit_of_work(session):
        return _record_failure(session, entry_id, asset_id, error)


def _record_failure(session, entry_id, asset_id, error):
    entry = session.get(Entry, entry_id, with_for_update=True)
    if entry is None or entry.pending_video_asset_id != asset_id:
        return False
    replacement = _stop_waiting(entry, FAILURE_REASON)
    title = entry.title
    if replacement:
        message = (
            f"We could not process the new video for “{title}”; please try again or contact the "
            "organizers. The previous video is still the entry's video."
        )
    else:
        message = f"{FAILURE_REASON} (“{title}”)"
    record(
        session,
        None,
        "entry.video_failed",
        entry,
        asset_id=asset_id,
        error=repr(error)[:1000],
        replacement=replacement,
    )
    tell_school(session, entry, "entry.failed", message)
    log.error("entry %s: processing upload %s failed for good: %r", entry_id, asset_id, error)
    _mail(session, entry, f"{title}: the video could not be processed", message)
    return True


def stranded_videos(session):
    """(entry id, asset id) of every entry waiting on an upload, for re-queuing after a crash."""
    with unit_of_work(session):  # read only: hold no transaction afterwards
        rows = session.execute(
            select(Entry.id, Entry.pending_video_asset_id)
            .where(Entry.pending_video_asset_id.is_not(None))
            .order_by(Entry.id)
        ).all()
    return [tuple(row) for row in rows]


def _mail(session, entry, subject, body):
    """Mail the school about the outcome, once it is committed (queued: a failure is retried)."""
    mail_school(session, entry, subject, f"{body}\n\nSign in to see your school's entries.")


def _delete_objects(storage, keys):
    """Delete stored objects the database no longer names; a failure leaves an orphan, logged."""
    for key in keys:
        try:
            storage.delete(key)
        except StorageError:
            log.exception("stored object %s could not be deleted", key)
