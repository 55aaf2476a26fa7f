"""Hostile requests to the tus server: creation with any Upload-Length, Upload-Metadata and
Tus-Resumable; PATCH with any Upload-Offset, Content-Type, Upload-Checksum and body; HEAD and
DELETE on any upload id. Every answer is below 500, and an upload started properly beforehand
keeps its offset and its bytes (or gains exactly the bytes a request was told were taken)."""

import base64
import hashlib
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from contest.core import jobs
from tests import factories
from tests.fuzz import ANY_CHAR, FUZZ, hostile_number, hostile_text
from tests.fuzz.conftest import all_ids, snapshot
from tests.helpers import sample_bytes
from tests.uploads.helpers import OFFSET_TYPE, TUS, create, head, patch, upload_row

LENGTH = 1_000_000  # far more than the examples send, so no example finishes the upload
STARTED = 400
CURRENT = object()  # stands for the upload's offset at the moment of the request

# Header values: latin-1 text without CR, LF or NUL (which HTTP cannot carry in a field).
header_text = st.text(
    st.characters(min_codepoint=0x09, max_codepoint=0xFF, exclude_characters="\n\r\x0b\x0c"),
    max_size=60,
)
header_value = st.one_of(
    header_text,
    hostile_number.filter(lambda text: text.isascii() and "\n" not in text and "\r" not in text),
)


def b64(text):
    return base64.b64encode(text.encode()).decode()


def on_the_wire(value):
    """`value` as raw header bytes can carry it: no line breaks (HTTP has none in a value)."""
    value = value.replace("\r", " ").replace("\n", " ")
    return value.encode("utf-8", "replace").decode("latin-1")


@st.composite
def metadata_headers(draw, entry_id):
    """Upload-Metadata: well-formed pairs with hostile values (entry_id among them), broken
    pairs, or any header text at all."""
    keys = st.one_of(
        st.sampled_from(["entry_id", "filename", "filetype", "", " ", "entry_id,"]), header_text
    )
    values = st.one_of(st.just(str(entry_id)), hostile_number, hostile_text)
    pairs = draw(st.lists(st.tuples(keys, values, st.booleans()), max_size=4))
    encoded = [
        f"{key} {b64(value) if encode else on_the_wire(value)}" for key, value, encode in pairs
    ]
    well_formed = f"entry_id {b64(str(entry_id))},filename {b64(draw(hostile_text))}"
    return draw(st.sampled_from([",".join(encoded), well_formed, draw(header_text)]))


def cleaned(headers):
    return {name: value for name, value in headers.items() if value is not None}


@pytest.fixture
def started(app, login_as, world):
    """teacher_a's upload of LENGTH bytes for School A's entry, STARTED bytes in. Uploads a
    creation finishes are processed at once, as in tests/uploads."""
    jobs.huey.configure(app)
    teacher = login_as("teacher_a")
    response = create(teacher, world.values["entry_id"], LENGTH)
    assert response.status_code == 201, response.get_data(as_text=True)
    location = response.headers["Location"]
    data = sample_bytes(STARTED, seed=7)
    assert patch(teacher, location, 0, data).status_code == 204
    return teacher, location, bytearray(data)


def staged_bytes(app, location):
    return (Path(app.config["INSTANCE_DIR"]) / "uploads" / location.rsplit("/", 1)[-1]).read_bytes()


def assert_intact(app, teacher, location, expected):
    """The upload's offset is the bytes we know it took, and the staged file holds them."""
    answer = head(teacher, location)
    assert answer.status_code == 200
    assert int(answer.headers["Upload-Offset"]) == len(expected)
    row = upload_row(app, location.rsplit("/", 1)[-1])
    assert (row.upload_offset, row.length, row.completed_at) == (len(expected), LENGTH, None)
    assert staged_bytes(app, location)[: len(expected)] == bytes(expected)


def test_hostile_creation_never_gets_a_500(app, world, started, people):
    teacher, location, expected = started
    before = snapshot(app, world.bystanders)
    # Creations go to another entry of the school: a new upload for the started upload's own
    # entry would supersede it by design; for any other entry it must leave it intact.
    entry_id = factories.make_entry(
        app, SimpleNamespace(id=world.values["category_id"]), people["school_a"], title="Fuzzed"
    ).id

    @FUZZ
    @given(
        length=st.one_of(st.none(), header_value, st.integers(0, 2**70).map(str)),
        metadata=st.none() | metadata_headers(entry_id),
        version=st.sampled_from(["1.0.0", "1.0.0", None, "0.2.2", " 1.0.0", "1.0.0\t"])
        | header_text,
        body=st.none() | st.binary(max_size=64),
        content_type=st.sampled_from([OFFSET_TYPE, None]) | header_text,
        defer=st.none() | header_value,
    )
    @example(
        length="\u00b2", metadata=None, version="1.0.0", body=None, content_type=None, defer=None
    )
    @example(length="9" * 5000, metadata=None, version="1.0.0", body=None, content_type=None,
             defer=None)  # fmt: skip
    @example(
        length="1000", metadata=f"entry_id {b64('99999999999999999999')}", version="1.0.0",
        body=None, content_type=None, defer=None,
    )  # fmt: skip
    @example(length="1000", metadata=f"entry_id {b64(chr(0xB2))}", version="1.0.0", body=None,
             content_type=None, defer=None)  # fmt: skip
    @example(length="1000", metadata="entry_id \u00e9", version="1.0.0", body=None,
             content_type=None, defer=None)  # fmt: skip
    def send(length, metadata, version, body, content_type, defer):
        headers = {
            "Upload-Length": length,
            "Upload-Metadata": metadata,
            "Tus-Resumable": version,
            "Content-Type": content_type,
            "Upload-Defer-Length": defer,
        }
        response = teacher.post("/uploads/files", data=body, headers=cleaned(headers))
        assert response.status_code < 500, f"{response.status_code} for {headers!r}"
        if response.status_code == 201:
            assert response.headers["Location"].startswith("/uploads/files/")

    send()
    assert_intact(app, teacher, location, expected)
    assert snapshot(app, world.bystanders) == before


def test_hostile_patches_never_get_a_500_nor_lose_bytes(app, world, started):
    teacher, location, expected = started
    before = snapshot(app, world.bystanders)

    @FUZZ
    @given(
        offset=st.one_of(st.just(CURRENT), st.none(), header_value),
        content_type=st.one_of(st.just(OFFSET_TYPE), st.none(), header_text),
        checksum=st.one_of(
            st.none(),
            header_text,
            st.tuples(st.sampled_from(["sha1", "md5", "sha256", "crc32", ""]), header_text).map(
                " ".join
            ),
            st.just("right"),
        ),
        body=st.binary(max_size=2048),
        version=st.sampled_from(["1.0.0", "1.0.0", "1.0.0", None, "2.0"]),
    )
    @example(offset="\u00b2", content_type=OFFSET_TYPE, checksum=None, body=b"x", version="1.0.0")
    @example(offset=CURRENT, content_type=OFFSET_TYPE, checksum="sha1 \u00e9", body=b"x",
             version="1.0.0")  # fmt: skip
    @example(offset=CURRENT, content_type=OFFSET_TYPE, checksum="sha1 AAAA", body=b"x",
             version="1.0.0")  # fmt: skip
    def send(offset, content_type, checksum, body, version):
        known = len(expected)
        if checksum == "right":
            checksum = f"sha1 {base64.b64encode(hashlib.sha1(body).digest()).decode()}"
        headers = {
            "Upload-Offset": str(known) if offset is CURRENT else offset,
            "Content-Type": content_type,
            "Upload-Checksum": checksum,
            "Tus-Resumable": version,
        }
        response = teacher.patch(location, data=body, headers=cleaned(headers))
        assert response.status_code < 500, f"{response.status_code} for {headers!r}"
        now = int(head(teacher, location).headers["Upload-Offset"])
        assert now >= known, f"{headers!r} lost {known - now} bytes"
        if now > known:  # only an accepted chunk moves the upload on, by its own bytes
            assert response.status_code == 204 and response.headers["Upload-Offset"] == str(now)
            expected.extend(body[: now - known])
        assert_intact(app, teacher, location, expected)

    send()
    assert_intact(app, teacher, location, expected)
    assert snapshot(app, world.bystanders) == before


upload_ids = st.one_of(
    st.text("0123456789abcdef", min_size=32, max_size=32),
    st.text("0123456789abcdefABCDEF", max_size=40),
    st.text(ANY_CHAR, min_size=1, max_size=40),
)


def test_head_and_delete_on_any_id_never_get_a_500(app, world, started):
    teacher, location, expected = started
    ids_before = all_ids(app)
    own = location.rsplit("/", 1)[-1]

    @FUZZ
    @given(
        upload_id=upload_ids.filter(lambda text: text != own),
        method=st.sampled_from(["HEAD", "DELETE", "PATCH", "OPTIONS"]),
        version=st.sampled_from(["1.0.0", None, "0.2.2"]),
    )
    @example(upload_id=own.upper(), method="DELETE", version="1.0.0")
    @example(upload_id=own + "/", method="DELETE", version="1.0.0")
    @example(upload_id=f"{own}\x00", method="DELETE", version="1.0.0")
    def send(upload_id, method, version):
        url = f"/uploads/files/{quote(upload_id, safe='')}"
        response = teacher.open(
            url, method=method, headers=cleaned({**TUS, "Tus-Resumable": version})
        )
        assert response.status_code < 500, f"{response.status_code} for {method} {url}"

    send()
    assert_intact(app, teacher, location, expected)
    assert all_ids(app)["uploads"] >= ids_before["uploads"]


def test_another_teacher_cannot_touch_the_upload(app, login_as, world, started):
    """Someone else's session meets 404 whatever it sends, and the upload stays as it was."""
    teacher, location, expected = started
    stranger = login_as("teacher_b")

    @FUZZ
    @given(
        method=st.sampled_from(["HEAD", "PATCH", "DELETE"]),
        offset=st.sampled_from([str(STARTED), "0"]) | header_value,
        body=st.binary(max_size=256),
    )
    def send(method, offset, body):
        headers = {**TUS, "Upload-Offset": offset, "Content-Type": OFFSET_TYPE}
        response = stranger.open(location, method=method, data=body, headers=headers)
        assert response.status_code == 404

    send()
    assert_intact(app, teacher, location, expected)
