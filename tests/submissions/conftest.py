"""Fixtures for the media pipeline: tiny clips made once with ffmpeg, entries waiting for a video,
uploads put in the app's (local, temporary) storage."""

import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.models.entries import Entry
from contest.core.notices import Notice
from contest.core.storage import get_storage
from contest.submissions import pipeline
from devtools.clips import make_clip
from tests import factories

# Each clip: the file name (its extension picks the container) and make_clip's options.
CLIPS = {
    "mp4": ("clip.mp4", {"seconds": 1.5, "tone_hz": 440}),
    "mp4_no_faststart": ("plain.mp4", {"seconds": 1.5, "faststart": False}),
    "mov": ("clip.mov", {"seconds": 1, "pattern": "smptebars", "tone_hz": 660}),
    "webm": ("clip.webm", {"seconds": 1, "pattern": "testsrc2", "tone_hz": 550}),
    "mkv": ("clip.mkv", {"seconds": 1, "pattern": "rgbtestsrc"}),
    "avi": ("clip.avi", {"seconds": 1, "pattern": "color", "colour": "teal"}),
    "silent": ("silent.mp4", {"seconds": 1, "tone_hz": None, "pattern": "color"}),
    "portrait": ("portrait.mp4", {"seconds": 1, "width": 180, "height": 320}),
    "titled": ("titled.mp4", {"seconds": 1, "title": "Think Before You Post"}),
    "too_long": ("long.mp4", {"seconds": 6, "fps": 5}),
}


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """{name: path} of the CLIPS, 320x180 unless said otherwise; never changed by tests."""
    folder = tmp_path_factory.mktemp("clips")
    return {name: make_clip(folder / file, **options) for name, (file, options) in CLIPS.items()}


@dataclass(frozen=True)
class VideoEntry:
    id: int
    title: str
    teacher_email: str
    school_id: int


@pytest.fixture
def video_entry(app):
    """A factory: a submitted entry (its contest allows `max_video_seconds`) with a teacher."""

    def make(max_video_seconds=5, title=None, status="submitted", **fields):
        contest = factories.make_contest(app, max_video_seconds=max_video_seconds)
        school = factories.make_school(app)
        teacher = factories.make_user(app, roles=[("teacher", school)])
        title = title or f"Be Kind Online {secrets.token_hex(3)}"
        entry = factories.make_entry(
            app, contest.categories[0], school, title=title, status=status, **fields
        )
        return VideoEntry(entry.id, title, teacher.email, school.id)

    return make


def store_upload(session, path, name="my video.mp4"):
    """An Asset for the file at `path`, put in the app's storage as a finished upload would be."""
    storage = get_storage()
    key = f"uploads/test-{secrets.token_hex(8)}"
    with open(path, "rb") as file:
        size = storage.save(key, file, "application/octet-stream")
    asset = Asset(
        backend=storage.name,
        key=key,
        content_type="application/octet-stream",
        size_bytes=size,
        original_name=name,
    )
    session.add(asset)
    session.flush()
    return asset


def upload_video(app, entry_id, path):
    """Upload `path` as `entry_id`'s video and commit (the job runs now in immediate mode);
    return the upload's asset id."""
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        asset = store_upload(db.session, path)
        asset_id = asset.id  # read now: a refused upload's row is gone once the job has run
        pipeline.video_uploaded(db.session, entry, asset)
        db.session.commit()
        return asset_id


def entry_row(app, entry_id):
    """The entry as stored now, detached."""
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        db.session.expunge(entry)
        return entry


def asset_row(app, asset_id):
    with app.app_context():
        asset = db.session.get(Asset, asset_id)
        if asset is not None:
            db.session.expunge(asset)
        return asset


def stored_path(app, asset):
    """The file holding a locally stored asset."""
    with app.app_context():
        return Path(get_storage().path(asset.key))


def audit_actions(app, entry_id):
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "entries", AuditEvent.subject_id == entry_id)
            .order_by(AuditEvent.id)
        ).all()


def audit_event(app, entry_id, action):
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.subject_id == entry_id,
                AuditEvent.subject_type == "entries",
                AuditEvent.action == action,
            )
        )
        db.session.expunge(event)
        return event


def audit_data(app, entry_id, action):
    """The data of each `action` event on the entry, oldest first."""
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent.data)
            .where(
                AuditEvent.subject_type == "entries",
                AuditEvent.subject_id == entry_id,
                AuditEvent.action == action,
            )
            .order_by(AuditEvent.id)
        ).all()


def notices(app, entry_id):
    """(kind, message) of the entry's notices, oldest first."""
    with app.app_context():
        return [
            (notice.kind, notice.message)
            for notice in db.session.scalars(
                select(Notice).where(Notice.entry_id == entry_id).order_by(Notice.id)
            )
        ]
