"""S3 storage against moto's S3 server over HTTP: the real protocol, boto3 unmocked.

moto checks no signatures, expiry or sizes (../shared/TOOLING.md): what is tested here is what
the app does and what comes back over the wire, not S3's own enforcement.
"""

import hashlib
import io
import os
import urllib.request
from urllib.error import HTTPError
from urllib.parse import unquote

import pytest

from config import ConfigError, TestingConfig
from contest import create_app
from contest.core.models.assets import Asset
from contest.core.storage import get_storage, storage_for
from contest.core.storage.base import CHUNK_SIZE, StorageError, content_disposition
from contest.core.storage.local import LocalStorage
from contest.core.storage.s3 import PART_SIZE, S3Storage
from tests.helpers import S3_TEST_SETTINGS, RecordingStream, free_port, sample_bytes

MIB = 1024 * 1024
BIG = PART_SIZE + 3 * CHUNK_SIZE + 123  # past the multipart threshold: stored in parts


def http(method, url, data=None, headers=None):
    """(status, headers, body) of a plain HTTP request, as a browser would send it.

    A body goes as application/octet-stream (a browser PUTting a Blob): urllib's default,
    application/x-www-form-urlencoded, makes moto's server read it as a form and hang.
    """
    headers = {**({"Content-Type": "application/octet-stream"} if data else {}), **(headers or {})}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


@pytest.fixture
def s3(s3_bucket):
    return s3_bucket.storage()


def test_round_trip_in_parts(s3_bucket, s3):
    data = sample_bytes(BIG)
    stream = RecordingStream(data)
    assert s3.save("videos/2026/clip.mp4", stream, "video/mp4") == BIG
    assert all(0 < size <= PART_SIZE for size in stream.reads), "read in bounded pieces"

    assert s3_bucket.object_keys() == ["media/videos/2026/clip.mp4"], "the prefix is applied"
    stored = s3.stat("videos/2026/clip.mp4")
    assert (stored.key, stored.size, stored.content_type) == (
        "videos/2026/clip.mp4",
        BIG,
        "video/mp4",
    )
    assert s3.read_start("videos/2026/clip.mp4", 12) == data[:12]
    with s3.open("videos/2026/clip.mp4") as body:
        assert body.read() == data


def test_small_and_empty_objects(s3):
    assert s3.save("captions/1/a.vtt", io.BytesIO(b"WEBVTT\n"), "text/vtt") == 7
    assert s3.read_start("captions/1/a.vtt", 100) == b"WEBVTT\n"
    assert s3.save("consent/1/empty.pdf", io.BytesIO(b""), "application/pdf") == 0
    assert s3.stat("consent/1/empty.pdf").size == 0
    assert s3.read_start("consent/1/empty.pdf", 8) == b""


def test_local_copy_downloads_to_a_temporary_file_removed_afterwards(s3):
    data = sample_bytes(BIG, seed=2)
    s3.save("videos/a.mp4", io.BytesIO(data), "video/mp4")
    with s3.local_copy("videos/a.mp4") as path:
        assert path.endswith(".mp4")
        with open(path, "rb") as file:
            assert hashlib.sha256(file.read()).digest() == hashlib.sha256(data).digest()
    assert not os.path.exists(path)


def test_local_copy_of_a_missing_object_is_a_storage_error(s3):
    with (
        pytest.raises(StorageError, match="no object 'videos/none.mp4'"),
        s3.local_copy("videos/none.mp4"),
    ):
        pass


def test_save_file_uploads_then_removes_the_file(tmp_path, s3):
    source = tmp_path / "transcoded.mp4"
    data = sample_bytes(BIG, seed=3)
    source.write_bytes(data)
    assert s3.save_file("videos/b.mp4", source, "video/mp4") == BIG
    assert not source.exists()
    with s3.open("videos/b.mp4") as body:
        assert body.read() == data


@pytest.mark.parametrize(
    "key", ["../escape.mp4", "/etc/passwd", "videos\\a.mp4", "videos/a\nb.mp4", "videos/\x00"]
)
def test_hostile_keys_are_refused_before_any_request(s3_bucket, s3, key):
    for operation in (
        lambda: s3.save(key, io.BytesIO(b"data"), "video/mp4"),
        lambda: s3.stat(key),
        lambda: s3.delete(key),
        lambda: s3.download_url(key, "a.mp4", "video/mp4"),
        lambda: s3.start_multipart(key, "video/mp4"),
    ):
        with pytest.raises(StorageError, match="storage key"):
            operation()
    assert s3_bucket.object_keys() == [] and s3_bucket.open_uploads() == []


@pytest.mark.parametrize("fail_after", [100, PART_SIZE + 1], ids=["single-put", "multipart"])
def test_a_failing_stream_leaves_no_object_and_no_open_upload(s3_bucket, s3, fail_after):
    stream = RecordingStream(sample_bytes(3 * PART_SIZE), fail_after=fail_after)
    with pytest.raises(OSError, match="the client went away"):
        s3.save("videos/broken.mp4", stream, "video/mp4")
    assert s3_bucket.object_keys() == []
    assert s3_bucket.open_uploads() == [], "a started multipart upload is aborted"


def test_delete_is_idempotent(s3_bucket, s3):
    s3.save("posters/1/a.jpg", io.BytesIO(b"jpeg"), "image/jpeg")
    s3.delete("posters/1/a.jpg")
    s3.delete("posters/1/a.jpg")
    s3.delete("never/stored.jpg")
    assert s3_bucket.object_keys() == []
    with pytest.raises(StorageError, match="no object 'posters/1/a.jpg'"):
        s3.stat("posters/1/a.jpg")


def test_missing_objects_are_storage_errors(s3):
    for operation in (
        lambda: s3.stat("videos/none.mp4"),
        lambda: s3.read_start("videos/none.mp4", 4),
        lambda: s3.open("videos/none.mp4"),
    ):
        with pytest.raises(StorageError, match="no object 'videos/none.mp4' in S3 bucket"):
            operation()


def test_a_missing_bucket_is_named_in_the_error(s3_server):
    storage = S3Storage(
        "no-such-bucket-here",
        endpoint_url=s3_server.endpoint_url,
        access_key_id=S3_TEST_SETTINGS["S3_ACCESS_KEY_ID"],
        secret_access_key=S3_TEST_SETTINGS["S3_SECRET_ACCESS_KEY"],
    )
    for operation in (
        lambda: storage.stat("videos/a.mp4"),
        lambda: storage.save("videos/a.mp4", io.BytesIO(b"data"), "video/mp4"),
        lambda: storage.start_multipart("videos/a.mp4", "video/mp4"),
    ):
        with pytest.raises(StorageError, match="bucket 'no-such-bucket-here' .* does not exist"):
            operation()


def test_an_unreachable_endpoint_is_a_storage_error():
    endpoint = f"http://127.0.0.1:{free_port()}"
    storage = S3Storage(
        "psa-media", endpoint_url=endpoint, access_key_id="k", secret_access_key="s"
    )
    with pytest.raises(StorageError, match=f"S3 endpoint {endpoint} is unreachable"):
        storage.stat("videos/a.mp4")
    with pytest.raises(StorageError, match="unreachable"):
        storage.save("videos/a.mp4", io.BytesIO(b"data"), "video/mp4")


# --- presigned multipart uploads, as the browser does them ------------------------------------


def put_parts(s3, key, upload_id, chunks):
    """PUT each chunk to its presigned part URL with plain HTTP; [(number, etag)]."""
    links = s3.presign_parts(key, upload_id, range(1, len(chunks) + 1))
    assert [link.number for link in links] == list(range(1, len(chunks) + 1))
    parts = []
    for link, chunk in zip(links, chunks, strict=True):
        status, headers, _ = http("PUT", link.url, data=chunk)
        assert status == 200, f"part {link.number}: {status}"
        parts.append((link.number, headers["ETag"]))
    return parts


def test_a_presigned_multipart_upload_over_plain_http(s3_bucket, s3):
    assert s3.direct is True
    data = sample_bytes(5 * MIB + 5 * MIB + 777, seed=4)
    chunks = [data[: 5 * MIB], data[5 * MIB : 10 * MIB], data[10 * MIB :]]
    upload_id = s3.start_multipart("videos/direct.mp4", "video/mp4")
    assert s3_bucket.open_uploads() == ["media/videos/direct.mp4"]

    parts = put_parts(s3, "videos/direct.mp4", upload_id, chunks)
    uploaded = s3.uploaded_parts("videos/direct.mp4", upload_id)
    assert [(number, etag) for number, etag, _ in uploaded] == parts
    assert [size for _, _, size in uploaded] == [len(chunk) for chunk in chunks]

    # Parts may be reported in any order; completion sorts them.
    stored = s3.complete_multipart("videos/direct.mp4", upload_id, list(reversed(parts)))
    assert (stored.size, stored.content_type) == (len(data), "video/mp4")
    assert s3.stat("videos/direct.mp4").size == len(data)
    assert s3_bucket.open_uploads() == []
    with s3.open("videos/direct.mp4") as body:
        assert body.read() == data


def test_parts_under_5_mib_but_the_last_cannot_be_completed(s3):
    upload_id = s3.start_multipart("videos/small-parts.mp4", "video/mp4")
    parts = put_parts(s3, "videos/small-parts.mp4", upload_id, [b"a" * MIB, b"b" * MIB])
    with pytest.raises(StorageError, match="EntityTooSmall"):
        s3.complete_multipart("videos/small-parts.mp4", upload_id, parts)


def test_abort_drops_the_upload_and_may_be_repeated(s3_bucket, s3):
    upload_id = s3.start_multipart("videos/abandoned.mp4", "video/mp4")
    put_parts(s3, "videos/abandoned.mp4", upload_id, [sample_bytes(5 * MIB)])
    s3.abort_multipart("videos/abandoned.mp4", upload_id)
    assert s3_bucket.open_uploads() == []
    assert s3_bucket.object_keys() == []
    s3.abort_multipart("videos/abandoned.mp4", upload_id)
    with pytest.raises(StorageError, match="no such multipart upload"):
        s3.uploaded_parts("videos/abandoned.mp4", upload_id)
    # S3 answers NoSuchUpload here; moto fails with a 500. Either way: a StorageError.
    with pytest.raises(StorageError, match="could not finish the upload|no such multipart"):
        s3.complete_multipart("videos/abandoned.mp4", upload_id, [(1, '"x"')])


def test_part_numbers_outside_1_to_10000_are_refused(s3):
    upload_id = s3.start_multipart("videos/a.mp4", "video/mp4")
    for number in (0, 10_001, "1"):
        with pytest.raises(StorageError, match="part numbers run from 1 to 10000"):
            s3.presign_parts("videos/a.mp4", upload_id, [number])
    s3.abort_multipart("videos/a.mp4", upload_id)


# --- presigned downloads ------------------------------------------------------------------------


def test_a_presigned_get_serves_ranges_with_the_given_type_and_name(s3):
    data = sample_bytes(3 * MIB, seed=5)
    s3.save("videos/a.mp4", io.BytesIO(data), "application/octet-stream")
    name = 'Our "best" PSA\r\nX-Injected: 1 – été.mp4'
    url = s3.download_url("videos/a.mp4", name, "video/mp4", expires=600)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=600" in url

    status, headers, body = http("GET", url, headers={"Range": "bytes=10-19"})
    assert status == 206
    assert body == data[10:20]
    assert headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Content-Disposition"] == content_disposition(name, inline=True)
    assert headers["X-Injected"] is None

    status, headers, body = http("GET", url)
    assert (status, body) == (200, data)

    attachment = s3.download_url("videos/a.mp4", "été.mp4", "video/mp4", inline=False)
    _, headers, _ = http("GET", attachment, headers={"Range": "bytes=0-0"})
    disposition = headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="ete.mp4"; ')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "été.mp4"


# --- configuration and backends per asset ---------------------------------------------------------


def build(instance_dir, **settings):
    return create_app(
        TestingConfig, INSTANCE_DIR=instance_dir, SQLALCHEMY_DATABASE_URI="sqlite://", **settings
    )


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"STORAGE_URL": "s3://"}, "not a valid S3 bucket name"),
        ({"STORAGE_URL": "s3://Upper_Case/x"}, "not a valid S3 bucket name"),
        ({"STORAGE_URL": "s3://bucket/../x"}, "bad prefix"),
        ({"STORAGE_URL": "s3://bucket:9000/x"}, "s3://bucket/prefix"),
        ({"STORAGE_URL": "s3://bucket/x?region=eu"}, "no query"),
        ({"STORAGE_URL": "s3://AKIAKEY:secret-value@bucket/x"}, "holds credentials"),
        ({"STORAGE_URL": "s3://bucket/x", "S3_ENDPOINT_URL": "localhost:9000"}, "http"),
        ({"STORAGE_URL": "s3://bucket/x", "S3_ACCESS_KEY_ID": "only-the-id"}, "set both"),
    ],
)
def test_malformed_s3_settings_stop_the_app_at_start_up(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message) as refused:
        build(tmp_path, **settings)
    assert "secret-value" not in str(refused.value)


def test_an_s3_app_stores_new_files_in_s3_and_still_reads_local_ones(s3_bucket, make_app):
    app = make_app(**s3_bucket.settings)
    media = app.config["INSTANCE_DIR"] / "media"
    old = Asset(backend="local", key="videos/old.mp4", content_type="video/mp4", size_bytes=9)
    new = Asset(backend="s3", key="videos/new.mp4", content_type="video/mp4", size_bytes=9)
    LocalStorage(media).save("videos/old.mp4", io.BytesIO(b"old bytes"), "video/mp4")
    with app.app_context():
        storage = get_storage()
        assert isinstance(storage, S3Storage)
        assert (storage.bucket, storage.prefix) == (s3_bucket.name, "media")
        storage.save("videos/new.mp4", io.BytesIO(b"new bytes"), "video/mp4")
        assert storage_for(new) is storage
        assert storage_for(old).root == media.resolve()
        assert storage_for(old).read_start("videos/old.mp4", 100) == b"old bytes"
        assert storage_for(new).read_start("videos/new.mp4", 100) == b"new bytes"
    assert s3_bucket.object_keys() == ["media/videos/new.mp4"]


def test_local_files_from_before_the_switch_may_live_elsewhere(s3_bucket, make_app, tmp_path):
    app = make_app(**s3_bucket.settings, STORAGE_LOCAL_ROOT=str(tmp_path / "old-media"))
    LocalStorage(tmp_path / "old-media").save("videos/old.mp4", io.BytesIO(b"old"), "video/mp4")
    old = Asset(backend="local", key="videos/old.mp4", content_type="video/mp4", size_bytes=3)
    with app.app_context():
        assert storage_for(old).read_start("videos/old.mp4", 10) == b"old"


def test_a_local_app_cannot_read_s3_assets(make_app):
    app = make_app()
    asset = Asset(backend="s3", key="videos/a.mp4", content_type="video/mp4", size_bytes=1)
    with app.app_context(), pytest.raises(StorageError, match="'s3' storage, which this app"):
        storage_for(asset)


def test_without_keys_boto3_finds_credentials_its_own_way(tmp_path, s3_bucket, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-the-environment")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "environment-secret")
    settings = {**s3_bucket.settings, "S3_ACCESS_KEY_ID": None, "S3_SECRET_ACCESS_KEY": None}
    storage = build(tmp_path, **settings).extensions["storage"]
    link = storage.download_url("videos/a.mp4", "a.mp4", "video/mp4")
    assert "X-Amz-Credential=from-the-environment%2F" in link
    storage.save("videos/a.mp4", io.BytesIO(b"data"), "video/mp4")
    assert s3_bucket.object_keys() == ["media/videos/a.mp4"]


def test_the_csp_lets_browsers_reach_the_bucket_and_nothing_more(tmp_path, s3_bucket):
    """Direct uploads (connect), playback (media) and posters (img) go to the bucket's origin;
    scripts and styles stay 'self' only."""
    app = build(tmp_path, **s3_bucket.settings)
    origin = app.extensions["storage"].browser_origin()
    assert origin == s3_bucket.settings["S3_ENDPOINT_URL"].rstrip("/")
    response = app.test_client().get("/static/css/site.css")
    response.close()
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    for directive in ("connect-src", "media-src", "img-src"):
        assert origin in policy[directive].split(), directive
    for directive in ("script-src", "style-src", "default-src"):
        assert policy[directive] == "'self'", directive
