"""Local storage: files in a folder outside the web root, served only through the app.

Writes go to a hidden temporary file in the target's own folder, then `os.replace` puts it in
place in one step: a reader sees the old file or the whole new one, never a part, and a failed
write leaves nothing behind. Keys never start a segment with a dot, so no key names a temporary.
"""

import errno
import mimetypes
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from werkzeug.security import safe_join

from contest.core.storage.base import CHUNK_SIZE, Storage, StorageError, StoredObject, check_key


def guess_content_type(key):
    """The content type a key's extension suggests (application/octet-stream if none)."""
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


class LocalStorage(Storage):
    """Files under `root`, one per key, in folders as the key's "/" separates them."""

    name = "local"

    def __init__(self, root):
        self.root = Path(root).resolve()

    @classmethod
    def from_url(cls, url, config=None):
        """`file:///absolute/path` (or `file://localhost/...`); ValueError if malformed."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"a local STORAGE_URL looks like file:///absolute/path, got {url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"STORAGE_URL takes no query or fragment: {url!r}")
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise ValueError(f"STORAGE_URL must name an absolute folder: {url!r}")
        return cls(path)

    def __repr__(self):
        return f"<LocalStorage {self.root}>"

    def check(self):
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"the storage folder {self.root} is missing or not writable")

    def path(self, key):
        """The file that holds (or would hold) `key`; StorageError for a bad key."""
        joined = safe_join(str(self.root), check_key(key))
        if joined is None:  # check_key already refuses these; safe_join is the second lock
            raise StorageError(f"storage key {key!r} escapes the storage folder")
        return Path(joined)

    def _existing(self, key):
        path = self.path(key)
        if not path.is_file():
            raise StorageError(f"no object {key!r} in local storage at {self.root}")
        return path

    def save(self, key, stream, content_type):
        return self._write(self.path(key), stream)

    def save_file(self, key, path, content_type):
        target = self.path(key)
        source = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            size = source.stat().st_size
            os.replace(source, target)
            return size
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise StorageError(f"could not move {source} into local storage: {exc}") from exc
        # Another filesystem: copy in chunks, then remove the source.
        with source.open("rb") as stream:
            size = self.save(key, stream, content_type)
        source.unlink()
        return size

    def _write(self, target, stream):
        """Copy `stream` in chunks to a temporary file beside `target`, then put it in place in
        one step; return the size. A failing read propagates as it is, a failing write becomes
        a StorageError; either way the temporary file goes and `target` stays as it was."""
        temporary, reading, size = None, False, 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".part"
            )
            with os.fdopen(descriptor, "wb") as file:
                while True:
                    reading = True
                    chunk = stream.read(CHUNK_SIZE)
                    reading = False
                    if not chunk:
                        break
                    file.write(chunk)
                    size += len(chunk)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException as exc:
            if temporary:
                Path(temporary).unlink(missing_ok=True)
            if isinstance(exc, OSError) and not reading:
                raise StorageError(f"could not write {target} in local storage: {exc}") from exc
            raise
        return size

    def stat(self, key):
        path = self._existing(key)
        return StoredObject(key=key, size=path.stat().st_size, content_type=guess_content_type(key))

    def read_start(self, key, length):
        with self._existing(key).open("rb") as file:
            return file.read(max(length, 0))

    def open(self, key):
        try:
            return self.path(key).open("rb")
        except FileNotFoundError as exc:
            raise StorageError(f"no object {key!r} in local storage at {self.root}") from exc

    @contextmanager
    def local_copy(self, key):
        yield str(self._existing(key))

    def delete(self, key):
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"could not delete {key!r} from local storage: {exc}") from exc
