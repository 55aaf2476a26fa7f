"""Writing the web copy of a video: the transcode, the poster frame, checksums."""

import hashlib
from pathlib import Path

import av

from contest.submissions.ffmpeg import FfmpegFailed, run_ffmpeg
from contest.submissions.media import (
    DEFAULT_LIMITS,
    MAX_HEIGHT,
    WEB_MAX_FRAME_RATE,
    MediaError,
    format_duration,
    probe,
)

# --- writing: transcoding, posters, checksums -----------------------------------------------------


def transcode(src, dst, max_height=MAX_HEIGHT, timeout=None, source=None, limits=DEFAULT_LIMITS):
    """Convert `src` to an H.264/AAC MP4 at `dst` that every browser plays; return its Probe.

    The picture is scaled down to fit max_height (and 16:9 width) keeping its shape, never up,
    with even sides and square pixels; phone rotation is applied; at most 60 frames a second.
    A video without sound gets a silent AAC track, so every contest video has the same shape.
    The index goes first (`+faststart`) so playback starts before the whole file arrives.
    Metadata such as a phone's location is dropped: these are videos of minors. `source` is
    `src`'s Probe, if known.

    ffmpeg runs within `limits`: its memory, its threads, and a time in proportion to the
    video's length (`timeout` seconds instead, if given); it decodes no picture larger than the
    header declared, so a file whose header lies about its size is stopped.
    """
    source = source or probe(src, limits)
    timeout = timeout if timeout is not None else limits.time_limit(source.duration_seconds)
    max_width = max_height * 16 // 9
    scale = (
        f"scale=w='min(iw,{max_width})':h='min(ih,{max_height})'"
        ":force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1"
    )
    threads = str(limits.threads)
    # Decoders allocate a picture with edges (MPEG-4: 64 pixels a side): allow that, and no
    # picture much larger than the header declared.
    max_pixels = str(2 * (source.width + 128) * (source.height + 128))
    arguments = [
        "-filter_threads", threads,
        "-threads", threads, "-max_pixels", max_pixels,
        "-protocol_whitelist", "file", "-i", f"file:{src}",
    ]  # fmt: skip
    if source.audio_codec:
        audio_map = ["-map", "0:a:0"]
    else:
        arguments += ["-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]
        audio_map = ["-map", "1:a:0", "-shortest"]
    arguments += [
        "-map", "0:v:0", *audio_map,
        "-vf", scale, "-fpsmax", str(WEB_MAX_FRAME_RATE),
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-threads", threads,
        "-profile:v", "high", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000",
        "-map_metadata", "-1", "-map_chapters", "-1",
        # No longer than the header said: a file that lies about its length can't run on.
        "-t", f"{source.duration_seconds + 1:.3f}",
        "-movflags", "+faststart",
        "-f", "mp4", f"file:{dst}",
    ]  # fmt: skip
    try:
        run_ffmpeg(arguments, timeout, "transcode", memory_mb=limits.memory_mb)
        result = probe(dst, limits)
    except FfmpegFailed as error:
        Path(dst).unlink(missing_ok=True)
        if error.reason == "time":
            raise MediaError(
                f"Converting the video took longer than the {format_duration(timeout)} we allow "
                f"for a video of {format_duration(source.duration_seconds)}. It may be damaged "
                "or much larger than its header says. Export it again at 1080p (1920x1080) or "
                "smaller and upload the new file."
            ) from error
        if error.reason == "memory":
            raise MediaError(
                "Converting the video needed more memory than we allow. It may be damaged or "
                "much larger than its header says. Export it again at 1080p (1920x1080) or "
                "smaller and upload the new file."
            ) from error
        raise MediaError(
            "The video could not be converted for playback: it may be damaged or use a format "
            "we can't read. Export it again (for example as MP4) and upload the new file."
        ) from error
    except MediaError:
        Path(dst).unlink(missing_ok=True)
        raise
    declared, read = source.duration_seconds, result.duration_seconds
    if read < declared - max(1.0, 0.05 * declared):
        Path(dst).unlink(missing_ok=True)
        raise MediaError(
            f"This video file is incomplete: its header says {format_duration(declared)} but "
            f"only {format_duration(read)} could be read. Upload the whole file again."
        )
    return result


def poster(src, dst_jpeg, at_seconds):
    """Save the frame shown at `at_seconds` (or the last before it) as a JPEG; (width, height)."""
    try:
        with av.open(str(src), options={"protocol_whitelist": "file"}) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if at_seconds > 0:
                container.seek(int(at_seconds * av.time_base), backward=True, any_frame=False)
            chosen = None
            for frame in container.decode(stream):
                chosen = frame
                if frame.time is not None and frame.time >= at_seconds:
                    break
            if chosen is None:
                raise MediaError("The video has no picture to make a poster from.")
            image = chosen.to_image()
    except av.FFmpegError as error:
        raise MediaError("A poster frame could not be taken from the video.") from error
    image.convert("RGB").save(dst_jpeg, "JPEG", quality=85, optimize=True)
    return image.size


def sha256_file(path, chunk_size=1024 * 1024):
    """The SHA-256 of a file, read in chunks (memory does not grow with the file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()
