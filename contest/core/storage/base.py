"""The storage contract every backend fulfils, and the one error it raises.

Keys are opaque, app-made strings such as "videos/2026/ab12cd.mp4": never a user's file name.
`check_key` is the one rule for what a key may be; every backend refuses any other key.
Backends stream in chunks, so memory use does not grow with the file size.
"""

import re
import unicodedata
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

CHUNK_SIZE = 1024 * 1024
KEY_MAX_LENGTH = 500  # Asset.key's column

# Segments of letters, digits, "._-" joined by "/", none starting with a dot: so no absolute
# paths, no "." or "..", no backslashes, no control characters, no hidden (temporary) files.
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")


class StorageError(RuntimeError):
    """The backend could not do what was asked (missing object, unreachable server, bad key)."""


def check_key(key):
    """Return `key` if it is a well-formed storage key; StorageError (saying why) if not."""
    if not isinstance(key, str) or not key:
        raise StorageError(f"a storage key must be a non-empty string, got {key!r}")
    if len(key) > KEY_MAX_LENGTH:
        raise StorageError(f"storage key longer than {KEY_MAX_LENGTH} characters: {key[:40]!r}...")
    if not _KEY.fullmatch(key):
        raise StorageError(
            f"bad storage key {key!r}: use segments of letters, digits and ._- joined by /, "
            "none starting with a dot"
        )
    return key


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    content_type: str


@dataclass(frozen=True)
class UploadPart:
    """A presigned URL the browser PUTs one part of a multipart upload to."""

    number: int
    url: str


class Storage(ABC):
    """Where assets live. `name` is what Asset.backend records ("local" or "s3")."""

    name: str
    # True when browsers upload and download straight from the store (presigned URLs).
    direct = False

    @abstractmethod
    def save(self, key, stream, content_type):
        """Store the bytes read from `stream` (read in chunks) under `key`; return the size.

        All or nothing: if reading `stream` fails, its exception propagates and nothing is
        stored under `key` (an object already there stays as it was).
        """

    @abstractmethod
    def save_file(self, key, path, content_type):
        """Move a local file into storage under `key` (a rename where the backend allows);
        return the size. On success the file at `path` is gone: it belongs to the storage."""

    @abstractmethod
    def stat(self, key):
        """The StoredObject for `key`; StorageError if there is none.

        The local backend keeps no metadata: its content_type is guessed from the key.
        """

    @abstractmethod
    def read_start(self, key, length):
        """The first `length` bytes of the object, fewer if it is shorter (to sniff its type by
        content); StorageError if there is no object."""

    @abstractmethod
    def open(self, key):
        """A binary file object to read the whole object from, in chunks."""

    @contextmanager
    @abstractmethod
    def local_copy(self, key):
        """A local file path (str) holding the object for the duration of the block (ffmpeg
        needs one). Read it, never change or move it: it may be the stored file itself."""

    @abstractmethod
    def delete(self, key):
        """Remove the object; removing one that is not there is not an error."""

    @abstractmethod
    def check(self):
        """Raise StorageError when the store cannot be used (for /health); return nothing."""

    def download_url(self, key, filename, content_type, expires=3600, inline=True):
        """A URL the browser may fetch the object from directly, or None to serve it via the app."""
        return None

    def browser_origin(self):
        """The origin ("https://host:port") browsers fetch from and upload to directly, or None
        when every byte goes through the app. The Content-Security-Policy allows it."""
        return None

    # Direct (presigned multipart) uploads: only backends with `direct = True` implement these.
    # Nothing caps what a browser PUTs to a presigned URL: after completion, check the object
    # (stat for the size, read_start for the type) before accepting it.
    def start_multipart(self, key, content_type):
        """Begin a multipart upload to `key`; return its upload id."""
        raise StorageError(f"{self.name} storage takes uploads through the app")

    def presign_parts(self, key, upload_id, numbers, expires=3600, sizes=None):
        """An UploadPart (part number, URL to PUT to) for each part number in `numbers`; with
        `sizes` ({number: bytes}) each URL is signed for exactly that Content-Length, so a
        client cannot send more than it announced.

        Every part but the last must be at least 5 MiB, or completing fails.
        """
        raise StorageError(f"{self.name} storage takes uploads through the app")

    def uploaded_parts(self, key, upload_id):
        """The (number, etag, size) of each part received so far, by number (to resume)."""
        raise StorageError(f"{self.name} storage takes uploads through the app")

    def complete_multipart(self, key, upload_id, parts):
        """Join the parts, a list of (number, etag), into the object; return its StoredObject."""
        raise StorageError(f"{self.name} storage takes uploads through the app")

    def abort_multipart(self, key, upload_id):
        """Drop an unfinished upload and its parts; one already gone is not an error."""
        raise StorageError(f"{self.name} storage takes uploads through the app")


def display_name(filename, limit=255):
    """A client's file name made safe to show and to put in a header: no folders, no control
    characters, not too long. It is never used as a path."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip().lstrip(".")
    return name[:limit] or "file"


# RFC 5987 attr-char: what may stay unescaped in filename*=UTF-8''...
_ATTR_CHAR = "!#$&+-.^_`|~"
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()+,=@-]")


def content_disposition(filename, inline=True):
    """A Content-Disposition value (RFC 6266) offering `filename` safely, whatever it holds.

    `filename` carries an ASCII-only version (quotes and other specials replaced by "_");
    `filename*=UTF-8''...` carries the full name when it differs.
    """
    name = display_name(filename)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = " ".join(_UNSAFE_ASCII.sub("_", ascii_name).split())
    if not ascii_name or ascii_name.startswith("."):  # nothing but non-ASCII before the extension
        ascii_name = "file" + ascii_name
    value = f'{"inline" if inline else "attachment"}; filename="{ascii_name}"'
    if ascii_name != name:
        value += f"; filename*=UTF-8''{quote(name, safe=_ATTR_CHAR)}"
    return value
