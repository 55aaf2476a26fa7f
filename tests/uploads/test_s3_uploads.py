"""Direct uploads to S3 (moto's server over HTTP): presigned multipart parts sent with plain HTTP
PUTs, completion, and the app's own checks of the finished object, which S3 cannot make."""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select, update

from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.models.entries import Entry
from contest.core.models.uploads import Upload
from devtools.clips import make_clip
from tests import factories
from tests.helpers import csrf_token, page_text
from tests.uploads.helpers import (
    create,
    patch,
    refused_inserts,
    set_contest,
    sha256_of,
    uploads,
)

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def big_video(tmp_path_factory):
    """A real MP4 of more than 5 MiB, so it takes two S3 parts."""
    path = tmp_path_factory.mktemp("s3-videos") / "big.mp4"
    make_clip(path, seconds=8, width=1280, height=720, pattern="testsrc2")
    assert path.stat().st_size > 5 * MIB
    return path


@pytest.fixture
def s3_app(app, make_app, s3_bucket, restore_job_queue):
    """An app storing in a fresh bucket on the moto server, in parts of 5 MiB."""
    return make_app(**s3_bucket.settings, UPLOAD_S3_PART_BYTES=5 * MIB)


class Teacher:
    """A signed-in test client sending the CSRF token in X-CSRFToken, as upload.js does (from
    the upload page's meta tag when the teacher may see the page)."""

    def __init__(self, app, email, entry_id):
        self.client = app.test_client()
        factories.sign_in(self.client, email)
        page = page_text(self.client.get(f"/uploads/entry/{entry_id}"))
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        self.token = meta.group(1) if meta else csrf_token(self.client, "/auth/account")

    def json(self, method, url, body=None):
        return self.client.open(
            url,
            method=method,
            json=body,
            headers={"X-CSRFToken": self.token, "Accept": "application/json"},
        )


def start(teacher, entry, size, filename="psa.mp4"):
    body = {"entry_id": entry.id, "filename": filename, "size": size, "filetype": "video/mp4"}
    return teacher.json("POST", "/uploads/s3", body)


def put_parts(plan, data, sizes=None):
    """PUT each part's bytes to its presigned URL (plain HTTP, as the browser does); the ETags."""
    parts, at = [], 0
    for index, part in enumerate(plan["parts"]):
        size = sizes[index] if sizes else plan["part_size"]
        response = requests.put(part["url"], data=data[at : at + size], timeout=30)
        assert response.status_code == 200, response.text
        parts.append({"number": part["number"], "etag": response.headers["ETag"]})
        at += size
    return parts


def original_keys(bucket):
    return [key for key in bucket.object_keys() if "/originals/" in key]


def test_a_video_goes_straight_to_the_bucket(s3_app, s3_bucket, people, entry, big_video):
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    page = page_text(teacher.client.get(f"/uploads/entry/{entry.id}"))
    assert 'data-mode="s3"' in page and 'data-endpoint="/uploads/s3"' in page

    data = big_video.read_bytes()
    started = start(teacher, entry, len(data))
    assert started.status_code == 201, page_text(started)
    plan = started.json
    assert plan["part_size"] == 5 * MIB
    assert [part["number"] for part in plan["parts"]] == [1, 2]
    assert s3_bucket.open_uploads() != []

    parts = put_parts(plan, data)
    status = teacher.json("GET", plan["abort_url"])
    assert status.status_code == 200
    assert [(p["number"], p["size"]) for p in status.json["done"]] == [
        (1, 5 * MIB),
        (2, len(data) - 5 * MIB),
    ]

    done = teacher.json("POST", plan["complete_url"], {"parts": parts})
    assert done.status_code == 201, page_text(done)
    assert done.json["status"] == "received"
    assert s3_bucket.open_uploads() == []
    with s3_app.app_context():
        saved = db.session.get(Entry, entry.id)
        original = db.session.get(Asset, saved.original_video_asset_id)
        assert original.backend == "s3"
        assert original.key.startswith(f"originals/{entry.id}/")
        assert original.original_name == "psa.mp4"
        assert original.size_bytes == len(data)
        key = f"{s3_bucket.prefix}/{original.key}"
        assert db.session.get(Upload, plan["upload_id"]).completed_at is not None
        assert saved.status == "ready"  # the pipeline processed it from the bucket
    stored = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == sha256_of(big_video)
    again = teacher.json("POST", plan["complete_url"], {"parts": parts})
    assert again.status_code == 200  # a repeated completion says it is received, again
    assert again.json["status"] == "received"


def test_an_object_larger_than_the_contest_allows_is_deleted_and_refused(
    s3_app, s3_bucket, people, entry, contest
):
    set_contest(s3_app, contest, max_bytes=6 * MIB)
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    plan = start(teacher, entry, 5 * MIB + 100).json  # what the browser claims
    data = bytes(7 * MIB)  # what it sends: presigned parts can't stop it
    parts = put_parts(plan, data, sizes=[5 * MIB, 2 * MIB])
    refused = teacher.json("POST", plan["complete_url"], {"parts": parts})
    assert refused.status_code == 413
    assert "this contest accepts videos up to 6 MB" in refused.json["message"]
    assert original_keys(s3_bucket) == []
    assert s3_bucket.open_uploads() == []
    assert uploads(s3_app) == []
    with s3_app.app_context():
        assert db.session.scalars(select(Asset)).all() == []


def test_an_object_of_another_size_than_announced_is_refused(s3_app, s3_bucket, people, entry):
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    plan = start(teacher, entry, 5 * MIB + 100).json
    parts = put_parts(plan, bytes(5 * MIB + 300), sizes=[5 * MIB, 300])
    refused = teacher.json("POST", plan["complete_url"], {"parts": parts})
    assert refused.status_code == 400
    assert "were announced" in refused.json["message"]
    assert original_keys(s3_bucket) == []


@pytest.mark.parametrize(
    "content",
    [b"<!doctype html><html><script>alert(1)</script></html>", b"%PDF-1.7\n" + bytes(200)],
    ids=["html", "pdf"],
)
def test_an_object_that_is_not_a_video_is_deleted_and_refused(
    s3_app, s3_bucket, people, entry, content
):
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    plan = start(teacher, entry, len(content), filename="totally-a-video.mp4").json
    parts = put_parts(plan, content, sizes=[len(content)])
    refused = teacher.json("POST", plan["complete_url"], {"parts": parts})
    assert refused.status_code == 415
    assert "not a video" in refused.json["message"]
    assert original_keys(s3_bucket) == []
    assert uploads(s3_app) == []


def test_completing_needs_every_part(s3_app, s3_bucket, people, entry):
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    plan = start(teacher, entry, 5 * MIB + 100).json
    parts = put_parts(plan, bytes(5 * MIB + 100), sizes=[5 * MIB, 100])
    for body in ({"parts": parts[:1]}, {"parts": [parts[0], parts[0]]}, {"parts": "all"}, {}):
        refused = teacher.json("POST", plan["complete_url"], body)
        assert refused.status_code == 400, body
    assert s3_bucket.open_uploads() != []  # still there to complete properly
    assert teacher.json("POST", plan["complete_url"], {"parts": parts}).status_code == 415


def test_refusals_before_anything_is_started(s3_app, s3_bucket, people, entry, contest):
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    too_big = start(teacher, entry, contest.max_bytes + 1)
    assert too_big.status_code == 413
    other = Teacher(s3_app, people["teacher_b"].email, entry.id)
    assert start(other, entry, 1000).status_code == 403
    assert teacher.json("POST", "/uploads/s3", {"entry_id": "1", "size": 10}).status_code == 400
    unknown = {"entry_id": 999_999, "filename": "a.mp4", "size": 1000}
    assert teacher.json("POST", "/uploads/s3", unknown).status_code == 404
    assert s3_bucket.open_uploads() == []
    assert uploads(s3_app) == []


def test_the_json_endpoints_need_the_csrf_token(s3_app, s3_bucket, people, entry):
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    body = {"entry_id": entry.id, "filename": "a.mp4", "size": 1000}
    refused = teacher.client.post("/uploads/s3", json=body, headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert refused.is_json
    plan = start(teacher, entry, 1000).json
    assert teacher.client.delete(plan["abort_url"]).status_code == 400
    assert s3_bucket.open_uploads() != []


def test_abort_drops_the_parts_and_the_upload(s3_app, s3_bucket, people, entry):
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    plan = start(teacher, entry, 5 * MIB + 100).json
    put_parts({**plan, "parts": plan["parts"][:1]}, bytes(5 * MIB))
    other = Teacher(s3_app, people["teacher_b"].email, entry.id)
    for method, url in (("GET", plan["abort_url"]), ("DELETE", plan["abort_url"])):
        assert other.json(method, url).status_code == 404
    assert other.json("POST", plan["complete_url"], {"parts": []}).status_code == 404
    response = teacher.json("DELETE", plan["abort_url"])
    assert response.status_code == 204
    assert s3_bucket.open_uploads() == []
    assert uploads(s3_app) == []
    assert teacher.json("GET", plan["abort_url"]).status_code == 404


def test_cleanup_aborts_an_abandoned_direct_upload(s3_app, s3_bucket, people, entry, contest):
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    other = factories.make_entry(s3_app, contest.categories[0], people["school_a"], title="Other")
    kept = start(teacher, other, 1000).json
    abandoned = start(teacher, entry, 5 * MIB + 100).json
    put_parts({**abandoned, "parts": abandoned["parts"][:1]}, bytes(5 * MIB))
    with s3_app.app_context():
        then = datetime.now(UTC) - timedelta(hours=1)
        db.session.execute(
            update(Upload)
            .where(Upload.id == abandoned["upload_id"])
            .values(created_at=then - timedelta(days=1), expires_at=then)
        )
        db.session.commit()
    assert teacher.json("GET", abandoned["abort_url"]).status_code == 410
    result = s3_app.test_cli_runner().invoke(args=["uploads-cleanup"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 expired upload(s)" in result.output
    assert len(s3_bucket.open_uploads()) == 1
    assert [upload.id for upload in uploads(s3_app)] == [kept["upload_id"]]


def test_tus_uploads_through_the_app_also_land_in_the_bucket(
    s3_app, s3_bucket, people, entry, video_file
):
    teacher = s3_app.test_client()
    factories.sign_in(teacher, people["teacher_a"].email)
    data = video_file.read_bytes()
    location = create(teacher, entry.id, len(data)).headers["Location"]
    assert patch(teacher, location, 0, data[:1000]).status_code == 204
    assert patch(teacher, location, 1000, data[1000:]).status_code == 204
    with s3_app.app_context():
        saved = db.session.get(Entry, entry.id)
        original = db.session.get(Asset, saved.original_video_asset_id)
        assert (original.backend, original.sha256) == ("s3", sha256_of(video_file))
        key = f"{s3_bucket.prefix}/{original.key}"
    stored = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == sha256_of(video_file)


def test_a_joined_object_whose_row_is_refused_is_kept_and_a_repeat_finishes_it(
    s3_app, s3_bucket, people, entry, big_video
):
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    data = big_video.read_bytes()
    plan = start(teacher, entry, len(data)).json
    parts = put_parts(plan, data)
    with refused_inserts(s3_app, "assets"):
        failed = teacher.json("POST", plan["complete_url"], {"parts": parts})
        assert failed.status_code == 503, page_text(failed)
        assert "Nothing is lost" in failed.json["message"]
    assert len(original_keys(s3_bucket)) == 1  # joined, and kept
    done = teacher.json("POST", plan["complete_url"], {"parts": parts})
    assert done.status_code == 201, page_text(done)
    assert done.json["status"] == "received"
    (key,) = original_keys(s3_bucket)
    stored = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == sha256_of(big_video)
    with s3_app.app_context():
        saved = db.session.get(Entry, entry.id)
        assert saved.status == "ready"
        assert key.endswith(db.session.get(Asset, saved.original_video_asset_id).key)


def test_a_new_direct_upload_aborts_the_entrys_unfinished_one_and_quotas_apply(
    s3_app, s3_bucket, people, entry, contest, monkeypatch
):
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    first = start(teacher, entry, 6 * MIB).json
    second = start(teacher, entry, 6 * MIB).json
    assert s3_bucket.open_uploads() == [
        f"{s3_bucket.prefix}/originals/{entry.id}/{second['upload_id']}"
    ]
    assert teacher.json("GET", first["abort_url"]).status_code == 404
    other = factories.make_entry(s3_app, contest.categories[0], people["school_a"], title="Other")
    monkeypatch.setitem(s3_app.config, "UPLOAD_SCHOOL_MAX_STAGED_BYTES", 10 * MIB)
    refused = start(teacher, other, 6 * MIB)
    assert refused.status_code == 413
    assert "unfinished uploads" in refused.json["message"]
    assert len(s3_bucket.open_uploads()) == 1


def test_each_part_link_is_signed_for_exactly_its_parts_size(s3_app, people, entry):
    """S3 refuses a PUT whose Content-Length differs from the signed one, so no client can
    store more than it announced (which is what the school's quota counts). moto does not
    check signatures: the test reads what was signed."""
    teacher = Teacher(s3_app, people["teacher_a"].email, entry.id)
    plan = start(teacher, entry, 2 * 5 * MIB + 123).json
    signed = [parse_qs(urlsplit(part["url"]).query) for part in plan["parts"]]
    assert [query["X-Amz-SignedHeaders"] for query in signed] == [["content-length;host"]] * 3
