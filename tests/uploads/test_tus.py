"""The tus 1.0.0 server: the real tuspy client against a live server (interrupted, resumed,
byte-identical), then the protocol's edge cases through the Flask test client."""

import base64
import hashlib
import io
import os
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select, update
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError
from tusclient.storage.filestorage import FileStorage

from contest.core import jobs
from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.models.entries import Entry
from contest.core.models.uploads import Upload
from contest.core.storage import storage_for
from contest.uploads.commands import sweep_abandoned_uploads
from tests import factories
from tests.helpers import page_text
from tests.uploads.helpers import (
    OFFSET_TYPE,
    TUS,
    close_submissions,
    create,
    head,
    metadata,
    patch,
    random_file,
    sha256_of,
    upload_row,
    uploads,
)

CHUNK = 256 * 1024


def staging_folder(app):
    return Path(app.config["INSTANCE_DIR"]) / "uploads"


def stored_original(app, entry_id):
    """(Asset, sha256 of its stored bytes) of the entry's uploaded original."""
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        asset_id = entry.original_video_asset_id or entry.pending_video_asset_id
        asset = db.session.get(Asset, asset_id)
        digest = hashlib.sha256()
        with storage_for(asset).open(asset.key) as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
        db.session.expunge(asset)
        return asset, digest.hexdigest()


class FileBytes(io.BytesIO):
    """A file's bytes for tuspy's `file_stream`: tuspy opens `file_path` again for every chunk
    and never closes it, and closes a stream it is given; this one survives both."""

    def __init__(self, path):
        super().__init__(Path(path).read_bytes())

    def close(self):
        self.seek(0)


def tus_client(live, people, role="teacher_a"):
    client = live.test_client()
    factories.sign_in(client, people[role].email)
    return TusClient(f"{live.url}/uploads/files", headers=live.headers(client))


# --- the real client, a real server ---------------------------------------------------------------


def test_tuspy_upload_stopped_midway_resumes_from_the_stored_url(
    live_server, people, entry, video_file, tmp_path
):
    live = live_server()
    client = tus_client(live, people)
    fields = {"entry_id": str(entry.id), "filename": "psa.mp4", "filetype": "video/mp4"}
    urls = FileStorage(str(tmp_path / "urls.json"))
    first = client.uploader(
        file_stream=FileBytes(video_file),
        chunk_size=CHUNK,
        metadata=fields,
        store_url=True,
        url_storage=urls,
    )
    for _ in range(3):
        first.upload_chunk()
    assert first.offset == 3 * CHUNK
    urls._db.close()

    # A new uploader (after a crash, say) finds the URL for this file and asks where to go on.
    urls = FileStorage(str(tmp_path / "urls.json"))
    resumed = client.uploader(
        file_stream=FileBytes(video_file),
        chunk_size=CHUNK,
        metadata=fields,
        store_url=True,
        url_storage=urls,
    )
    assert resumed.url == first.url
    assert resumed.offset == 3 * CHUNK
    resumed.upload()
    urls._db.close()

    assert resumed.offset == video_file.stat().st_size
    asset, stored_sha256 = stored_original(live.app, entry.id)
    assert stored_sha256 == sha256_of(video_file)
    assert asset.sha256 == sha256_of(video_file)
    assert asset.size_bytes == video_file.stat().st_size
    assert asset.original_name == "psa.mp4"
    assert asset.key.startswith(f"originals/{entry.id}/")
    assert list(staging_folder(live.app).iterdir()) == []
    upload = upload_row(live.app, urlsplit(first.url).path.rsplit("/", 1)[-1])
    assert upload.completed_at is not None and upload.upload_offset == upload.length


def send_partial_patch(live, headers, location, offset, body, declared):
    """PATCH declaring `declared` bytes, send only `body`, then drop the connection."""
    path = urlsplit(location).path
    lines = [
        f"PATCH {path} HTTP/1.1",
        f"Host: 127.0.0.1:{urlsplit(live.url).port}",
        "Tus-Resumable: 1.0.0",
        f"Upload-Offset: {offset}",
        f"Content-Type: {OFFSET_TYPE}",
        f"Content-Length: {declared}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    with socket.create_connection(("127.0.0.1", urlsplit(live.url).port)) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        connection.shutdown(socket.SHUT_WR)
        connection.settimeout(10)
        connection.recv(1)  # the server answers (or closes) once it has seen the drop


def test_a_dropped_connection_keeps_what_arrived_and_tuspy_resumes_from_there(
    live_server, people, entry, video_file
):
    live = live_server()
    signed_in = live.test_client()
    factories.sign_in(signed_in, people["teacher_a"].email)
    headers = live.headers(signed_in)
    client = TusClient(f"{live.url}/uploads/files", headers=headers)
    fields = {"entry_id": str(entry.id), "filename": "psa.mp4", "filetype": "video/mp4"}
    uploader = client.uploader(file_stream=FileBytes(video_file), chunk_size=CHUNK, metadata=fields)
    uploader.upload_chunk()
    assert uploader.offset == CHUNK

    data = video_file.read_bytes()
    arrived = 300_000
    body = data[CHUNK : CHUNK + arrived]
    send_partial_patch(live, headers, uploader.url, CHUNK, body, declared=arrived + 100_000)
    deadline = time.monotonic() + 10
    while uploader.get_offset() != CHUNK + arrived and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uploader.get_offset() == CHUNK + arrived

    resumed = client.uploader(
        file_stream=FileBytes(video_file), url=uploader.url, chunk_size=CHUNK, metadata=fields
    )
    assert resumed.offset == CHUNK + arrived
    resumed.upload()
    _, stored_sha256 = stored_original(live.app, entry.id)
    assert stored_sha256 == sha256_of(video_file)


def test_tuspy_with_checksums_uploads_the_same_bytes(live_server, people, entry, video_file):
    live = live_server()
    client = tus_client(live, people)
    uploader = client.uploader(
        file_stream=FileBytes(video_file),
        chunk_size=CHUNK,
        metadata={"entry_id": str(entry.id), "filename": "psa.mp4"},
        upload_checksum=True,
    )
    uploader.upload()
    asset, stored_sha256 = stored_original(live.app, entry.id)
    assert stored_sha256 == asset.sha256 == sha256_of(video_file)


def test_tuspy_hears_why_an_upload_is_refused(live_server, people, entry, video_file):
    live = live_server()
    client = tus_client(live, people, role="teacher_b")
    uploader = client.uploader(
        file_stream=FileBytes(video_file), chunk_size=CHUNK, metadata={"entry_id": str(entry.id)}
    )
    with pytest.raises(TusCommunicationError) as refused:
        uploader.upload()
    assert refused.value.status_code == 403
    assert b"Only your school's teachers" in refused.value.response_content
    assert uploads(live.app) == []


# --- the protocol through the test client ---------------------------------------------------------


def test_options_describes_the_server(client, contest):
    response = client.options("/uploads/files")
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    extensions = response.headers["Tus-Extension"].split(",")
    assert {"creation", "creation-with-upload", "termination", "checksum"} <= set(extensions)
    assert "sha1" in response.headers["Tus-Checksum-Algorithm"].split(",")
    assert response.headers["Tus-Max-Size"] == str(contest.max_bytes)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_creation_stages_an_empty_file_named_by_the_upload_id(app, login_as, entry):
    teacher = login_as("teacher_a")
    response = create(teacher, entry.id, 1000, filename="../../etc/pass\x07wd.mp4")
    assert response.status_code == 201, page_text(response)
    assert response.headers["Tus-Resumable"] == "1.0.0"
    location = response.headers["Location"]
    upload_id = location.rsplit("/", 1)[-1]
    assert location == f"/uploads/files/{upload_id}"
    assert "Upload-Expires" in response.headers
    upload = upload_row(app, upload_id)
    assert (upload.length, upload.upload_offset, upload.backend) == (1000, 0, "local")
    assert upload.filename == "passwd.mp4"  # for display: no folders, no control characters
    staged = staging_folder(app) / upload_id
    assert staged.is_file() and staged.stat().st_size == 0
    assert staged.stat().st_mode & 0o777 == 0o600
    assert sorted(path.name for path in staging_folder(app).iterdir()) == [upload_id]


def test_head_reports_the_offset_and_is_never_cached(login_as, entry):
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 1000).headers["Location"]
    assert patch(teacher, location, 0, b"x" * 400).status_code == 204
    response = head(teacher, location)
    assert response.status_code == 200
    assert response.headers["Upload-Offset"] == "400"
    assert response.headers["Upload-Length"] == "1000"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Tus-Resumable"] == "1.0.0"


@pytest.mark.parametrize(
    "method", ["POST", "HEAD", "PATCH", "DELETE"], ids=lambda method: method.lower()
)
def test_an_unsupported_protocol_version_gets_412(login_as, entry, method):
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 1000).headers["Location"]
    url = "/uploads/files" if method == "POST" else location
    response = teacher.open(url, method=method, headers={"Tus-Resumable": "0.2.2"})
    assert response.status_code == 412
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert head(teacher, location).headers["Upload-Offset"] == "0"


def test_without_the_tus_header_a_write_needs_the_csrf_token(login_as, entry):
    """The Tus-Resumable header is what proves a request is not a cross-site form."""
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 1000).headers["Location"]
    for response in (
        teacher.post("/uploads/files", headers={"Upload-Length": "10"}),
        teacher.patch(location, data=b"x", headers={"Content-Type": OFFSET_TYPE}),
        teacher.delete(location),
    ):
        assert response.status_code == 400
        assert "came from another site" in page_text(response)
    assert head(teacher, location).status_code == 200  # nothing was ended


def test_anonymous_gets_401_json(client, entry):
    response = create(client, entry.id, 1000)
    assert response.status_code == 401
    assert response.is_json and response.json["message"] == "Sign in to upload videos."
    assert response.headers["Tus-Resumable"] == "1.0.0"


def test_creation_refusals(app, login_as, people, entry, contest):
    teacher = login_as("teacher_a")
    cases = [
        (create(teacher, entry.id, contest.max_bytes + 1), 413, "this contest accepts videos up"),
        (create(teacher, entry.id, 0), 400, "The file is empty."),
        (create(teacher, 999_999, 1000), 404, "no such entry"),
        (login_as("teacher_b").post("/uploads/files", headers={
            **TUS, "Upload-Length": "1000", "Upload-Metadata": metadata(entry_id=entry.id),
        }), 403, "Only your school's teachers"),
        (login_as("judge").post("/uploads/files", headers={
            **TUS, "Upload-Length": "1000", "Upload-Metadata": metadata(entry_id=entry.id),
        }), 403, "Only your school's teachers"),
        (teacher.post("/uploads/files", headers={**TUS, "Upload-Length": "1000"}), 400, "entry_id"),
        (teacher.post("/uploads/files", headers={
            **TUS, "Upload-Metadata": metadata(entry_id=entry.id),
        }), 400, "Upload-Length"),
        (teacher.post("/uploads/files", headers={
            **TUS, "Upload-Length": "10", "Upload-Metadata": "entry_id !!notbase64",
        }), 400, "base64"),
        (teacher.post("/uploads/files", headers={
            **TUS, "Upload-Defer-Length": "1", "Upload-Metadata": metadata(entry_id=entry.id),
        }), 400, "Upload-Defer-Length"),
    ]  # fmt: skip
    for response, status, message in cases:
        assert response.status_code == status, page_text(response)
        assert message in response.json["message"]
        assert response.headers["Tus-Resumable"] == "1.0.0"
    assert uploads(app) == []
    assert list(staging_folder(app).iterdir()) == []


def test_no_upload_after_the_deadline(app, login_as, entry, contest):
    close_submissions(app, contest)
    response = create(login_as("teacher_a"), entry.id, 1000)
    assert response.status_code == 409
    assert "deadline" in response.json["message"]
    assert uploads(app) == []


def test_a_withdrawn_entry_takes_no_upload(app, login_as, entry):
    with app.app_context():
        db.session.execute(update(Entry).where(Entry.id == entry.id).values(status="withdrawn"))
        db.session.commit()
    response = create(login_as("teacher_a"), entry.id, 1000)
    assert response.status_code == 403
    assert "withdrawn" in response.json["message"]


def test_patch_at_the_wrong_offset_gets_409(login_as, entry):
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 1000).headers["Location"]
    assert patch(teacher, location, 0, b"a" * 100).status_code == 204
    for offset in (0, 50, 200):
        response = patch(teacher, location, offset, b"b" * 10)
        assert response.status_code == 409
        assert "HEAD" in response.json["message"]
    assert head(teacher, location).headers["Upload-Offset"] == "100"


def test_patch_needs_the_offset_content_type(login_as, entry):
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 1000).headers["Location"]
    response = patch(teacher, location, 0, b"a", **{"Content-Type": "video/mp4"})
    assert response.status_code == 415
    response = teacher.patch(
        location, data=b"a", headers={**TUS, "Content-Type": OFFSET_TYPE}
    )  # no Upload-Offset
    assert response.status_code == 400


def test_a_chunk_past_the_declared_length_gets_413_and_changes_nothing(app, login_as, entry):
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 1000).headers["Location"]
    assert patch(teacher, location, 0, b"a" * 900).status_code == 204
    response = patch(teacher, location, 900, b"b" * 101)
    assert response.status_code == 413
    assert "goes past" in response.json["message"]
    assert head(teacher, location).headers["Upload-Offset"] == "900"
    upload_id = location.rsplit("/", 1)[-1]
    assert (staging_folder(app) / upload_id).stat().st_size == 900


def test_a_body_longer_than_it_said_is_stopped_at_the_declared_length(live_server, people, entry):
    """A chunked body has no Content-Length to check first: the bytes are counted as they come."""
    live = live_server()
    teacher = live.test_client()
    factories.sign_in(teacher, people["teacher_a"].email)
    location = create(teacher, entry.id, 1000).headers["Location"]
    response = requests.patch(
        live.url + location,
        data=iter([b"c" * 600, b"c" * 600]),  # a generator: sent chunked
        headers={**live.headers(teacher), **TUS, "Upload-Offset": "0", "Content-Type": OFFSET_TYPE},
        timeout=10,
    )
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert response.status_code == 413
    assert "goes past" in response.json()["message"]
    assert int(head(teacher, location).headers["Upload-Offset"]) <= 1000
    upload_id = location.rsplit("/", 1)[-1]
    assert (staging_folder(live.app) / upload_id).stat().st_size <= 1000


def test_a_chunk_larger_than_a_form_post_may_be_goes_through(
    make_app, people, entry, restore_job_queue
):
    """MAX_CONTENT_LENGTH caps form posts; a tus chunk may carry up to UPLOAD_CHUNK_MAX_BYTES."""
    small = make_app(MAX_CONTENT_LENGTH=1024, UPLOAD_CHUNK_MAX_BYTES=64 * 1024)
    teacher = small.test_client()
    factories.sign_in(teacher, people["teacher_a"].email)
    location = create(teacher, entry.id, 200_000).headers["Location"]
    assert patch(teacher, location, 0, b"d" * 60_000).status_code == 204
    too_big = patch(teacher, location, 60_000, b"d" * (64 * 1024 + 1))
    assert too_big.status_code == 413
    assert "at most" in too_big.json["message"]
    assert head(teacher, location).headers["Upload-Offset"] == "60000"


def checksum(algorithm, data):
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def test_checksums_are_checked_per_chunk(app, login_as, entry):
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 1000).headers["Location"]
    good = patch(
        teacher, location, 0, b"a" * 300, **{"Upload-Checksum": checksum("sha1", b"a" * 300)}
    )
    assert good.status_code == 204
    assert good.headers["Upload-Offset"] == "300"

    bad = patch(teacher, location, 300, b"b" * 300, **{"Upload-Checksum": checksum("sha1", b"c")})
    assert bad.status_code == 460
    assert "checksum" in bad.json["message"]
    assert head(teacher, location).headers["Upload-Offset"] == "300"
    upload_id = location.rsplit("/", 1)[-1]
    assert (staging_folder(app) / upload_id).read_bytes() == b"a" * 300  # the chunk is discarded

    sha256 = patch(
        teacher, location, 300, b"b" * 10, **{"Upload-Checksum": checksum("sha256", b"b" * 10)}
    )
    assert sha256.status_code == 204
    unknown = patch(teacher, location, 310, b"b", **{"Upload-Checksum": "crc32 AAAAAA=="})
    assert unknown.status_code == 400
    assert head(teacher, location).headers["Upload-Offset"] == "310"


def test_only_the_uploader_may_touch_an_upload(app, login_as, make_app, people, entry):
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 1000).headers["Location"]
    colleague = factories.make_user(
        app, roles=[("teacher", people["school_a"])], email="colleague@example.org"
    )
    others = [login_as("teacher_b"), login_as("organizer"), app.test_client()]
    others.append(app.test_client())
    factories.sign_in(others[-1], colleague.email)
    for other in others:
        expected = 401 if other is others[2] else 404
        assert head(other, location).status_code == expected
        assert patch(other, location, 0, b"x").status_code == expected
        assert other.delete(location, headers=TUS).status_code == expected
    assert head(teacher, location).headers["Upload-Offset"] == "0"
    assert head(teacher, "/uploads/files/" + "0" * 32).status_code == 404
    assert head(teacher, "/uploads/files/..%2F..%2Fsecret_key").status_code == 404


def test_termination_removes_the_staged_bytes_and_the_upload(app, login_as, entry):
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 1000).headers["Location"]
    patch(teacher, location, 0, b"x" * 10)
    response = teacher.delete(location, headers=TUS)
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert uploads(app) == []
    assert list(staging_folder(app).iterdir()) == []
    assert head(teacher, location).status_code == 404
    assert patch(teacher, location, 10, b"y").status_code == 404


def test_creation_with_upload_takes_the_first_chunk(app, login_as, entry):
    teacher = login_as("teacher_a")
    response = create(teacher, entry.id, 1000, data=b"z" * 100, **{"Content-Type": OFFSET_TYPE})
    assert response.status_code == 201
    assert response.headers["Upload-Offset"] == "100"
    assert head(teacher, response.headers["Location"]).headers["Upload-Offset"] == "100"


def finish_with(teacher, location, data, step=400):
    for offset in range(0, len(data), step):
        response = patch(teacher, location, offset, data[offset : offset + step])
        assert response.status_code == 204, page_text(response)
    return response


def test_the_last_chunk_hands_the_video_to_the_entry(app, login_as, people, entry, tmp_path):
    teacher = login_as("teacher_a")
    data = random_file(tmp_path, 1000).read_bytes()
    location = create(teacher, entry.id, len(data), filename="Our PSA.mp4").headers["Location"]
    last = finish_with(teacher, location, data)
    assert last.headers["Upload-Offset"] == "1000"
    upload_id = location.rsplit("/", 1)[-1]
    assert upload_row(app, upload_id).completed_at is not None
    assert list(staging_folder(app).iterdir()) == []
    with app.app_context():
        received = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "entry.video_received")
        ).one()
        stored = db.session.scalars(select(Asset)).all()
        saved = db.session.get(Entry, entry.id)
        assert received.data["size"] == 1000
        assert received.actor_id == people["teacher_a"].id
        assert saved.submitted_at is not None
        # Random bytes are no video: the pipeline refused it and deleted the stored copy.
        assert saved.status == "rejected"
        assert stored == []
    # HEAD still answers for a finished upload, so a client that lost the last answer learns it.
    response = head(teacher, location)
    assert response.headers["Upload-Offset"] == response.headers["Upload-Length"] == "1000"
    assert patch(teacher, location, 1000, b"").status_code == 204
    assert patch(teacher, location, 1000, b"x").status_code == 413


def test_an_upload_started_before_the_deadline_may_finish_after_it(
    app, login_as, entry, contest, video_file
):
    teacher = login_as("teacher_a")
    data = video_file.read_bytes()
    location = create(teacher, entry.id, len(data)).headers["Location"]
    patch(teacher, location, 0, data[:1000])
    close_submissions(app, contest, ago=timedelta(0))  # after the upload started
    assert create(teacher, entry.id, len(data)).status_code == 409
    response = patch(teacher, location, 1000, data[1000:])
    assert response.status_code == 204, page_text(response)
    _, stored_sha256 = stored_original(app, entry.id)
    assert stored_sha256 == sha256_of(video_file)


def test_an_entry_withdrawn_during_the_upload_refuses_it_and_stores_nothing(app, login_as, entry):
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 100).headers["Location"]
    patch(teacher, location, 0, b"x" * 50)
    with app.app_context():
        db.session.execute(update(Entry).where(Entry.id == entry.id).values(status="withdrawn"))
        db.session.commit()
    response = patch(teacher, location, 50, b"x" * 50)
    assert response.status_code == 403
    assert "withdrawn" in response.json["message"]
    assert uploads(app) == []
    assert list(staging_folder(app).iterdir()) == []
    with app.app_context():
        assert db.session.scalars(select(Asset)).all() == []


# --- abandoned uploads ----------------------------------------------------------------------------


def expire(app, upload_id, ago=timedelta(minutes=1)):
    with app.app_context():
        then = datetime.now(UTC) - ago
        db.session.execute(
            update(Upload)
            .where(Upload.id == upload_id)
            .values(created_at=then - timedelta(days=1), expires_at=then)
        )
        db.session.commit()


def test_an_expired_upload_is_gone_and_the_cleanup_removes_it(
    app, login_as, people, contest, entry, runner
):
    teacher = login_as("teacher_a")
    other = factories.make_entry(app, contest.categories[0], people["school_a"], title="Other")
    old = create(teacher, entry.id, 1000).headers["Location"]
    fresh = create(teacher, other.id, 1000).headers["Location"]
    patch(teacher, old, 0, b"x" * 10)
    old_id, fresh_id = old.rsplit("/", 1)[-1], fresh.rsplit("/", 1)[-1]
    expire(app, old_id)
    assert head(teacher, old).status_code == 410
    assert patch(teacher, old, 10, b"y").status_code == 410

    orphan = staging_folder(app) / ("a" * 32)
    orphan.write_bytes(b"left by a deleted entry")
    stale = datetime.now(UTC).timestamp() - app.config["UPLOAD_EXPIRY_SECONDS"] - 60
    os.utime(orphan, (stale, stale))
    recent_orphan = staging_folder(app) / ("b" * 32)
    recent_orphan.write_bytes(b"just made")

    result = runner.invoke(args=["uploads-cleanup"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 expired upload(s) and 1 orphaned staged file(s)." in result.output
    assert [upload.id for upload in uploads(app)] == [fresh_id]
    assert sorted(path.name for path in staging_folder(app).iterdir()) == sorted(
        [fresh_id, "b" * 32]
    )


def test_the_worker_sweeps_abandoned_uploads_every_hour(app, login_as, entry):
    teacher = login_as("teacher_a")
    old = create(teacher, entry.id, 1000).headers["Location"]
    expire(app, old.rsplit("/", 1)[-1])
    [periodic] = [t for t in jobs.huey._registry.periodic_tasks if t.name.endswith("uploads")]
    assert periodic.validate_datetime(datetime(2026, 11, 25, 10, 17))
    assert not periodic.validate_datetime(datetime(2026, 11, 25, 10, 18))
    with app.app_context():
        assert sweep_abandoned_uploads.call_local() == (1, 0)
    assert uploads(app) == []


def test_each_patch_pushes_the_expiry_back(app, login_as, entry):
    teacher = login_as("teacher_a")
    location = create(teacher, entry.id, 1000).headers["Location"]
    upload_id = location.rsplit("/", 1)[-1]
    with app.app_context():
        soon = datetime.now(UTC) + timedelta(minutes=5)
        db.session.execute(update(Upload).where(Upload.id == upload_id).values(expires_at=soon))
        db.session.commit()
    response = patch(teacher, location, 0, b"x" * 10)
    expires = upload_row(app, upload_id).expires_at
    assert expires > datetime.now(UTC) + timedelta(seconds=app.config["UPLOAD_EXPIRY_SECONDS"] - 60)
    assert "Upload-Expires" in response.headers


def test_cleanup_keeps_a_finished_uploads_video(app, login_as, entry, video_file, runner):
    teacher = login_as("teacher_a")
    data = video_file.read_bytes()
    location = create(teacher, entry.id, len(data)).headers["Location"]
    assert patch(teacher, location, 0, data).status_code == 204
    expire(app, location.rsplit("/", 1)[-1])
    assert runner.invoke(args=["uploads-cleanup"]).exit_code == 0
    assert uploads(app) == []
    _, stored_sha256 = stored_original(app, entry.id)
    assert stored_sha256 == sha256_of(video_file)


# --- the teacher's page ---------------------------------------------------------------------------


def test_the_upload_page_offers_a_resumable_upload(app, login_as, entry, contest):
    response = login_as("teacher_a").get(f"/uploads/entry/{entry.id}")
    assert response.status_code == 200
    html = page_text(response)
    assert "Be Kind" in html
    assert 'data-mode="tus"' in html
    assert 'data-endpoint="/uploads/files"' in html
    assert f'data-max-bytes="{contest.max_bytes}"' in html
    assert '<label for="video-file">Video file</label>' in html
    assert '<progress id="upload-progress"' in html
    assert 'aria-live="polite"' in html
    assert "/static/js/upload.js" in html
    assert '<meta name="csrf-token"' in html
    assert "500 MB" in html and "2 min" in html


def test_the_upload_page_says_when_entries_are_closed(app, login_as, entry, contest):
    close_submissions(app, contest)
    html = page_text(login_as("teacher_a").get(f"/uploads/entry/{entry.id}"))
    assert "deadline" in html
    assert 'id="uploader"' not in html


def test_the_upload_page_is_for_the_entrys_teachers(app, login_as, entry):
    assert login_as("teacher_b").get(f"/uploads/entry/{entry.id}").status_code == 403
    assert login_as("teacher_a").get("/uploads/entry/999999").status_code == 404
    assert app.test_client().get(f"/uploads/entry/{entry.id}").status_code == 302
