"""Captions a school sends: WebVTT checked before it is stored."""

from contest.submissions.media import CAPTIONS_MAX_BYTES, MediaError, sniff


def validate_captions(data, max_bytes=CAPTIONS_MAX_BYTES):
    """The text of a WebVTT captions file (BOM dropped, line ends normalised); MediaError if not."""
    if not data:
        raise MediaError("The captions file is empty.")
    if len(data) > max_bytes:
        raise MediaError(
            f"The captions file is {len(data) // 1024} KB; captions files up to "
            f"{max_bytes // 1024} KB are accepted."
        )
    if sniff(data) != "webvtt":
        raise MediaError(
            "Captions must be a WebVTT (.vtt) file starting with the line “WEBVTT”. "
            "Most captioning tools can export one."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MediaError("The captions file must be saved as UTF-8 text.") from error
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise MediaError("The captions file contains characters that are not text.")
    if not any(" --> " in line for line in text.split("\n")):
        raise MediaError(
            "The captions file has no captions in it (no timing lines such as "
            "“00:00:01.000 --> 00:00:04.000”)."
        )
    return text
