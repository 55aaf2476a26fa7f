"""Generated clips for the tests and the demo: ffmpeg's lavfi test patterns, a colour, a sine
tone and a title card drawn by Pillow (no system fonts needed)."""

import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from contest.submissions.ffmpeg import run_ffmpeg

PATTERNS = ("testsrc", "testsrc2", "smptebars", "rgbtestsrc", "color")
_CLIP_CODECS = {
    ".mp4": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    ".mov": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    ".webm": ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"],
    ".mkv": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    ".avi": ["-c:v", "mpeg4", "-c:a", "libmp3lame"],
}


def make_clip(
    path,
    seconds=2,
    width=320,
    height=180,
    pattern="testsrc",
    colour="navy",
    tone_hz=440,
    title=None,
    fps=25,
    faststart=True,
):
    """Generate a test clip with ffmpeg's lavfi sources (for tests and the demo).

    `pattern` is one of PATTERNS ("color" fills with `colour`); `tone_hz` adds a sine tone (None
    for a silent clip); `title` is drawn on a card across the middle (Pillow renders it, so no
    system fonts are needed). The extension picks the container: .mp4 .mov .webm .mkv .avi.
    """
    path = Path(path)
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {', '.join(PATTERNS)}")
    source = (
        f"color=c={colour}:size={width}x{height}:rate={fps}"
        if pattern == "color"
        else f"{pattern}=size={width}x{height}:rate={fps}"
    )
    arguments = ["-f", "lavfi", "-i", f"{source}:duration={seconds}"]
    maps = ["-map", "0:v"]
    with tempfile.TemporaryDirectory(prefix="clip-") as work:
        next_input = 1
        if title:
            card = Path(work) / "title.png"
            _title_card(title, width, height).save(card)
            arguments += ["-i", str(card)]
            arguments += ["-filter_complex", "[0:v][1:v]overlay=0:0,format=yuv420p[v]"]
            maps = ["-map", "[v]"]
            next_input = 2
        if tone_hz:
            arguments += ["-f", "lavfi", "-i", f"sine=frequency={tone_hz}:duration={seconds}"]
            maps += ["-map", f"{next_input}:a"]
        codecs = list(_CLIP_CODECS.get(path.suffix.lower(), _CLIP_CODECS[".mp4"]))
        if path.suffix.lower() in (".mp4", ".mov") and faststart:
            codecs += ["-movflags", "+faststart"]
        run_ffmpeg([*arguments, *maps, *codecs, "-t", str(seconds), str(path)], 120, "make clip")
    return path


def _title_card(title, width, height):
    """A transparent image with `title` in white on a dark band across the middle."""
    card = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(card)
    size = max(10, height // 10)
    font = ImageFont.load_default(size=size)
    while size > 10 and draw.textlength(title, font=font) > width * 0.9:
        size -= 2
        font = ImageFont.load_default(size=size)
    band = size * 2
    top = (height - band) // 2
    draw.rectangle((0, top, width, top + band), fill=(0, 0, 0, 170))
    draw.text((width / 2, height / 2), title, font=font, fill="white", anchor="mm")
    return card
