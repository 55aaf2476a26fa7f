"""The video store unreachable: an app on S3 storage whose endpoint refuses connections (a free
local port nobody listens on). Teachers get a plain message, never an error page, and the entry
stays the draft it was, with nothing half-stored."""

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.models.entries import Entry
from contest.core.models.uploads import Upload
from tests import factories
from tests.helpers import S3_TEST_SETTINGS, csrf_token, free_port, page_text

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nStay safe online.\n"
TITLE = "Think Before You Post"
DESCRIPTION = "A minute on what a photo tells strangers."
STORE_FAILED = "The file could not be stored; try again."


@pytest.fixture
def unreachable_app(app, make_app, restore_job_queue):
    """An app storing in S3 at an endpoint where nothing listens."""
    return make_app(
        STORAGE_URL="s3://psa-media/media",
        S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}",
        **S3_TEST_SETTINGS,
    )


@pytest.fixture
def draft(app, people):
    """School A's draft entry in a contest open for entries."""
    now = datetime.now().replace(microsecond=0)
    phases = {
        "submissions_open_at": now - timedelta(days=1),
        "submissions_close_at": now + timedelta(days=10),
    }
    contest = factories.make_contest(app, phases=phases)
    return factories.make_entry(
        app, contest.categories[0], people["school_a"], title=TITLE, description=DESCRIPTION
    )


def teacher_client(app, people):
    client = app.test_client()
    factories.sign_in(client, people["teacher_a"].email)
    return client


def assert_draft_untouched(app, entry_id):
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert (entry.status, entry.title, entry.description) == ("draft", TITLE, DESCRIPTION)
        assert entry.consent_asset_id is None and entry.captions_asset_id is None
        assert entry.consent_status == "missing"
        assert db.session.scalar(select(func.count(Asset.id))) == 0
        assert db.session.scalar(select(func.count(Upload.id))) == 0
        attached = select(func.count(AuditEvent.id)).where(AuditEvent.action.like("entry.%"))
        assert db.session.scalar(attached) == 0


@pytest.mark.parametrize(
    ("prefix", "data", "filename"),
    [("consent", PDF, "signed.pdf"), ("captions", VTT, "captions.vtt")],
)
def test_a_file_sent_while_the_store_is_down_gets_a_clear_message_and_the_draft_stays(
    unreachable_app, make_app, s3_bucket, people, draft, prefix, data, filename
):
    teacher = teacher_client(unreachable_app, people)
    page = f"/school/entries/{draft.id}"
    token = csrf_token(teacher, page)

    response = teacher.post(
        f"{page}/{prefix}",
        data={f"{prefix}-csrf_token": token, f"{prefix}-{prefix}": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400  # the entry page again, with the form's error
    text = page_text(response)
    assert STORE_FAILED in text
    assert TITLE in text
    assert "127.0.0.1" not in text and "Traceback" not in text  # no internals shown
    assert_draft_untouched(unreachable_app, draft.id)

    # Once the store answers again (here: an app on a live S3 server), the same file sent again
    # is stored and attached to the entry, still a draft.
    back = make_app(**s3_bucket.settings)
    retried = teacher_client(back, people)
    token = csrf_token(retried, page)
    again = retried.post(
        f"{page}/{prefix}",
        data={f"{prefix}-csrf_token": token, f"{prefix}-{prefix}": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert again.status_code == 302
    with back.app_context():
        entry = db.session.get(Entry, draft.id)
        assert (entry.status, entry.title) == ("draft", TITLE)
        assert getattr(entry, f"{prefix}_asset_id") is not None
    assert len(s3_bucket.object_keys()) == 1


def test_a_video_upload_started_while_the_store_is_down_is_refused_plainly(
    unreachable_app, people, draft
):
    teacher = teacher_client(unreachable_app, people)
    page = page_text(teacher.get(f"/uploads/entry/{draft.id}"))
    token = page.split('<meta name="csrf-token" content="', 1)[1].split('"', 1)[0]

    response = teacher.post(
        "/uploads/s3",
        json={"entry_id": draft.id, "filename": "psa.mp4", "size": 6_000_000,
              "filetype": "video/mp4"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )  # fmt: skip

    assert response.status_code == 503
    assert response.get_json()["message"] == (
        "The video store did not answer as expected: try again in a minute."
    )
    assert_draft_untouched(unreachable_app, draft.id)
