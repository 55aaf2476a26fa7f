"""Media files with the real ffmpeg and PyAV: sniffing by content, probing, transcoding, posters,
captions, and every hostile file a teacher (or an attacker) might upload."""

import hashlib
import os
import subprocess
import sys
import time

import av
import pytest
from PIL import Image

from config import BASE_DIR
from contest.submissions import captions, media, transcoding
from contest.submissions.ffmpeg import ffmpeg_exe
from contest.submissions.media import MediaError
from devtools.clips import make_clip


def top_level_boxes(path):
    """The types of an MP4's top-level boxes, in file order (read independently of media.py)."""
    boxes, offset, size = [], 0, os.path.getsize(path)
    with open(path, "rb") as file:
        while offset < size:
            file.seek(offset)
            header = file.read(16)
            length = int.from_bytes(header[:4], "big")
            if length == 1:
                length = int.from_bytes(header[8:16], "big")
            boxes.append(header[4:8].decode("latin-1"))
            offset += length or size
    return boxes


def assert_web_video(path, width, height, duration):
    """An H.264/AAC MP4 with its index first, of the given picture size and length."""
    with av.open(str(path)) as container:
        assert "mp4" in container.format.name
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert video.codec_context.pix_fmt == "yuv420p"
        assert (video.codec_context.width, video.codec_context.height) == (width, height)
        assert audio.codec_context.name == "aac"
        assert container.duration / av.time_base == pytest.approx(duration, abs=0.15)
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes


# --- sniffing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clip", "kind"),
    [
        ("mp4", "mp4"),
        ("mp4_no_faststart", "mp4"),
        ("mov", "mov"),
        ("webm", "webm"),
        ("mkv", "matroska"),
        ("avi", "avi"),
    ],
)
def test_sniff_recognises_generated_videos_by_their_bytes(clips, clip, kind):
    assert media.sniff(clips[clip].read_bytes()[: media.SNIFF_BYTES]) == kind


def test_sniff_recognises_a_transport_stream(tmp_path):
    path = tmp_path / "clip.ts"
    make_clip(tmp_path / "clip.mp4", seconds=0.5)
    subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-i", str(tmp_path / "clip.mp4")]
        + ["-c", "copy", "-f", "mpegts", str(path)],
        check=True,
    )

    assert media.sniff(path.read_bytes()[: media.SNIFF_BYTES]) == "mpegts"
    assert media.probe(path).container == "mpegts"


@pytest.mark.parametrize(
    ("first_bytes", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi", "webvtt"),
        (b"\xef\xbb\xbfWEBVTT - with a BOM\n", "webvtt"),
        (b"WEBVTT", "webvtt"),
        (b"WEBVTTX\n", None),
        (b"<!DOCTYPE html><html><body>free phone</body></html>", None),
        (b"<html><script>alert(1)</script></html>", None),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', None),
        (b'<svg onload="alert(1)"/>', None),
        (b"just some text that is not a video", None),
        (b"", None),
        (b"\x00\x00\x00", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # a sound file, not a video
    ],
)
def test_sniff_reads_content_never_names(first_bytes, kind):
    assert media.sniff(first_bytes) == kind


# --- probing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clip", "container", "video_codec", "audio_codec"),
    [
        ("mp4", "mp4", "h264", "aac"),
        ("mov", "mov", "h264", "aac"),
        ("webm", "webm", "vp8", "opus"),
        ("mkv", "matroska", "h264", "aac"),
        ("avi", "avi", "mpeg4", "mp3"),
        ("silent", "mp4", "h264", None),
    ],
)
def test_probe_reads_container_codecs_size_and_duration(
    clips, clip, container, video_codec, audio_codec
):
    found = media.probe(clips[clip])

    assert (found.container, found.video_codec, found.audio_codec) == (
        container,
        video_codec,
        audio_codec,
    )
    assert (found.width, found.height) == (320, 180)
    assert 0.9 <= found.duration_seconds <= 1.6


def test_probe_gives_details_for_the_asset_row(clips):
    details = media.probe(clips["portrait"]).as_details()

    assert details == {
        "container": "mp4",
        "video_codec": "h264",
        "audio_codec": "aac",
        "duration_seconds": 1.0,
        "width": 180,
        "height": 320,
    }


# --- transcoding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("clip", ["mp4", "mp4_no_faststart", "mov", "webm", "mkv", "avi"])
def test_transcode_makes_a_web_video_from_each_container(clips, clip, tmp_path):
    source = media.probe(clips[clip])

    result = transcoding.transcode(clips[clip], tmp_path / "out.mp4")

    assert_web_video(tmp_path / "out.mp4", 320, 180, source.duration_seconds)
    assert (result.video_codec, result.audio_codec) == ("h264", "aac")


def test_a_silent_video_gets_a_silent_aac_track(clips, tmp_path):
    transcoding.transcode(clips["silent"], tmp_path / "out.mp4")

    assert_web_video(tmp_path / "out.mp4", 320, 180, 1.0)
    with av.open(str(tmp_path / "out.mp4")) as container:
        samples = b"".join(
            bytes(plane)
            for frame in container.decode(container.streams.audio[0])
            for plane in frame.planes
        )
    assert samples and samples.count(0) == len(samples)  # silence: every sample is zero


def test_a_portrait_video_keeps_its_shape(clips, tmp_path):
    transcoding.transcode(clips["portrait"], tmp_path / "out.mp4")

    assert_web_video(tmp_path / "out.mp4", 180, 320, 1.0)


def test_a_4k_video_is_scaled_down_to_1080p(tmp_path):
    make_clip(tmp_path / "uhd.mp4", seconds=0.4, width=3840, height=2160, fps=5)

    result = transcoding.transcode(tmp_path / "uhd.mp4", tmp_path / "out.mp4")

    assert (result.width, result.height) == (1920, 1080)
    assert_web_video(tmp_path / "out.mp4", 1920, 1080, 0.4)


def test_scaling_keeps_the_aspect_with_even_sides_and_never_upscales(tmp_path):
    make_clip(tmp_path / "odd.mp4", seconds=0.4, width=1000, height=2000, fps=5)
    make_clip(tmp_path / "small.mp4", seconds=0.4, width=202, height=98, fps=5)

    tall = transcoding.transcode(tmp_path / "odd.mp4", tmp_path / "tall.mp4")
    small = transcoding.transcode(tmp_path / "small.mp4", tmp_path / "small-out.mp4")

    assert tall.height == 1080 and tall.width % 2 == 0
    assert tall.width == pytest.approx(540, abs=2)
    assert (small.width, small.height) == (202, 98)


def test_transcode_drops_metadata_such_as_location(tmp_path):
    source = tmp_path / "phone.mp4"
    make_clip(tmp_path / "clip.mp4", seconds=0.5)
    subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-i", str(tmp_path / "clip.mp4"), "-c", "copy"]
        + ["-metadata", "location=+48.8584+002.2945/", "-metadata", "title=Maya Smith, age 12"]
        + [str(source)],
        check=True,
    )
    with av.open(str(source)) as container:
        assert container.metadata.get("location")

    transcoding.transcode(source, tmp_path / "out.mp4")

    with av.open(str(tmp_path / "out.mp4")) as container:
        assert "location" not in container.metadata
        assert "title" not in container.metadata


def test_a_transcode_that_takes_too_long_is_refused_cleanly(tmp_path):
    make_clip(tmp_path / "hd.mp4", seconds=1, width=1280, height=720)

    with pytest.raises(MediaError, match="took longer than"):
        transcoding.transcode(tmp_path / "hd.mp4", tmp_path / "out.mp4", timeout=0.02)
    assert not (tmp_path / "out.mp4").exists()


def test_transcoding_a_5_second_clip_is_quick(tmp_path):
    make_clip(tmp_path / "five.mp4", seconds=5, width=640, height=360, title="PSA")
    started = time.monotonic()

    transcoding.transcode(tmp_path / "five.mp4", tmp_path / "out.mp4")

    assert time.monotonic() - started < 5


# --- posters and checksums -----------------------------------------------------------------------


def test_poster_is_a_jpeg_frame_of_the_video(clips, tmp_path):
    transcoding.transcode(clips["titled"], tmp_path / "out.mp4")

    size = transcoding.poster(tmp_path / "out.mp4", tmp_path / "poster.jpg", at_seconds=0.5)

    assert size == (320, 180)
    assert media.sniff((tmp_path / "poster.jpg").read_bytes()) == "jpeg"
    with Image.open(tmp_path / "poster.jpg") as image:
        assert image.format == "JPEG" and image.size == (320, 180)
        # The title card's white text sits on a dark band across the middle.
        band = image.crop((0, 80, 320, 100)).convert("L")
        assert band.getextrema()[1] > 200


def test_a_poster_past_the_end_takes_the_last_frame(clips, tmp_path):
    assert transcoding.poster(clips["mp4"], tmp_path / "poster.jpg", at_seconds=60) == (320, 180)


def test_sha256_file_matches_hashlib(clips):
    data = clips["mp4"].read_bytes()
    assert (
        transcoding.sha256_file(clips["mp4"], chunk_size=1000) == hashlib.sha256(data).hexdigest()
    )


# --- duration ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(190, "3 min 10 s"), (120, "2 min"), (45, "45 s"), (59.6, "1 min"), (0.4, "0 s")],
)
def test_durations_read_as_a_teacher_would_say_them(seconds, words):
    assert media.format_duration(seconds) == words


def test_check_video_refuses_an_over_long_video_in_plain_words():
    found = media.Probe("mp4", "h264", "aac", 190.2, 1280, 720)

    with pytest.raises(MediaError) as refused:
        media.check_video(found, max_seconds=120)

    assert str(refused.value) == "The video is 3 min 10 s long; this contest allows 2 min."


def test_check_video_allows_the_limit_and_container_rounding():
    media.check_video(media.Probe("mp4", "h264", "aac", 120.4, 1280, 720), max_seconds=120)


def test_a_generated_clip_over_the_limit_is_refused(clips):
    with pytest.raises(MediaError, match=r"The video is 6 s long; this contest allows 5 s\."):
        media.check_video(media.probe(clips["too_long"]), max_seconds=5)


# --- hostile files -------------------------------------------------------------------------------


def hostile(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "free-phone.mp4",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "This file is not a video we recognise.",
        ),
        (
            "image.mp4",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "This file is not a video we recognise.",
        ),
        ("consent.mp4", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", "This file is a PDF document"),
        (
            "photo.mov",
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200),
            "This file is a JPEG image",
        ),
        ("captions.mp4", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n", "a captions (WebVTT) file"),
        ("empty.mp4", b"", "The file is empty (0 bytes)."),
        ("noise.mp4", os.urandom(64 * 1024), "This file is not a video we recognise."),
    ],
)
def test_probe_refuses_what_is_not_a_video_before_ffmpeg_sees_it(tmp_path, name, data, message):
    path = hostile(tmp_path, name, data)

    with pytest.raises(MediaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        media.probe(path)


@pytest.mark.parametrize("clip", ["mp4", "mp4_no_faststart", "mov", "webm", "mkv", "avi"])
def test_probe_refuses_a_file_cut_in_half(clips, clip, tmp_path):
    data = clips[clip].read_bytes()
    path = hostile(tmp_path, clips[clip].name, data[: len(data) // 2])

    with pytest.raises(MediaError, match="incomplete|could not be read"):
        media.probe(path)


def test_probe_refuses_a_video_header_followed_by_noise(clips, tmp_path):
    data = clips["mp4"].read_bytes()
    path = hostile(tmp_path, "noise.mp4", data[:32] + os.urandom(20_000))

    with pytest.raises(MediaError):
        media.probe(path)


def raw_avi(tmp_path, header_width=None, header_height=None, size="32x32"):
    """A tiny raw-video AVI; with header sizes, its headers claim that picture size instead."""
    path = tmp_path / "raw.avi"
    subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", f"color=c=red:s={size}"]
        + ["-t", "0.2", "-c:v", "rawvideo", "-pix_fmt", "bgr24", str(path)],
        check=True,
    )
    if header_width is None:
        return path
    data = bytearray(path.read_bytes())
    main = data.find(b"avih") + 8  # AVIMAINHEADER: dwWidth, dwHeight at 32 and 36
    data[main + 32 : main + 40] = header_width.to_bytes(4, "little") + header_height.to_bytes(
        4, "little"
    )
    info = data.find(b"strf") + 8  # BITMAPINFOHEADER: biWidth, biHeight at 4 and 8
    data[info + 4 : info + 12] = header_width.to_bytes(4, "little") + header_height.to_bytes(
        4, "little"
    )
    path.write_bytes(data)
    return path


def test_a_plain_raw_avi_probes(tmp_path):
    found = media.probe(raw_avi(tmp_path))
    assert (found.container, found.width, found.height) == ("avi", 32, 32)


@pytest.mark.parametrize(
    ("width", "height"), [(10000, 10000), (9000, 32), (32, 9000), (100_000, 100_000)]
)
def test_probe_refuses_absurd_dimensions_in_the_header(tmp_path, width, height):
    path = raw_avi(tmp_path, width, height)

    with pytest.raises(MediaError, match="not a real video size"):
        media.probe(path)


def test_probe_refuses_a_picture_too_small_to_be_a_video(tmp_path):
    make_clip(tmp_path / "tiny.mp4", seconds=0.2, width=8, height=8)

    with pytest.raises(MediaError, match=r"8 × 8 pixels, which is not a real video size"):
        media.probe(tmp_path / "tiny.mp4")


def test_probe_refuses_a_sound_only_file(tmp_path):
    path = tmp_path / "sound.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=0.5"]
        + ["-c:a", "aac", str(path)],
        check=True,
    )

    with pytest.raises(MediaError, match="no picture"):
        media.probe(path)


def test_transcode_refuses_a_hostile_file_and_leaves_no_output(tmp_path):
    path = hostile(tmp_path, "page.mp4", b"<html>not a video</html>")

    with pytest.raises(MediaError, match="not a video"):
        transcoding.transcode(path, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()


# --- what a video may cost the worker ------------------------------------------------------------


def declared_clip(tmp_path, width, height, fps, frames=2, name="declared.mp4"):
    """A real H.264 file whose headers declare `width`x`height` at `fps`, made cheaply: it
    holds only `frames` frames (an 8192x8192 one takes a fraction of a second)."""
    path = tmp_path / name
    subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi"]
        + ["-i", f"color=c=navy:size={width}x{height}:rate={fps}", "-frames:v", str(frames)]
        + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )
    return path


@pytest.mark.parametrize(
    ("width", "height", "fps", "words"),
    [
        (8192, 8192, 60, "8192x8192 at 60 frames a second"),  # the attack run's bomb
        (8192, 8192, 1, "8192x8192 at 1 frames a second"),  # a picture too large at any rate
        (3840, 2160, 60, "3840x2160 at 60 frames a second"),  # 4K60: twice the pixel rate
        (7680, 4320, 24, "7680x4320 at 24 frames a second"),  # 8K
        (64, 64, 1000, "64x64 at 1000 frames a second"),  # tiny, at a rate no camera films
        (1920, 1080, 240, "1920x1080 at 240 frames a second"),  # slow motion, unconverted
    ],
)
def test_probe_refuses_a_video_that_would_exhaust_the_worker(tmp_path, width, height, fps, words):
    path = declared_clip(tmp_path, width, height, fps)

    with pytest.raises(MediaError) as refused:
        media.probe(path)

    assert str(refused.value) == (
        f"This video is {words}, more than we can process. Export it at 1080p (1920x1080) or "
        "smaller, 60 frames a second at most, and upload it again."
    )


@pytest.mark.parametrize(
    ("width", "height", "fps"),
    [(1920, 1080, 60), (1920, 1080, 120), (3840, 2160, 30), (2160, 3840, 30), (4096, 2160, 30)],
)
def test_phone_videos_up_to_4k_at_30_fps_pass_the_probe(tmp_path, width, height, fps):
    found = media.probe(declared_clip(tmp_path, width, height, fps))

    assert (found.width, found.height, found.frame_rate, found.frames) == (width, height, fps, 2)


def test_probe_counts_the_frames_a_stream_holds_whatever_its_header_says(tmp_path):
    # A Matroska file whose header says 25 frames a second, then carries 2000 a second.
    ffmpeg = [ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi"]
    x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    calm, burst = tmp_path / "calm.mkv", tmp_path / "burst.mkv"
    subprocess.run([*ffmpeg, "-i", "color=s=64x64:r=25:d=1", *x264, str(calm)], check=True)
    subprocess.run([*ffmpeg, "-i", "testsrc=s=64x64:r=2000:d=1", *x264, str(burst)], check=True)
    (tmp_path / "list.txt").write_text(f"file '{calm}'\nfile '{burst}'\n")
    lying = tmp_path / "lying.mkv"
    subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-f", "concat", "-safe", "0"]
        + ["-i", str(tmp_path / "list.txt"), "-c", "copy", str(lying)],
        check=True,
    )
    with av.open(str(lying)) as container:
        assert container.streams.video[0].average_rate == 25  # what the header says

    with pytest.raises(MediaError) as refused:
        media.probe(lying)

    assert str(refused.value) == (
        "This video is 64x64 at more than 120 frames a second, more than we can process. Export "
        "it at 1080p (1920x1080) or smaller, 60 frames a second at most, and upload it again."
    )
    # Counting stops past the limit (so a hostile stream costs no more); under it, all count.
    found = media.probe(lying, media.Limits(max_frame_rate=2000, max_pixel_rate=10**10))
    assert found.frames == 25 + 2000 and found.frame_rate == pytest.approx(2025 / 2.04, abs=1)


@pytest.mark.parametrize(
    ("duration", "width", "height", "fps", "frames", "amount"),
    [
        (1200, 3840, 2160, 30, 0, "20 min of 3840x2160 at 30 frames a second"),
        (3600, 1920, 1080, 60, 0, "60 min of 1920x1080 at 60 frames a second"),
        (10, 640, 360, 30, 2_000_000, "2,000,000 frames of 640x360"),
    ],
)
def test_probe_bounds_the_pixels_a_whole_video_decodes_to(
    duration, width, height, fps, frames, amount
):
    found = media.Probe("mp4", "h264", "aac", duration, width, height, fps, frames)

    with pytest.raises(MediaError) as refused:
        media.check_cost(found)

    assert f"This video holds {amount}" in str(refused.value)
    assert str(refused.value).endswith(
        "more than we can process. Export it at 1080p (1920x1080) or smaller, 60 frames a "
        "second at most, or make it shorter, and upload it again."
    )


@pytest.mark.parametrize(
    ("duration", "width", "height", "fps"),
    [(600, 3840, 2160, 30), (2400, 1920, 1080, 30), (1200, 1920, 1080, 60), (120, 3840, 2160, 30)],
)
def test_the_default_budget_passes_long_phone_videos(duration, width, height, fps):
    media.check_cost(media.Probe("mp4", "h264", "aac", duration, width, height, fps))


def test_a_lower_budget_refuses_a_real_clip(clips):
    found = media.probe(clips["mp4"])  # 1.5 s of 320x180 at 25 fps: 2.2 million pixels
    budget = media.Limits(max_decoded_pixels=2_000_000)

    with pytest.raises(MediaError, match="This video holds 2 s of 320x180 at 25 frames a second"):
        media.probe(clips["mp4"], budget)
    assert found.decoded_pixels == 320 * 180 * 25 * found.duration_seconds
    media.probe(clips["mp4"], media.Limits(max_decoded_pixels=2_200_000))


def test_probing_a_huge_picture_decodes_none_of_it(tmp_path):
    path = declared_clip(tmp_path, 8192, 8192, 60)
    script = (
        "import resource, sys\n"
        "from contest.submissions import media\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    media.probe(sys.argv[1])\n"
        "except media.MediaError as error:\n    print(error)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    refusal, grown_mb = result.stdout.splitlines()

    assert refusal.startswith("This video is 8192x8192 at 60 frames a second")
    assert int(grown_mb) < 40, grown_mb  # one decoded 8192x8192 picture alone is 96 MB


def test_the_transcode_time_limit_grows_with_the_length_up_to_a_cap():
    limits = media.Limits(seconds_per_video_second=4, max_transcode_seconds=3600)

    assert limits.time_limit(10) == 70  # 30 s + 4 s a second
    assert limits.time_limit(120) == 510
    assert limits.time_limit(7200) == 3600


def test_the_settings_default_to_the_media_limits(app):
    assert media.Limits.from_config(app.config) == media.DEFAULT_LIMITS
    tighter = media.Limits.from_config({"FFMPEG_MEMORY_MB": 300, "VIDEO_MAX_FRAME_RATE": 30})
    assert (tighter.memory_mb, tighter.max_frame_rate, tighter.threads) == (300, 30, 2)


def ffmpeg_processes_writing(path):
    """Running processes whose command line names `path`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as file:
                if str(path).encode() in file.read():
                    found.append(pid)
        except OSError:
            continue
    return found


def test_the_time_limit_kills_a_slow_transcode(tmp_path):
    make_clip(tmp_path / "hd.mp4", seconds=2, width=1280, height=720, pattern="testsrc2")
    found = media.probe(tmp_path / "hd.mp4")
    limits = media.Limits(max_transcode_seconds=0.3)
    started = time.monotonic()

    with pytest.raises(MediaError) as refused:
        transcoding.transcode(
            tmp_path / "hd.mp4", tmp_path / "out.mp4", source=found, limits=limits
        )

    assert time.monotonic() - started < 2
    assert str(refused.value).startswith(
        "Converting the video took longer than the 0 s we allow for a video of 2 s."
    )
    assert not (tmp_path / "out.mp4").exists()
    assert ffmpeg_processes_writing(tmp_path / "out.mp4") == []


def test_the_memory_limit_stops_an_ffmpeg_that_needs_more(clips, tmp_path):
    make_clip(tmp_path / "hd.mp4", seconds=1, width=1920, height=1080, pattern="testsrc2")
    low = media.Limits(memory_mb=256)  # a 320x180 video needs about 150 MB, 1080p 400 MB

    transcoding.transcode(clips["mp4"], tmp_path / "small.mp4", limits=low)
    with pytest.raises(MediaError) as refused:
        transcoding.transcode(tmp_path / "hd.mp4", tmp_path / "out.mp4", limits=low)
    transcoding.transcode(tmp_path / "hd.mp4", tmp_path / "default.mp4")  # 768 MB: plenty

    assert str(refused.value) == (
        "Converting the video needed more memory than we allow. It may be damaged or much "
        "larger than its header says. Export it again at 1080p (1920x1080) or smaller and "
        "upload the new file."
    )
    assert not (tmp_path / "out.mp4").exists()
    assert_web_video(tmp_path / "default.mp4", 1920, 1080, 1.0)


def test_a_picture_larger_than_the_header_declared_is_not_decoded(tmp_path):
    make_clip(tmp_path / "big.mp4", seconds=0.4, width=1280, height=720)
    declared = media.Probe("mp4", "h264", "aac", 0.4, 320, 180, 25.0, 10)  # a header that lies

    with pytest.raises(MediaError, match="could not be converted"):
        transcoding.transcode(tmp_path / "big.mp4", tmp_path / "out.mp4", source=declared)
    assert not (tmp_path / "out.mp4").exists()


def test_the_web_video_runs_at_60_frames_a_second_at_most(tmp_path):
    make_clip(tmp_path / "fast.mp4", seconds=0.5, width=160, height=90, fps=120)

    result = transcoding.transcode(tmp_path / "fast.mp4", tmp_path / "out.mp4")

    assert media.probe(tmp_path / "fast.mp4").frame_rate == 120
    assert result.frame_rate == 60


# --- captions ------------------------------------------------------------------------------------

CAPTIONS = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nThink before you post.\n"


def test_valid_captions_come_back_as_normalised_text():
    data = ("\ufeff" + CAPTIONS.replace("\n", "\r\n")).encode("utf-8")

    assert captions.validate_captions(data) == CAPTIONS


def test_captions_in_another_language_are_fine():
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\nPiensa antes de publicar. 投稿する前に考えよう\n"
    assert captions.validate_captions(text.encode()) == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"1\n00:00:00,000 --> 00:00:02,000\nAn SRT file\n", "WebVTT"),
        (b"<html>captions</html>", "WebVTT"),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\n\xff\xfe bad bytes\n", "UTF-8"),
        (b"WEBVTT\n\nno cues here\n", "no captions"),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\nnul\x00byte\n", "not text"),
        (b"WEBVTT\n\n" + b"00:00.000 --> 00:01.000\nline\n" * 30000, "KB"),
    ],
)
def test_bad_captions_are_refused(data, message):
    with pytest.raises(MediaError, match=message):
        captions.validate_captions(data)


# --- generated clips -----------------------------------------------------------------------------


def test_make_clip_varies_pattern_colour_tone_and_title(tmp_path):
    bars = make_clip(tmp_path / "bars.mp4", seconds=0.5, pattern="smptebars", tone_hz=880)
    plain = make_clip(
        tmp_path / "plain.mp4", seconds=0.5, pattern="color", colour="maroon", tone_hz=None
    )

    assert media.probe(bars).audio_codec == "aac"
    assert media.probe(plain).audio_codec is None
    transcoding.poster(plain, tmp_path / "plain.jpg", 0.1)
    with Image.open(tmp_path / "plain.jpg") as image:
        red, green, blue = image.convert("RGB").getpixel((160, 90))
    assert red > 100 and green < 40 and blue < 40  # maroon
    with pytest.raises(ValueError, match="pattern must be one of"):
        make_clip(tmp_path / "x.mp4", pattern="mandelbrot")
