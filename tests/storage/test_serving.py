"""send_asset: local files with ranges, types and safe names; S3 assets by presigned redirect.

The app has no route of its own for this (the media feature decides who sees what), so each
test gives a fresh app a test-only route that sends an asset from a dict by name.
"""

import io
import urllib.request
from urllib.error import HTTPError
from urllib.parse import unquote

import pytest
from flask import request

from contest.core.models.assets import Asset
from contest.core.storage import get_storage
from contest.core.storage.base import content_disposition, display_name
from contest.core.storage.serving import send_asset
from tests.helpers import sample_bytes

SIZE = 3 * 1024 * 1024 + 321
HOSTILE_NAME = 'Our "best" PSA\r\nSet-Cookie: stolen=1; \u202eété\x00 – 🎬.mp4'


# Download names come from stored titles, not from the request: one with a NUL could never come
# through a URL (the app refuses those), so `?as=hostile` names it.
STORED_NAMES = {"hostile": HOSTILE_NAME}


def add_asset_route(app, assets):
    """Give a fresh app a test-only route: /test-only/assets/<name>?as=<download name>[&save]."""

    def show(name):
        download_name = request.args.get("as", "clip.mp4")
        download_name = STORED_NAMES.get(download_name, download_name)
        return send_asset(assets[name], download_name, as_attachment="save" in request.args)

    app.add_url_rule("/test-only/assets/<name>", "test_only_asset", show)


def store(app, key, data, content_type):
    """An Asset for `data`, stored with the app's storage (in an app context of its own)."""
    with app.app_context():
        storage = get_storage()
        size = storage.save(key, io.BytesIO(data), content_type)
    return Asset(backend=storage.name, key=key, content_type=content_type, size_bytes=size)


@pytest.fixture
def local_app(make_app):
    """(app, assets, data): a local-storage app serving assets["clip"], SIZE bytes of video."""
    app, assets = make_app(), {}
    add_asset_route(app, assets)
    data = sample_bytes(SIZE, seed=7)
    assets["clip"] = store(app, "videos/1/clip.mp4", data, "video/mp4")
    return app, assets, data


def get(app, path, query=None, **headers):
    """The response to a GET, read whole and closed (so its file is closed too)."""
    response = app.test_client().get(path, query_string=query, headers=headers)
    response.get_data()
    response.close()
    return response


def test_the_whole_file_with_its_type_and_headers(local_app):
    app, _, data = local_app
    response = get(app, "/test-only/assets/clip")
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Content-Length"] == str(SIZE)
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == 'inline; filename="clip.mp4"'
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "private" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "header, start, end",
    [
        ("bytes=10-19", 10, 20),
        ("bytes=-5", SIZE - 5, SIZE),
        ("bytes=100-", 100, SIZE),
        ("bytes=0-0", 0, 1),
        (f"bytes={SIZE - 1}-", SIZE - 1, SIZE),
        (f"bytes=5-{SIZE + 1000}", 5, SIZE),  # an end past the last byte is cut to it
        (f"bytes=-{SIZE + 1000}", 0, SIZE),  # a suffix longer than the file is all of it
    ],
)
def test_a_range_gets_206_and_exactly_those_bytes(local_app, header, start, end):
    app, _, data = local_app
    response = get(app, "/test-only/assets/clip", Range=header)
    assert response.status_code == 206
    assert response.data == data[start:end]
    assert response.headers["Content-Range"] == f"bytes {start}-{end - 1}/{SIZE}"
    assert response.headers["Content-Length"] == str(end - start)
    assert response.headers["Content-Type"] == "video/mp4"


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}"])
def test_a_range_past_the_end_gets_416(local_app, header):
    app, _, _ = local_app
    response = get(app, "/test-only/assets/clip", Range=header)
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{SIZE}"
    assert response.data == b""


def test_bytes_100_onwards_of_a_100_byte_file_is_unsatisfiable(make_app):
    app, assets = make_app(), {}
    add_asset_route(app, assets)
    assets["short"] = store(app, "captions/1/a.vtt", b"x" * 100, "text/vtt")
    response = get(app, "/test-only/assets/short", Range="bytes=100-")
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */100"
    response = get(app, "/test-only/assets/short", Range="bytes=99-")
    assert (response.status_code, response.data) == (206, b"x")


@pytest.mark.parametrize("header", ["bytes=0-9,20-29", "items=0-9"])
def test_several_ranges_or_other_units_get_the_whole_file(local_app, header):
    app, _, data = local_app
    response = get(app, "/test-only/assets/clip", Range=header)
    assert (response.status_code, response.data) == (200, data)


def test_conditional_requests(local_app):
    app, _, data = local_app
    etag = get(app, "/test-only/assets/clip").headers["ETag"]

    assert get(app, "/test-only/assets/clip", **{"If-None-Match": etag}).status_code == 304

    same = get(app, "/test-only/assets/clip", Range="bytes=10-19", **{"If-Range": etag})
    assert (same.status_code, same.data) == (206, data[10:20])
    # The file changed since the browser fetched its first part: it gets the whole new file.
    stale = get(app, "/test-only/assets/clip", Range="bytes=10-19", **{"If-Range": '"old"'})
    assert (stale.status_code, stale.data) == (200, data)


def test_the_content_type_comes_from_the_asset_not_the_key(make_app):
    app, assets = make_app(), {}
    add_asset_route(app, assets)
    # An HTML-looking file stored as a caption: served as text/vtt, never sniffed as a page.
    assets["captions"] = store(app, "captions/1/a.html", b"<script>alert(1)</script>", "text/vtt")
    response = get(app, "/test-only/assets/captions")
    assert response.mimetype == "text/vtt"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("attachment", [False, True], ids=["inline", "attachment"])
def test_a_hostile_download_name_is_made_safe(local_app, attachment):
    app, _, _ = local_app
    query = {"as": "hostile", **({"save": "1"} if attachment else {})}
    response = get(app, "/test-only/assets/clip", query)
    assert response.status_code == 200
    assert response.headers.get("Set-Cookie") is None
    disposition = response.headers["Content-Disposition"]
    assert disposition == content_disposition(HOSTILE_NAME, inline=not attachment)
    assert "\r" not in disposition and "\n" not in disposition
    kind, fallback, full = disposition.split("; ")
    assert kind == ("attachment" if attachment else "inline")
    # The ASCII name is quoted once and holds no quote, backslash or control character.
    assert fallback.startswith('filename="') and fallback.endswith('"')
    assert all(32 <= ord(char) < 127 and char not in '"\\' for char in fallback[10:-1])
    assert full.startswith("filename*=UTF-8''")
    name = unquote(full.removeprefix("filename*=UTF-8''"))
    assert name == display_name(HOSTILE_NAME)
    assert "été" in name and "🎬" in name
    assert not any(char in name for char in "\r\n\x00\u202e")


def test_a_missing_file_is_404(local_app):
    app, assets, _ = local_app
    with app.app_context():
        get_storage().delete(assets["clip"].key)
    assert get(app, "/test-only/assets/clip").status_code == 404


def test_a_local_asset_is_served_from_disk_when_the_app_uses_s3(s3_bucket, make_app):
    app, assets = make_app(**s3_bucket.settings), {}
    add_asset_route(app, assets)
    media = app.config["INSTANCE_DIR"] / "media"
    (media / "videos").mkdir(parents=True)
    (media / "videos" / "old.mp4").write_bytes(b"stored before the switch")
    assets["old"] = Asset(backend="local", key="videos/old.mp4", content_type="video/mp4")
    response = get(app, "/test-only/assets/old", Range="bytes=0-5")
    assert (response.status_code, response.data) == (206, b"stored")


# --- S3: a redirect to a presigned link ------------------------------------------------------


def fetch(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def test_an_s3_asset_redirects_to_a_link_that_serves_its_bytes(s3_bucket, make_app):
    app, assets = make_app(**s3_bucket.settings), {}
    add_asset_route(app, assets)
    data = sample_bytes(SIZE, seed=8)
    assets["clip"] = store(app, "videos/1/clip.mp4", data, "video/mp4")
    assert assets["clip"].backend == "s3"

    response = get(app, "/test-only/assets/clip", {"as": "été.mp4", "save": "1"})
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "private, no-store"
    link = response.headers["Location"]
    assert link.startswith(f"{s3_bucket.endpoint_url}/{s3_bucket.name}/media/videos/1/clip.mp4?")

    status, headers, body = fetch(link)
    assert (status, body) == (200, data)
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Content-Disposition"] == content_disposition("été.mp4", inline=False)

    status, headers, body = fetch(link, Range="bytes=10-19")
    assert (status, body) == (206, data[10:20])
    assert headers["Content-Range"] == f"bytes 10-19/{SIZE}"


def test_s3_captions_are_sent_by_the_app_so_a_track_loads_from_the_pages_origin(
    s3_bucket, make_app
):
    app, assets = make_app(**s3_bucket.settings), {}
    add_asset_route(app, assets)
    captions = b"WEBVTT\n\n00:00.000 --> 00:02.000\nStay safe online.\n"
    assets["captions"] = store(app, "captions/1.vtt", captions, "text/vtt")
    assert assets["captions"].backend == "s3"

    response = get(app, "/test-only/assets/captions", {"as": "captions.vtt"})
    assert (response.status_code, response.data) == (200, captions)
    assert response.mimetype == "text/vtt"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == content_disposition(
        "captions.vtt", inline=True
    )


def test_s3_captions_the_store_cannot_read_are_404(s3_bucket, make_app):
    app, assets = make_app(**s3_bucket.settings), {}
    add_asset_route(app, assets)
    assets["gone"] = Asset(backend="s3", key="captions/never-stored.vtt", content_type="text/vtt")
    assert get(app, "/test-only/assets/gone").status_code == 404
