"""Video files: recognise them by content, probe, transcode for the web, posters, captions.

Flask-free. PyAV reads files (probing, poster frames: structured data, no stderr parsing); the
ffmpeg binary from the imageio-ffmpeg wheel writes them, in a subprocess bounded in memory,
threads and time (`Limits`, run by `ffmpeg.run_ffmpeg`). Every refusal is a MediaError whose
message a teacher can act on.
"""

import logging
from dataclasses import dataclass, fields
from pathlib import Path

import av

log = logging.getLogger(__name__)

SNIFF_BYTES = 512  # enough for two MPEG-TS packets (188 bytes each) after a 4-byte M2TS prefix
VIDEO_KINDS = frozenset({"mp4", "mov", "webm", "matroska", "avi", "mpegts", "mpeg", "flv"})
MIN_SIDE, MAX_SIDE = 16, 8192
MAX_WIDTH, MAX_HEIGHT = 1920, 1080
# A video may run this much past the limit (frame and container rounding) and still be accepted.
DURATION_TOLERANCE = 0.5
CAPTIONS_MAX_BYTES = 512 * 1024
# Every transcode may take this long, plus its share per second of video (Limits.time_limit).
TRANSCODE_BASE_SECONDS = 30
# The web video never runs at more frames a second than this, whatever the source.
WEB_MAX_FRAME_RATE = 60
# What a teacher is told to do with a video too costly to process.
EXPORT_ADVICE = "Export it at 1080p (1920x1080) or smaller, 60 frames a second at most,"
# ffmpeg's error output kept for the log: a hostile file can make it write without end.
_KIND_WORDS = {
    "pdf": "a PDF document",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "webvtt": "a captions (WebVTT) file",
}
# Old QuickTime files may start with one of these atoms instead of "ftyp".
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


class MediaError(ValueError):
    """The file can't be used as a contest video or captions; the message says why, plainly."""

    @property
    def message(self):
        return str(self)


@dataclass(frozen=True)
class Limits:
    """What one video may cost the worker: the settings of config.py (`from_config`).

    The defaults pass every phone video up to 4K at 30 frames a second (and 1080p up to 120);
    docs/architecture.md gives the measurements behind them.
    """

    max_frame_rate: int = 120  # frames a second
    max_frame_pixels: int = 4096 * 2304  # one picture: "4K" either way up
    max_pixel_rate: int = 4096 * 2160 * 30  # pixels a second: DCI 4K at 30 fps, 1080p at 120
    max_decoded_pixels: int = 3840 * 2160 * 30 * 600  # the whole video: 10 min of 4K at 30 fps
    memory_mb: int = 768  # ffmpeg's writable memory (RLIMIT_DATA)
    threads: int = 2  # ffmpeg's decoding, filtering and encoding threads, each
    seconds_per_video_second: float = 4  # transcode time allowed per second of video...
    max_transcode_seconds: int = 900  # ...up to this, whatever the length

    SETTINGS = {
        "max_frame_rate": "VIDEO_MAX_FRAME_RATE",
        "max_frame_pixels": "VIDEO_MAX_FRAME_PIXELS",
        "max_pixel_rate": "VIDEO_MAX_PIXEL_RATE",
        "max_decoded_pixels": "VIDEO_MAX_DECODED_PIXELS",
        "memory_mb": "FFMPEG_MEMORY_MB",
        "threads": "FFMPEG_THREADS",
        "seconds_per_video_second": "TRANSCODE_SECONDS_PER_VIDEO_SECOND",
        "max_transcode_seconds": "TRANSCODE_TIMEOUT_SECONDS",
    }

    @classmethod
    def from_config(cls, config):
        """The limits an app's config (a mapping) sets; defaults for settings it lacks."""
        return cls(**{name: config[key] for name, key in cls.SETTINGS.items() if key in config})

    def time_limit(self, duration_seconds):
        """Seconds a transcode of a video this long may take: in proportion to its length."""
        allowed = TRANSCODE_BASE_SECONDS + self.seconds_per_video_second * duration_seconds
        return min(self.max_transcode_seconds, allowed)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Probe:
    """What a video file holds, read from its headers (frames counted where they don't say)."""

    container: str
    video_codec: str
    audio_codec: str | None
    duration_seconds: float
    width: int
    height: int
    frame_rate: float = 0.0  # frames a second, on average
    frames: int = 0  # the frames the file holds, if known

    def as_details(self):
        """A JSON-ready dict for Asset.details: container, codecs, duration and picture size."""
        return {field.name: getattr(self, field.name) for field in fields(self)[:6]}

    @property
    def pixel_rate(self):
        """Pixels a second the decoder must produce."""
        return self.width * self.height * self.frame_rate

    @property
    def decoded_pixels(self):
        """Pixels the whole video decodes to: the work a transcode does."""
        frames = max(self.frame_rate * self.duration_seconds, self.frames)
        return self.width * self.height * frames


# --- recognising files by their content ----------------------------------------------------------


def sniff(first_bytes):
    """The kind of file `first_bytes` (its first SNIFF_BYTES) begin, by magic bytes; or None.

    Video containers give "mp4", "mov", "webm", "matroska", "avi", "mpegts", "mpeg" or "flv";
    documents "pdf", "png", "jpeg" or "webvtt". HTML, SVG, plain text and anything unknown give
    None: a file's name and the browser's content type are never trusted.
    """
    head = bytes(first_bytes[:SNIFF_BYTES])
    if head[4:8] == b"ftyp":
        return "mov" if head[8:12] == b"qt  " else "mp4"
    if head[4:8] in _QUICKTIME_ATOMS and int.from_bytes(head[:4], "big") >= 8:
        return "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head[:64] else "matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if _is_transport_stream(head):
        return "mpegts"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "mpeg"
    if head.startswith(b"FLV\x01"):
        return "flv"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    text = head.removeprefix(b"\xef\xbb\xbf")
    if text.startswith(b"WEBVTT") and (len(text) == 6 or text[6:7] in (b" ", b"\t", b"\n", b"\r")):
        return "webvtt"
    return None


def _is_transport_stream(head):
    """MPEG-TS: a 0x47 sync byte every 188 bytes (or every 192, after a 4-byte M2TS prefix)."""
    for start, step in ((0, 188), (4, 192)):
        if len(head) > start + step and head[start] == head[start + step] == 0x47:
            return True
    return False


def check_video_kind(first_bytes):
    """The video container `first_bytes` begin; MediaError for an empty file or any other kind."""
    if not first_bytes:
        raise MediaError("The file is empty (0 bytes). Upload the video file again.")
    kind = sniff(first_bytes)
    if kind not in VIDEO_KINDS:
        raise MediaError(
            f"{describe_kind(kind)} Upload the video itself (for example an MP4, MOV or WebM file)."
        )
    return kind


def describe_kind(kind):
    """Why a file of `kind` (from sniff) is not a video, in a sentence."""
    if kind in _KIND_WORDS:
        return f"This file is {_KIND_WORDS[kind]}, not a video."
    return "This file is not a video we recognise."


# --- probing -------------------------------------------------------------------------------------


def probe(path, limits=DEFAULT_LIMITS):
    """Read a video file's container, codecs, duration, picture size and frame rate; MediaError
    if it is unusable or would cost the worker more than `limits` allow.

    The content is sniffed first, so PyAV only ever sees files that start like a video; PyAV
    decodes no picture larger than the limits allow while it reads the headers.
    """
    path = Path(path)
    with open(path, "rb") as file:
        kind = check_video_kind(file.read(SNIFF_BYTES))
    _check_complete(path, kind, path.stat().st_size)
    options = {"protocol_whitelist": "file", "max_pixels": str(limits.max_frame_pixels)}
    try:
        with av.open(str(path), options=options) as container:
            found = _read_probe(container, kind, limits)
    except av.FFmpegError as error:
        log.info("probe of %s failed: %s", path, error)
        raise MediaError(
            "This video file could not be read: it may be damaged or only partly copied. "
            "Export it again and upload the new file."
        ) from error
    check_cost(found, limits)
    return found


def _read_probe(container, kind, limits):
    if not container.streams.video:
        raise MediaError("This file has no picture in it. Upload the video file itself.")
    video = container.streams.video[0]
    width, height = video.codec_context.width, video.codec_context.height
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise MediaError(
            f"The video's header gives a picture size of {width} × {height} pixels, which is not "
            f"a real video size (we accept {MIN_SIDE} to {MAX_SIDE} pixels on each side). "
            "Export it again and upload the new file."
        )
    audio = container.streams.audio[0] if container.streams.audio else None
    duration, frames, counted = _duration_and_frames(container, video, limits.max_frame_rate)
    if frames is None:
        raise MediaError(
            f"This video is {width}x{height} at more than {limits.max_frame_rate} frames a "
            f"second, more than we can process. {EXPORT_ADVICE} and upload it again."
        )
    if not duration or duration <= 0:
        raise MediaError(
            "We could not tell how long this video is, so it may be damaged. "
            "Export it again and upload the new file."
        )
    frame_rate = float(video.average_rate or 0)
    if counted or not frame_rate:
        frame_rate = max(frame_rate, frames / duration)
    return Probe(
        container=kind,
        video_codec=video.codec_context.codec.canonical_name,
        audio_codec=audio.codec_context.codec.canonical_name if audio else None,
        duration_seconds=round(duration, 3),
        width=width,
        height=height,
        frame_rate=round(frame_rate, 3),
        frames=frames,
    )


def _duration_and_frames(container, video, max_frame_rate):
    """(seconds, frames, whether the frames were counted). Both from the header when it has
    them (MP4, MOV and AVI index every frame, and their rate follows from the index); else the
    packets are counted and timed, without decoding: a Matroska, WebM or MPEG stream may carry
    far more frames than its header's rate says, and browser recordings have no duration in
    their header. Counting stops once the frames are too many for the header's duration at
    `max_frame_rate`, giving None for the frames: it takes no longer than the video may be."""
    duration = None
    if container.duration:
        duration = container.duration / av.time_base
    elif video.duration and video.time_base:
        duration = float(video.duration * video.time_base)
    if duration and video.frames:
        return duration, video.frames, False
    frames, end = 0, None
    enough = max_frame_rate * duration + 2 if duration else None
    for packet in container.demux(video):
        if not packet.size:
            continue  # the demuxer's closing empty packet
        frames += 1
        if enough is not None and frames > enough:
            return duration, None, True
        if packet.pts is not None and packet.time_base is not None:
            finish = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            end = finish if end is None else max(end, finish)
    return duration or end, frames, True


def check_cost(found, limits=DEFAULT_LIMITS):
    """MediaError, in words a teacher can act on, if decoding the probed video would cost the
    worker more than `limits` allow: a picture too large, too many frames a second, too many
    pixels a second, or too many pixels in all (a long video at a high resolution)."""
    size = f"{found.width}x{found.height}"
    rate = f"{found.frame_rate:.2f}".rstrip("0").rstrip(".")
    if (
        found.width * found.height > limits.max_frame_pixels
        or found.frame_rate > limits.max_frame_rate
        or found.pixel_rate > limits.max_pixel_rate
    ):
        raise MediaError(
            f"This video is {size} at {rate} frames a second, more than we can process. "
            f"{EXPORT_ADVICE} and upload it again."
        )
    if found.decoded_pixels > limits.max_decoded_pixels:
        if found.frames > found.frame_rate * found.duration_seconds:
            amount = f"{found.frames:,} frames of {size}"
        else:
            length = format_duration(found.duration_seconds)
            amount = f"{length} of {size} at {rate} frames a second"
        raise MediaError(
            f"This video holds {amount}, more than we can process. "
            f"{EXPORT_ADVICE} or make it shorter, and upload it again."
        )


def _check_complete(path, kind, size):
    """MediaError if the container's own structure says the file is cut short."""
    declared_end = None
    if kind in ("mp4", "mov"):
        declared_end = _isobmff_end(path, size)
    elif kind == "avi":
        with open(path, "rb") as file:
            declared_end = 8 + int.from_bytes(file.read(8)[4:8], "little")
    elif kind in ("webm", "matroska"):
        declared_end = _matroska_segment_end(path)
    if declared_end is not None and declared_end > size:
        raise MediaError(
            "This video file is incomplete: it ends before the video does, as if only part of "
            "it was uploaded or copied. Upload the whole file again."
        )


def _isobmff_end(path, size, max_boxes=100_000):
    """Where the last top-level MP4/MOV box says it ends (past `size` when truncated)."""
    offset = 0
    with open(path, "rb") as file:
        for _ in range(max_boxes):
            if offset >= size:
                return offset
            file.seek(offset)
            header = file.read(16)
            if len(header) < 8:
                return offset + 8
            box_size = int.from_bytes(header[:4], "big")
            if box_size == 1:  # a 64-bit size follows the type
                if len(header) < 16:
                    return offset + 16
                box_size = int.from_bytes(header[8:16], "big")
            elif box_size == 0:  # the box runs to the end of the file
                return size
            if box_size < 8:
                raise MediaError(
                    "This video file is damaged (its structure does not add up). "
                    "Export it again and upload the new file."
                )
            offset += box_size
    return None


def _read_vint(data, at, strip_marker):
    """An EBML variable-length integer at `at`: (value, length), or (None, length) if unknown."""
    first = data[at]
    length = next((n for n in range(8) if first & (0x80 >> n)), None)
    if length is None or at + length >= len(data):
        raise ValueError("not EBML")
    length += 1
    value = first & (0xFF >> length) if strip_marker else first
    all_ones = value == (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
        all_ones = all_ones and byte == 0xFF
    return (None if strip_marker and all_ones else value), length


def _matroska_segment_end(path):
    """Where the Segment element says it ends; None when its size is unknown (live recordings)."""
    with open(path, "rb") as file:
        data = file.read(4096)
    try:
        _, id_length = _read_vint(data, 0, strip_marker=False)
        header_size, size_length = _read_vint(data, id_length, strip_marker=True)
        at = id_length + size_length + (header_size or 0)
        segment_id, id_length = _read_vint(data, at, strip_marker=False)
        if segment_id != 0x18538067:
            return None
        segment_size, size_length = _read_vint(data, at + id_length, strip_marker=True)
    except (ValueError, IndexError):
        return None
    if segment_size is None:
        return None
    return at + id_length + size_length + segment_size


def format_duration(seconds):
    """'3 min 10 s', '2 min', '45 s': how a teacher would say it."""
    total = int(round(seconds))
    minutes, rest = divmod(total, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def check_video(found, max_seconds):
    """MediaError if the probed video runs longer than the contest allows."""
    if found.duration_seconds > max_seconds + DURATION_TOLERANCE:
        raise MediaError(
            f"The video is {format_duration(found.duration_seconds)} long; this contest allows "
            f"{format_duration(max_seconds)}."
        )
