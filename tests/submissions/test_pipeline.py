"""The media pipeline on entries, jobs run at once (TestingConfig's immediate mode) with real
ffmpeg and local storage in a temporary folder: first videos, replacements, refusals, and what
the school and the organizers are told."""

import hashlib

import av
import pytest
from sqlalchemy import func, select

from contest.core.errors import NotAllowed
from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.models.entries import Entry
from contest.submissions import media, pipeline
from devtools.clips import make_clip
from tests.helpers import outbox_messages
from tests.submissions.conftest import (
    asset_row,
    audit_actions,
    audit_data,
    audit_event,
    entry_row,
    notices,
    store_upload,
    stored_path,
    upload_video,
)
from tests.submissions.test_media import declared_clip


def mail_to(app, email, title):
    """(subject, body) of the messages to `email` about the entry titled `title`."""
    return [
        (message["Subject"], message.get_content())
        for message in outbox_messages(app)
        if message["To"] == email and title in message["Subject"]
    ]


def asset_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Asset))


def test_a_first_video_becomes_ready_with_a_poster(app, video_entry, clips):
    entry = video_entry()

    upload_id = upload_video(app, entry.id, clips["mp4"])

    ready = entry_row(app, entry.id)
    assert (ready.status, ready.status_reason) == ("ready", None)
    assert ready.pending_video_asset_id is None
    assert ready.original_video_asset_id == upload_id
    assert ready.duration_seconds == pytest.approx(1.5, abs=0.1)
    video, poster = asset_row(app, ready.video_asset_id), asset_row(app, ready.poster_asset_id)
    assert video.key.startswith(f"videos/{entry.id}/") and video.key.endswith(".mp4")
    assert poster.key.startswith(f"posters/{entry.id}/") and poster.key.endswith(".jpg")
    assert (video.content_type, poster.content_type) == ("video/mp4", "image/jpeg")
    assert video.details["video_codec"] == "h264" and video.details["audio_codec"] == "aac"
    assert (video.details["width"], video.details["height"]) == (320, 180)
    assert video.original_name == "my video.mp4"
    video_file, poster_file = stored_path(app, video), stored_path(app, poster)
    assert video.size_bytes == video_file.stat().st_size
    assert poster.size_bytes == poster_file.stat().st_size
    with av.open(str(video_file)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    assert poster_file.read_bytes()[:3] == b"\xff\xd8\xff"
    assert video.sha256 == hashlib.sha256(video_file.read_bytes()).hexdigest()
    original = asset_row(app, upload_id)
    assert original.sha256 == hashlib.sha256(clips["mp4"].read_bytes()).hexdigest()
    assert original.details["container"] == "mp4"
    assert stored_path(app, original).exists()  # the original upload is kept


def test_ready_is_announced_by_notice_and_mail_and_audited(app, video_entry, clips):
    entry = video_entry()

    upload_video(app, entry.id, clips["mp4"])

    assert notices(app, entry.id) == [
        (
            "entry.ready",
            f"“{entry.title}” is ready: its video has been processed and can be watched.",
        )
    ]
    [(subject, body)] = mail_to(app, entry.teacher_email, entry.title)
    assert subject == f"{entry.title} is ready"
    assert "is ready" in body
    assert audit_actions(app, entry.id) == ["entry.video_processing", "entry.video_ready"]
    event = audit_event(app, entry.id, "entry.video_ready")
    assert event.actor_id is None
    assert event.data["replacement"] is False
    assert (event.data["width"], event.data["height"]) == (320, 180)


def test_the_entry_waits_in_processing_until_the_job_runs(app, video_entry, clips):
    """Without the commit nothing is queued: the job never runs before its rows exist."""
    entry = video_entry()

    with app.app_context():
        row = db.session.get(Entry, entry.id)
        asset = store_upload(db.session, clips["mp4"])
        pipeline.video_uploaded(db.session, row, asset)
        db.session.flush()
        assert row.status == "processing"
        assert row.pending_video_asset_id == asset.id
        db.session.rollback()

    assert entry_row(app, entry.id).status == "submitted"
    assert notices(app, entry.id) == []


@pytest.mark.parametrize("clip", ["silent", "portrait", "webm", "mov", "avi"])
def test_other_kinds_of_video_become_ready_too(app, video_entry, clips, clip):
    entry = video_entry()

    upload_video(app, entry.id, clips[clip])

    ready = entry_row(app, entry.id)
    assert ready.status == "ready"
    video = asset_row(app, ready.video_asset_id)
    assert (video.details["video_codec"], video.details["audio_codec"]) == ("h264", "aac")
    original = asset_row(app, ready.original_video_asset_id)
    assert original.details["container"] == {"portrait": "mp4", "silent": "mp4"}.get(clip, clip)


def test_a_replacement_keeps_the_old_video_until_the_new_one_is_ready(app, video_entry, clips):
    entry = video_entry()
    first_upload = upload_video(app, entry.id, clips["mp4"])
    first = entry_row(app, entry.id)
    old_files = [
        stored_path(app, asset_row(app, asset_id))
        for asset_id in (first.video_asset_id, first.poster_asset_id, first_upload)
    ]

    with app.app_context():
        row = db.session.get(Entry, entry.id)
        replacement = store_upload(db.session, clips["portrait"])
        pipeline.video_uploaded(db.session, row, replacement)
        db.session.flush()
        # Until the job runs, the entry stays ready with its current video.
        assert (row.status, row.video_asset_id) == ("ready", first.video_asset_id)
        assert row.pending_video_asset_id == replacement.id
        db.session.commit()  # the job runs now
        replacement_id = replacement.id

    after = entry_row(app, entry.id)
    assert after.status == "ready"
    assert after.video_asset_id != first.video_asset_id
    assert after.original_video_asset_id == replacement_id
    assert after.pending_video_asset_id is None
    assert asset_row(app, after.video_asset_id).details["height"] == 320
    # The replaced web video and poster are gone, rows and files; the replaced original upload,
    # a private file, stays the entry's until the contest's retention ends (test_retention).
    for asset_id in (first.video_asset_id, first.poster_asset_id):
        assert asset_row(app, asset_id) is None
    assert [path.exists() for path in old_files] == [False, False, True]
    kept = asset_row(app, first_upload)
    assert (kept.entry_id, kept.kind) == (entry.id, "original_video")
    assert first_upload not in (after.original_video_asset_id, after.pending_video_asset_id)
    assert notices(app, entry.id)[-1] == (
        "entry.ready",
        f"The new video for “{entry.title}” is ready and has replaced the previous one.",
    )
    assert [data["replacement"] for data in audit_data(app, entry.id, "entry.video_ready")] == [
        False,
        True,
    ]


def test_a_rejected_replacement_keeps_the_old_video(app, video_entry, clips, tmp_path):
    entry = video_entry(max_video_seconds=5)
    upload_video(app, entry.id, clips["mp4"])
    first = entry_row(app, entry.id)
    before = asset_count(app)

    bad_id = upload_video(app, entry.id, clips["too_long"])

    after = entry_row(app, entry.id)
    assert (after.status, after.status_reason) == ("ready", None)
    assert after.video_asset_id == first.video_asset_id
    assert after.poster_asset_id == first.poster_asset_id
    assert after.pending_video_asset_id is None
    assert asset_row(app, bad_id) is None  # the refused upload is not kept
    assert asset_count(app) == before
    kind, message = notices(app, entry.id)[-1]
    assert kind == "entry.rejected"
    assert message == (
        f"The new video for “{entry.title}” could not be used: The video is 6 s long; this "
        "contest allows 5 s. The previous video is still the entry's video."
    )
    subject, body = mail_to(app, entry.teacher_email, entry.title)[-1]
    assert subject == f"{entry.title}: the new video was not accepted"
    assert "The video is 6 s long; this contest allows 5 s." in body
    event = audit_event(app, entry.id, "entry.video_rejected")
    assert event.data["replacement"] is True


def test_an_over_long_first_video_is_rejected_with_a_readable_reason(app, video_entry, clips):
    entry = video_entry(max_video_seconds=5)

    upload_id = upload_video(app, entry.id, clips["too_long"])

    rejected = entry_row(app, entry.id)
    assert rejected.status == "rejected"
    assert rejected.status_reason == "The video is 6 s long; this contest allows 5 s."
    assert rejected.video_asset_id is None and rejected.pending_video_asset_id is None
    assert asset_row(app, upload_id) is None
    assert asset_count(app) == 0  # nothing stored: no half entries
    assert notices(app, entry.id) == [
        (
            "entry.rejected",
            f"The video for “{entry.title}” was not accepted: "
            "The video is 6 s long; this contest allows 5 s.",
        )
    ]
    [(subject, body)] = mail_to(app, entry.teacher_email, entry.title)
    assert subject == f"{entry.title}: not accepted"
    assert "The video is 6 s long; this contest allows 5 s." in body
    assert audit_actions(app, entry.id) == ["entry.video_processing", "entry.video_rejected"]
    assert audit_event(app, entry.id, "entry.video_rejected").data["reason"] == (
        "The video is 6 s long; this contest allows 5 s."
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<!DOCTYPE html><html><body>not a video</body></html>", "not a video we recognise"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "not a video"),
        (b"%PDF-1.4\n%%EOF\n", "This file is a PDF document, not a video."),
        (b"", "The file is empty (0 bytes)."),
    ],
)
def test_a_hostile_upload_is_refused_and_its_file_deleted(app, video_entry, tmp_path, data, reason):
    entry = video_entry()
    path = tmp_path / "video.mp4"
    path.write_bytes(data)
    with app.app_context():
        asset = store_upload(db.session, path)
        db.session.commit()
        asset_id = asset.id
        upload_file = stored_path(app, asset)
    assert upload_file.exists()

    with app.app_context():
        pipeline.video_uploaded(
            db.session, db.session.get(Entry, entry.id), asset_row(app, asset_id)
        )
        db.session.commit()

    rejected = entry_row(app, entry.id)
    assert rejected.status == "rejected" and reason in rejected.status_reason
    assert not upload_file.exists()
    assert asset_count(app) == 0


def test_a_truncated_upload_is_refused(app, video_entry, clips, tmp_path):
    entry = video_entry()
    data = clips["mp4"].read_bytes()
    half = tmp_path / "half.mp4"
    half.write_bytes(data[: len(data) // 2])

    upload_video(app, entry.id, half)

    rejected = entry_row(app, entry.id)
    assert rejected.status == "rejected"
    assert "incomplete" in rejected.status_reason


def test_a_newer_upload_supersedes_a_pending_one(app, video_entry, clips):
    """Two uploads before any job ran: the first job finds the entry waiting on the second and
    drops its upload; the second job makes the video."""
    entry = video_entry()
    with app.app_context():
        row = db.session.get(Entry, entry.id)
        older = store_upload(db.session, clips["mp4"])
        pipeline.video_uploaded(db.session, row, older)
        newer = store_upload(db.session, clips["mov"])
        pipeline.video_uploaded(db.session, row, newer)
        older_id, newer_id = older.id, newer.id
        db.session.commit()  # both jobs run, in order

    ready = entry_row(app, entry.id)
    assert ready.status == "ready"
    assert ready.original_video_asset_id == newer_id
    assert asset_row(app, older_id) is None
    assert "entry.video_ready" in audit_actions(app, entry.id)


def test_a_job_run_twice_changes_nothing_the_second_time(app, video_entry, clips):
    entry = video_entry()
    upload_id = upload_video(app, entry.id, clips["mp4"])
    ready = entry_row(app, entry.id)

    with app.app_context():
        outcome = pipeline.process_upload(db.session, entry.id, upload_id)

    assert outcome == "superseded"
    again = entry_row(app, entry.id)
    assert (again.video_asset_id, again.original_video_asset_id) == (
        ready.video_asset_id,
        upload_id,
    )
    assert asset_row(app, upload_id) is not None  # still the entry's original


def test_a_withdrawn_entry_takes_no_new_video(app, video_entry, clips):
    entry = video_entry(status="withdrawn")

    with app.app_context(), pytest.raises(NotAllowed, match="withdrawn"):
        row = db.session.get(Entry, entry.id)
        pipeline.video_uploaded(db.session, row, store_upload(db.session, clips["mp4"]))


def test_a_draft_or_rejected_entry_goes_to_processing(app, video_entry, clips):
    reasons = {"draft": None, "rejected": "The video is 6 s long; this contest allows 5 s."}
    for status, reason in reasons.items():
        entry = video_entry(status=status, status_reason=reason)
        with app.app_context():
            row = db.session.get(Entry, entry.id)
            pipeline.video_uploaded(db.session, row, store_upload(db.session, clips["mp4"]))
            assert (row.status, row.status_reason) == ("processing", None)
            db.session.rollback()


# --- videos that would exhaust the worker ---------------------------------------------------------


def test_a_video_bomb_is_refused_in_plain_words_before_ffmpeg_runs(app, video_entry, tmp_path):
    entry = video_entry()
    bomb = declared_clip(tmp_path, 8192, 8192, 60)  # the attack run's file, in two frames
    reason = (
        "This video is 8192x8192 at 60 frames a second, more than we can process. Export it at "
        "1080p (1920x1080) or smaller, 60 frames a second at most, and upload it again."
    )

    upload_id = upload_video(app, entry.id, bomb)

    rejected = entry_row(app, entry.id)
    assert (rejected.status, rejected.status_reason) == ("rejected", reason)
    assert asset_row(app, upload_id) is None and asset_count(app) == 0
    assert notices(app, entry.id) == [
        ("entry.rejected", f"The video for “{entry.title}” was not accepted: {reason}")
    ]
    assert audit_event(app, entry.id, "entry.video_rejected").data["reason"] == reason
    [(subject, body)] = mail_to(app, entry.teacher_email, entry.title)
    assert reason in body


def pending_upload(app, entry_id, path):
    """`path` uploaded as the entry's pending video, its job not run; the upload's asset id."""
    with app.app_context():
        asset = store_upload(db.session, path)
        asset_id = asset.id
        pipeline.video_uploaded(db.session, db.session.get(Entry, entry_id), asset, queue_job=False)
        db.session.commit()
    return asset_id


def test_a_transcode_over_its_time_limit_rejects_the_entry_with_a_reason(
    app, video_entry, tmp_path
):
    entry = video_entry()
    clip = make_clip(tmp_path / "hd.mp4", seconds=2, width=1280, height=720, pattern="testsrc2")
    upload_id = pending_upload(app, entry.id, clip)

    with app.app_context():
        outcome = pipeline.process_upload(
            db.session, entry.id, upload_id, limits=media.Limits(max_transcode_seconds=0.3)
        )

    assert outcome == "rejected"
    rejected = entry_row(app, entry.id)
    assert rejected.status == "rejected"
    assert rejected.status_reason.startswith(
        "Converting the video took longer than the 0 s we allow for a video of 2 s."
    )
    assert "Traceback" not in rejected.status_reason
    assert asset_row(app, upload_id) is None and asset_count(app) == 0


def test_a_deferred_video_leaves_everything_as_it_was(app, video_entry, clips):
    entry = video_entry()
    upload_id = pending_upload(app, entry.id, clips["mp4"])
    seen = []

    def busy(found):
        seen.append(found)
        raise pipeline.Deferred

    with app.app_context():
        outcome = pipeline.process_upload(db.session, entry.id, upload_id, admit=busy)

    assert outcome == "deferred"
    assert [(found.width, found.height) for found in seen] == [(320, 180)]
    waiting = entry_row(app, entry.id)
    assert (waiting.status, waiting.pending_video_asset_id) == ("processing", upload_id)
    assert stored_path(app, asset_row(app, upload_id)).exists()
    assert asset_count(app) == 1
    assert audit_actions(app, entry.id) == ["entry.video_processing"]
