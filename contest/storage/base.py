"""The storage contract every backend fulfils, and the one error it raises.

Keys are opaque, app-made strings such as "videos/2026/ab12cd.mp4": never a user's file name.
Backends stream in chunks, so memory use does not grow with the file size.
"""

from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass

CHUNK_SIZE = 1024 * 1024


class StorageError(RuntimeError):
    """The backend could not do what was asked (missing object, unreachable server, bad key)."""


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
        """Store the bytes read from `stream` (read in chunks) under `key`; return the size."""

    @abstractmethod
    def save_file(self, key, path, content_type):
        """Store a local file under `key` (a rename where the backend allows); return the size."""

    @abstractmethod
    def stat(self, key):
        """The StoredObject for `key`; StorageError if there is none."""

    @abstractmethod
    def read_start(self, key, length):
        """The first `length` bytes of the object (to sniff its type by content)."""

    @abstractmethod
    def open(self, key):
        """A binary file object to read the whole object from, in chunks."""

    @contextmanager
    @abstractmethod
    def local_copy(self, key):
        """A local file path holding the object for the duration of the block (ffmpeg needs one)."""

    @abstractmethod
    def delete(self, key):
        """Remove the object; removing one that is not there is not an error."""

    def download_url(self, key, filename, content_type, expires=3600, inline=True):
        """A URL the browser may fetch the object from directly, or None to serve it via the app."""
        return None

    # Direct (presigned multipart) uploads: only backends with `direct = True` implement these.
    def start_multipart(self, key, content_type):
        raise StorageError(f"{self.name} storage takes uploads through the app")

    def presign_parts(self, key, upload_id, numbers, expires=3600):
        raise StorageError(f"{self.name} storage takes uploads through the app")

    def complete_multipart(self, key, upload_id, parts):
        raise StorageError(f"{self.name} storage takes uploads through the app")

    def abort_multipart(self, key, upload_id):
        raise StorageError(f"{self.name} storage takes uploads through the app")
