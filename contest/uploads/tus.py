"""The tus 1.0.0 protocol (https://tus.io/protocols/resumable-upload): its headers, its metadata,
its checksums, and the one loop that streams a PATCH body onto the end of a staged file.

Flask-free: the views read the request and hand over the header values and the body stream.
"""

import base64
import fcntl
import hashlib
import io
import os
import select
import socket
import time
from contextlib import contextmanager

from contest.core.dbtypes import MAX_BIGINT, whole_number
from contest.core.storage.base import CHUNK_SIZE

TUS_VERSION = "1.0.0"
EXTENSIONS = ("creation", "creation-with-upload", "termination", "checksum", "expiration")
CHECKSUMS = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256}
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
# While a PATCH streams, the offset is written to the database after every PROGRESS_EVERY bytes
# once PROGRESS_SECONDS have passed since it last was, so a server that dies mid-chunk resumes
# from (nearly) what was written (a dropped connection records its exact offset anyway). On a
# fast link the time rule keeps this to one commit a second (a commit per 8 MiB cost a
# fifth of the throughput on loopback).
PROGRESS_EVERY = 8 * 1024 * 1024
PROGRESS_SECONDS = 1.0
# splice(2) moves a PATCH body from the socket to the staged file through a pipe of this size
# (the kernel's default ceiling for unprivileged pipes, /proc/sys/fs/pipe-max-size).
PIPE_SIZE = 1024 * 1024


class Progress:
    """Calls `on_progress(offset)` as bytes land, no more often than PROGRESS_EVERY bytes and
    PROGRESS_SECONDS allow."""

    def __init__(self, on_progress, offset):
        self.on_progress = on_progress
        self.recorded = offset
        self.at = time.monotonic()

    def __call__(self, offset):
        if self.on_progress is None or offset - self.recorded < PROGRESS_EVERY:
            return False
        now = time.monotonic()
        if now - self.at < PROGRESS_SECONDS:
            return False
        self.on_progress(offset)
        self.recorded, self.at = offset, now
        return True


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
    length = whole_number((value or "").strip(), limit=MAX_BIGINT)
    if length is None:
        raise TusError(400, f"{name} must be a whole number of bytes.")
    return length


def parse_metadata(header):
    """Upload-Metadata: comma-separated "key base64(value)" pairs (the value may be absent)."""
    metadata = {}
    for pair in filter(None, (part.strip() for part in (header or "").split(","))):
        key, _, encoded = pair.partition(" ")
        if not key or key in metadata:
            raise TusError(400, "Upload-Metadata has an empty or repeated key.")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except ValueError as error:  # binascii.Error, UnicodeDecodeError, or not ASCII at all
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
    except ValueError as error:  # binascii.Error, or not ASCII at all
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
    progress = Progress(on_progress, offset) if on_progress and not checksum else None
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
        if progress is not None and written - recorded >= PROGRESS_EVERY:
            file.flush()  # on disk (in the OS) before the database says so
            if progress(offset + written):
                recorded = written
    if checksum and partial.digest() != checksum[1]:
        raise refuse(460, "The chunk's checksum does not match: send it again.")
    file.flush()
    return offset + written


def socket_body(stream, length):
    """The connection's socket file under `stream` (a WSGI input), if the body can be taken
    straight off it: a known `length`, a plain buffered socket file (werkzeug's development
    server, wsgiref; not gunicorn's own reader), Linux's splice(2). None otherwise."""
    if not length or not hasattr(os, "splice") or not isinstance(stream, io.BufferedReader):
        return None
    if not isinstance(stream.raw, socket.SocketIO):
        return None
    return stream


def _wait_readable(descriptor, timeout):
    if not select.select([descriptor], [], [], timeout)[0]:
        raise TimeoutError("the client sent nothing for too long")


def splice_chunk(file, offset, body, length, on_progress=None, timeout=60):
    """Move exactly `length` body bytes from the socket file `body` (see socket_body) to
    `offset` of `file` inside the kernel (splice(2) through a pipe: the bytes never enter
    Python, which halves the copying on a fast link); return the new offset.

    The caller has checked `length` against the upload's room and the chunk limit; no more than
    `length` bytes are taken off the connection. The bytes within a dropped body are kept and
    `on_progress(offset)` records them as they land, as append_chunk does without a checksum.
    """
    file.seek(offset)
    file.truncate()  # bytes written past the recorded offset by a dropped request are not trusted
    file.flush()
    target = file.fileno()
    position = offset
    progress = Progress(on_progress, offset)
    # What the server's reader already holds past the headers goes first (peek reads no more
    # than one buffer, then the rest is taken from the socket itself).
    head = body.read1(min(len(body.peek(1)), length))
    os.pwrite(target, head, position)
    position += len(head)
    left = length - len(head)
    source = body.fileno()
    read_end, write_end = os.pipe2(os.O_CLOEXEC)
    try:
        try:
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
            pipe_size = PIPE_SIZE
        except OSError:
            pipe_size = 64 * 1024
        while left:
            try:
                moved = os.splice(source, write_end, min(left, pipe_size), flags=os.SPLICE_F_MOVE)
            except BlockingIOError:  # a socket with a timeout is non-blocking underneath
                try:
                    _wait_readable(source, timeout)
                except TimeoutError as error:
                    raise _dropped(position) from error
                continue
            except OSError as error:
                raise _dropped(position) from error
            if not moved:
                raise _dropped(position)
            left -= moved
            while moved:
                written = os.splice(read_end, target, moved, offset_dst=position)
                position += written
                moved -= written
            progress(position)
    finally:
        os.close(read_end)
        os.close(write_end)
        file.seek(position)
    return position


def _dropped(position):
    return ChunkRefused(400, "The connection dropped before the chunk was complete.", position)
