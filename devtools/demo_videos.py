"""The demo's videos: a generated clip per entry, uploaded and processed like a school's."""

import os
import secrets
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry
from contest.core.statuses import Processing
from contest.core.storage import get_storage
from contest.core.transaction import unit_of_work
from contest.submissions.pipeline import process_upload, video_uploaded
from devtools.clips import make_clip
from devtools.demo import DEMO_SLUG, PAST_SLUG

CLIP_PATTERNS = ("smptebars", "testsrc", "color", "testsrc2", "color", "rgbtestsrc")
CLIP_COLOURS = ("navy", "darkgreen", "maroon", "indigo", "teal", "darkslategray", "sienna")
CLIP_TONES = (262, 294, 330, 392, 440, 523, 587, 659)  # a pentatonic scale or so, in Hz
CLIP_FPS = 12  # enough for a test pattern, and it keeps `make demo` quick


def seed_demo_videos(app, seconds=4, height=360, workers=None):
    """Give each demo entry still without a video a short generated clip (colour bars or a test
    pattern, its title on a card, a tone), run through the media pipeline the background job
    uses, called directly. Entries are done a few at a time in threads; return how many are ready.
    """
    with app.app_context():
        entry_ids = db.session.scalars(
            select(Entry.id)
            .join(Category, Category.id == Entry.category_id)
            .join(Contest, Contest.id == Category.contest_id)
            .where(Contest.slug.in_((DEMO_SLUG, PAST_SLUG)), Entry.video_asset_id.is_(None))
            .order_by(Entry.id)
        ).all()
    size = (height * 16 // 9 // 2 * 2, height)
    workers = workers or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(
            pool.map(
                lambda job: _demo_video(app, job[0], job[1], seconds, size), enumerate(entry_ids)
            )
        )
    return outcomes.count(Processing.READY)


def _demo_video(app, number, entry_id, seconds, size):
    with app.app_context(), tempfile.TemporaryDirectory(prefix="psa-demo-") as work:
        entry = db.session.get(Entry, entry_id)
        clip = make_clip(
            Path(work) / "clip.mp4",
            seconds=seconds,
            width=size[0],
            height=size[1],
            pattern=CLIP_PATTERNS[number % len(CLIP_PATTERNS)],
            colour=CLIP_COLOURS[number % len(CLIP_COLOURS)],
            tone_hz=CLIP_TONES[number % len(CLIP_TONES)],
            title=entry.title,
            fps=CLIP_FPS,
        )
        storage = get_storage()
        key = f"uploads/demo/{entry_id}-{secrets.token_hex(4)}.mp4"
        stored_size = storage.save_file(key, clip, "video/mp4")
        with unit_of_work(db.session):
            upload = Asset(
                backend=storage.name,
                key=key,
                content_type="video/mp4",
                size_bytes=stored_size,
                original_name=f"entry-{entry_id}.mp4",
                entry_id=entry_id,
                kind="original_video",
            )
            db.session.add(upload)
            db.session.flush()
            upload_id = upload.id
            video_uploaded(db.session, entry, upload, queue_job=False)
        # Mail would tell 18 demo teachers about 60 videos; the dashboard notices are enough.
        return process_upload(db.session, entry_id, upload_id, mail=False)
