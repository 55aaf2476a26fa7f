"""Reading an archive's zip without trusting it: `contest.json` within a size bound, and each
file streamed into storage within its declared size and sha256, nothing partial left behind.

A zip entry's recorded sizes can lie and a small entry can inflate to gigabytes, so sizes are
checked on the header first (a cheap early refusal) and again on the bytes as they are read
(the real bound): reading stops one byte past the declared size."""

import hashlib
import io
import json
import logging
import zipfile
import zlib

from contest.core.storage.base import CHUNK_SIZE, StorageError

log = logging.getLogger(__name__)
# What reading a damaged or unusual zip member raises: a bad CRC or deflate stream, a truncated
# file, an encrypted member (RuntimeError) or an unsupported compression method.
DAMAGED = (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError)


class ArchiveError(Exception):
    """The archive cannot be made or imported; the message says why."""


def read_json(archive, name, limit):
    """The parsed JSON of the zip member `name`, refused (ArchiveError) past `limit` bytes,
    before reading when its header says so, else as soon as its bytes do."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ArchiveError(f"this zip has no {name}: it is not a contest archive") from None
    if info.file_size > limit:
        raise ArchiveError(_too_big(name, info.file_size, limit))
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except DAMAGED as error:
        raise ArchiveError(f"{name} is damaged: {error}") from error
    if len(data) > limit:
        raise ArchiveError(_too_big(name, len(data), limit))
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ArchiveError(f"{name} is damaged: {error}") from error


def _too_big(name, size, limit):
    return (
        f"{name} holds more than {limit:,} bytes ({size:,}); this instance reads archives up "
        "to that size (ARCHIVE_MANIFEST_MAX_BYTES)"
    )


class _Bounded(io.RawIOBase):
    """A stream over a zip member that hashes what is read and refuses to go past `limit`
    bytes: it never asks the member for more than one byte beyond it."""

    def __init__(self, source, limit, label):
        self.source, self.limit, self.label = source, limit, label
        self.digest, self.size = hashlib.sha256(), 0

    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            size = CHUNK_SIZE
        chunk = self.source.read(min(size, self.limit - self.size + 1))
        self.size += len(chunk)
        if self.size > self.limit:
            raise ArchiveError(
                f"the file of {self.label} holds more than its declared {self.limit:,} bytes: "
                "the archive is damaged or forged"
            )
        self.digest.update(chunk)
        return chunk


def check_file_header(archive, name, size, label, max_inflation):
    """ArchiveError if the zip has no member `name`, or its header disagrees with the
    declared `size` or says it inflates more than `max_inflation` times."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ArchiveError(f"the archive lacks the file of {label}") from None
    if info.file_size != size:
        raise ArchiveError(
            f"the file of {label} is {info.file_size:,} bytes in the zip but declared as "
            f"{size:,}: the archive is damaged or forged"
        )
    if size > max(info.compress_size, 1) * max_inflation:
        raise ArchiveError(
            f"the file of {label} would inflate from {info.compress_size:,} to {size:,} bytes, "
            f"more than {max_inflation} times: refused as a zip bomb"
        )


def store_file(archive, name, storage, key, content_type, size, sha256, label):
    """Stream the member `name` into `storage` under `key`, stopping past `size` bytes and
    checking `sha256` at the end; on any failure nothing stays under `key`."""
    try:
        with archive.open(name) as member:
            stream = _Bounded(member, size, label)
            storage.save(key, stream, content_type)
        if stream.size != size or stream.digest.hexdigest() != sha256:
            raise ArchiveError(
                f"the file of {label} does not match its sha256 and size "
                f"({stream.digest.hexdigest()}, {stream.size:,} bytes; expected {sha256}, "
                f"{size:,} bytes): the archive is damaged"
            )
    except (*DAMAGED, StorageError) as error:
        _forget(storage, key)
        raise ArchiveError(f"the archive is damaged: {error}") from error
    except ArchiveError:
        _forget(storage, key)
        raise


def _forget(storage, key):
    """Remove what a failed copy may have left under `key` (a backend that writes in place)."""
    try:
        storage.delete(key)
    except StorageError as error:
        log.warning("a refused archive file may remain in storage at %s: %s", key, error)
