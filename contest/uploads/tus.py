"""The tus 1.0.0 protocol (https://tus.io/protocols/resumable-upload): its headers, its metadata,
its checksums, and the one loop that streams a PATCH body onto the end of a staged file.

Flask-free: the views read the request and hand over the header values and the body stream.
"""

import base64
import binascii
import fcntl
import hashlib
import os
from contextlib import contextmanager

from contest.storage.base import CHUNK_SIZE

TUS_VERSION = "1.0.0"
EXTENSIONS = ("creation", "creation-with-upload", "termination", "checksum", "expiration")
CHECKSUMS = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256}
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
# The offset is written to the database at least this often while a PATCH streams, so a dropped
# connection resumes from (nearly) what was written rather than from the start of the chunk.
PROGRESS_EVERY = 8 * 1024 * 1024


class TusError(Exception):
    """A request the protocol refuses: `status` and a message safe to show."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ChunkRefused(Exception):
    """The body broke a rule after `offset` bytes of the upload were safely written."""

    def __init__(self, status, message, offset):
        super().__init__(message)
        self.status = status
        self.message = message
        self.offset = offset


def parse_length(value, name):
    """A non-negative whole number from header `name`; TusError 400 if missing or malformed."""
    if value is None or not value.strip().isdigit():
        raise TusError(400, f"{name} must be a whole number of bytes.")
    return int(value)


def parse_metadata(header):
    """Upload-Metadata: comma-separated "key base64(value)" pairs (the value may be absent)."""
    metadata = {}
    for pair in filter(None, (part.strip() for part in (header or "").split(","))):
        key, _, encoded = pair.partition(" ")
        if not key or key in metadata:
            raise TusError(400, "Upload-Metadata has an empty or repeated key.")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise TusError(400, f"Upload-Metadata value of {key!r} is not base64 UTF-8.") from error
    return metadata


def parse_checksum(header):
    """Upload-Checksum "<algorithm> <base64 digest>" → (hash constructor, digest) or None."""
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUMS:
        raise TusError(400, f"Checksum algorithm {algorithm!r} is not supported.")
    try:
        return CHECKSUMS[algorithm], base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error as error:
        raise TusError(400, "Upload-Checksum digest is not base64.") from error


@contextmanager
def locked_file(path):
    """The staged file opened for writing, held under an exclusive lock for the block.

    Two requests for one upload (a retry while the dropped request still runs, say) must not
    interleave their bytes: the second gets 423 Locked and tries again. TusError 404 if gone.
    """
    try:
        descriptor = os.open(path, os.O_RDWR)
    except FileNotFoundError as error:
        raise TusError(404, "This upload's data is gone: start the upload again.") from error
    file = os.fdopen(descriptor, "r+b")
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise TusError(
                423, "This upload is busy with another request: try again soon."
            ) from error
        yield file
    finally:
        file.close()  # closing releases the lock


def append_chunk(file, offset, stream, room, checksum=None, on_progress=None):
    """Write what `stream` yields at `offset` of `file`, in CHUNK_SIZE reads; return the new
    offset.

    `room` is how many bytes this request may add: a body that would pass it is refused (413) at
    the first read that crosses it. Without a checksum the bytes within the limit are kept and
    `on_progress(offset)` records them as they land, so a dropped connection loses little. With
    one (`checksum` = (hash constructor, expected digest)) the chunk is all or nothing: on a
    mismatch (460), a drop or an overflow the file is cut back to `offset`. ChunkRefused says
    where the upload stands.
    """
    file.seek(offset)
    file.truncate()  # bytes written past the recorded offset by a dropped request are not trusted
    partial = checksum[0]() if checksum else None
    written = recorded = 0
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)

    def refuse(status, message):
        if checksum:
            file.truncate(offset)
            return ChunkRefused(status, message, offset)
        file.flush()
        return ChunkRefused(status, message, offset + written)

    while True:
        try:
            count = stream.readinto(buffer)
        except Exception as error:  # werkzeug's ClientDisconnected, an OSError, its own 413
            if getattr(error, "code", None) == 413:
                raise refuse(413, "This chunk is larger than one request may carry.") from error
            raise refuse(400, "The connection dropped before the chunk was complete.") from error
        if not count:
            break
        if written + count > room:
            raise refuse(413, "This chunk goes past the upload's declared length.")
        data = view[:count]
        file.write(data)
        written += count
        if partial is not None:
            partial.update(data)
        if on_progress and not checksum and written - recorded >= PROGRESS_EVERY:
            file.flush()  # on disk (in the OS) before the database says so
            on_progress(offset + written)
            recorded = written
    if checksum and partial.digest() != checksum[1]:
        raise refuse(460, "The chunk's checksum does not match: send it again.")
    file.flush()
    return offset + written
