"""Local storage: keys kept inside the root, atomic chunked writes, moves, and choosing the
backend from STORAGE_URL at start-up."""

import errno
import hashlib
import io
import os

import pytest

from config import ConfigError, TestingConfig
from contest import create_app
from contest.core.storage import get_storage
from contest.core.storage.base import CHUNK_SIZE, StorageError
from contest.core.storage.local import LocalStorage
from tests.helpers import RecordingStream, sample_bytes

BIG = 2 * CHUNK_SIZE + 12345
HOSTILE_KEYS = [
    "",
    "../escape.mp4",
    "videos/../../escape.mp4",
    "videos/..",
    "./videos/a.mp4",
    "/etc/passwd",
    "//server/share",
    "videos\\..\\escape.mp4",
    "C:\\escape.mp4",
    "videos/a\nb.mp4",
    "videos/a\rb.mp4",
    "videos/a\x00b.mp4",
    "videos/a\x1bb.mp4",
    "videos/a\x7fb.mp4",
    "videos//a.mp4",
    "videos/",
    "videos/.hidden",
    "vidéos/a.mp4",
    "videos/a b.mp4",
    "x" * 501,
]


@pytest.fixture
def local(tmp_path):
    return LocalStorage(tmp_path / "media")


def files_under(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_round_trip_of_a_file_larger_than_a_chunk(local):
    data = sample_bytes(BIG)
    assert local.save("videos/2026/clip.mp4", io.BytesIO(data), "video/mp4") == BIG

    assert files_under(local.root) == ["videos/2026/clip.mp4"]
    stored = local.stat("videos/2026/clip.mp4")
    assert (stored.key, stored.size, stored.content_type) == (
        "videos/2026/clip.mp4",
        BIG,
        "video/mp4",
    )
    assert local.read_start("videos/2026/clip.mp4", 16) == data[:16]
    assert local.read_start("videos/2026/clip.mp4", BIG + 100) == data, "short objects come whole"
    with local.open("videos/2026/clip.mp4") as file:
        assert file.read() == data


def test_save_reads_in_chunks_never_all_at_once(local):
    stream = RecordingStream(sample_bytes(5 * CHUNK_SIZE + 1))
    local.save("videos/big.mp4", stream, "video/mp4")
    assert stream.reads and all(0 < size <= CHUNK_SIZE for size in stream.reads), stream.reads
    assert len(stream.reads) == 7  # six chunks with data, then the empty read that ends it


def test_saving_again_replaces_the_object(local):
    local.save("captions/1/a.vtt", io.BytesIO(b"first version, longer"), "text/vtt")
    local.save("captions/1/a.vtt", io.BytesIO(b"second"), "text/vtt")
    with local.open("captions/1/a.vtt") as file:
        assert file.read() == b"second"


def test_an_empty_object_is_stored(local):
    assert local.save("consent/1/empty.pdf", io.BytesIO(b""), "application/pdf") == 0
    assert local.stat("consent/1/empty.pdf").size == 0
    assert local.read_start("consent/1/empty.pdf", 8) == b""


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_keys_are_refused_by_every_operation(tmp_path, local, key):
    (tmp_path / "outside.txt").write_bytes(b"secret")
    source = tmp_path / "source.bin"
    source.write_bytes(b"data")
    operations = [
        lambda: local.save(key, io.BytesIO(b"data"), "video/mp4"),
        lambda: local.save_file(key, source, "video/mp4"),
        lambda: local.stat(key),
        lambda: local.read_start(key, 4),
        lambda: local.open(key),
        lambda: local.delete(key),
        lambda: local.path(key),
    ]
    for operation in operations:
        with pytest.raises(StorageError, match="storage key"):
            operation()
    with pytest.raises(StorageError, match="storage key"), local.local_copy(key):
        pass
    assert source.read_bytes() == b"data"
    assert (tmp_path / "outside.txt").read_bytes() == b"secret"
    assert not local.root.exists() or files_under(local.root) == []


def test_a_failing_stream_leaves_no_object_and_no_temporary_file(local):
    stream = RecordingStream(sample_bytes(BIG), fail_after=CHUNK_SIZE + 1)
    with pytest.raises(OSError, match="the client went away"):
        local.save("videos/broken.mp4", stream, "video/mp4")
    assert files_under(local.root) == []
    with pytest.raises(StorageError, match="no object 'videos/broken.mp4'"):
        local.stat("videos/broken.mp4")


def test_a_failing_stream_leaves_the_previous_object_as_it_was(local):
    local.save("videos/a.mp4", io.BytesIO(b"the old video"), "video/mp4")
    stream = RecordingStream(sample_bytes(BIG), fail_after=CHUNK_SIZE)
    with pytest.raises(OSError):
        local.save("videos/a.mp4", stream, "video/mp4")
    assert files_under(local.root) == ["videos/a.mp4"]
    with local.open("videos/a.mp4") as file:
        assert file.read() == b"the old video"


def test_a_failing_disk_is_a_storage_error_and_leaves_nothing(local):
    local.root.mkdir(parents=True)
    (local.root / "videos").write_bytes(b"a file where a folder should be")
    with pytest.raises(StorageError, match="could not write"):
        local.save("videos/a.mp4", io.BytesIO(b"data"), "video/mp4")
    assert files_under(local.root) == ["videos"]


def test_delete_is_idempotent(local):
    local.save("posters/1/a.jpg", io.BytesIO(b"jpeg"), "image/jpeg")
    local.delete("posters/1/a.jpg")
    local.delete("posters/1/a.jpg")
    local.delete("never/stored.jpg")
    with pytest.raises(StorageError, match="no object 'posters/1/a.jpg'"):
        local.stat("posters/1/a.jpg")


def test_missing_objects_are_storage_errors(local):
    for operation in (
        lambda: local.stat("videos/none.mp4"),
        lambda: local.read_start("videos/none.mp4", 4),
        lambda: local.open("videos/none.mp4"),
    ):
        with pytest.raises(StorageError, match="no object 'videos/none.mp4'"):
            operation()
    with pytest.raises(StorageError, match="no object"), local.local_copy("videos/none.mp4"):
        pass


def test_local_copy_is_the_stored_file_itself(local):
    data = sample_bytes(BIG)
    local.save("videos/a.mp4", io.BytesIO(data), "video/mp4")
    with local.local_copy("videos/a.mp4") as path:
        assert isinstance(path, str)
        assert path == str(local.root / "videos" / "a.mp4")
        with open(path, "rb") as file:
            assert hashlib.sha256(file.read()).digest() == hashlib.sha256(data).digest()
    assert files_under(local.root) == ["videos/a.mp4"], "the file stays after the block"


def test_save_file_moves_the_file(tmp_path, local):
    source = tmp_path / "transcoded.mp4"
    data = sample_bytes(BIG)
    source.write_bytes(data)
    inode = source.stat().st_ino
    assert local.save_file("videos/b.mp4", source, "video/mp4") == BIG
    assert not source.exists()
    assert (local.root / "videos" / "b.mp4").stat().st_ino == inode, "a rename, not a copy"
    with local.open("videos/b.mp4") as file:
        assert file.read() == data


def test_save_file_across_filesystems_copies_in_chunks_then_removes(tmp_path, local, monkeypatch):
    source = tmp_path / "elsewhere.mp4"
    data = sample_bytes(BIG)
    source.write_bytes(data)
    real_replace = os.replace

    def replace(src, dst):  # the move across a filesystem boundary fails, as rename(2) does
        if str(src) == str(source):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert local.save_file("videos/c.mp4", source, "video/mp4") == BIG
    assert not source.exists()
    assert files_under(local.root) == ["videos/c.mp4"]
    with local.open("videos/c.mp4") as file:
        assert file.read() == data


def test_save_file_of_a_missing_file_is_a_storage_error(tmp_path, local):
    with pytest.raises(StorageError, match="could not move"):
        local.save_file("videos/d.mp4", tmp_path / "nothing-here.mp4", "video/mp4")


def test_local_storage_offers_no_direct_links_or_uploads(local):
    assert local.direct is False
    assert local.download_url("videos/a.mp4", "a.mp4", "video/mp4") is None
    with pytest.raises(StorageError, match="takes uploads through the app"):
        local.start_multipart("videos/a.mp4", "video/mp4")


# --- choosing the backend -------------------------------------------------------------------------


def build(instance_dir, **settings):
    return create_app(
        TestingConfig, INSTANCE_DIR=instance_dir, SQLALCHEMY_DATABASE_URI="sqlite://", **settings
    )


def test_the_default_is_local_storage_in_the_instance_folder(tmp_path):
    app = build(tmp_path, STORAGE_URL=None)
    with app.app_context():
        storage = get_storage()
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "media").resolve()
    assert storage.root.is_dir()
    assert app.config["STORAGE_URL"] == (tmp_path / "media").resolve().as_uri()


def test_a_file_url_names_the_folder(tmp_path):
    folder = tmp_path / "my media"
    app = build(tmp_path, STORAGE_URL=folder.as_uri())
    assert app.extensions["storage"].root == folder.resolve()
    assert folder.is_dir()


@pytest.mark.parametrize(
    "url, message",
    [
        ("file://instance/media", "file:///absolute/path"),
        ("file:relative/media", "absolute folder"),
        ("file:///srv/media?x=1", "no query"),
        ("ftp://example.org/media", "file:///absolute/folder or s3://bucket/prefix"),
        ("/srv/media", "file:///absolute/folder or s3://bucket/prefix"),
    ],
)
def test_a_malformed_storage_url_stops_the_app_at_start_up(tmp_path, url, message):
    with pytest.raises(ConfigError, match=message):
        build(tmp_path, STORAGE_URL=url)


def test_local_storage_inside_the_web_root_is_refused(tmp_path):
    app = build(tmp_path)
    static = app.static_folder
    with pytest.raises(ConfigError, match="outside the web root"):
        build(tmp_path, STORAGE_URL=f"file://{static}/media")
