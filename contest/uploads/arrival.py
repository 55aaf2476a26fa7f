"""An upload whose every byte arrived: stored and recorded as an Asset first (committed), then
handed to its entry, so no failure after the bytes arrive can lose them; and the retry that
finishes what a failure stopped half-way.

Flask-free, like `lifecycle`: a session, plain values and a Storage in.
"""

import logging

from sqlalchemy import select

from contest.core.dbtypes import utcnow
from contest.core.errors import ContestError
from contest.core.models.accounts import User
from contest.core.models.assets import Asset
from contest.core.models.entries import Entry
from contest.core.models.uploads import Upload
from contest.core.storage import storage_for
from contest.core.storage.base import StorageError
from contest.core.transaction import hold, unit_of_work
from contest.submissions.entries import check_can_change_entry, receive_video
from contest.uploads.lifecycle import UNKNOWN_TYPE, end_upload, staging_path, video_key

log = logging.getLogger(__name__)


def store_asset(session, upload, backend, key, size):
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
    return store_asset(session, upload, storage.name, key, size)


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


def deliver(session, upload, storage):
    """Hand a stored upload to its entry and commit; if the entry refuses it, drop it and
    commit. The refusal (ContestError), or None. Database errors propagate, rolled back."""
    with unit_of_work(session, show=hold) as work:
        hand_over(session, upload)
    if work.error is not None:
        with unit_of_work(session):
            drop_stored(session, upload, storage)
    return work.error


def unfinished_but_arrived(session, upload_ids=None):
    """Uploads whose every byte arrived but whose finishing stopped half-way (stored but the
    entry not told, or staged whole but not stored): a failure left them, a retry ends them."""
    query = select(Upload).where(Upload.arrived_unfinished)
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
                with unit_of_work(session):
                    store_tus_upload(session, upload, storage, folder)
            deliver(session, upload, storage)
            finished += 1
        except ContestError as error:  # refused before it was stored
            with unit_of_work(session):
                end_upload(session, upload, storage, folder)  # its staged or stored bytes too
            log.info("arrived upload %s refused: %s", upload_id, error.message)
        except Exception:
            log.exception("arrived upload %s not finished yet", upload_id)
    return finished
