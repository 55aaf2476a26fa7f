"""The teacher's screens: registering a school, entries, consent forms, captions, withdrawal."""

import io
from datetime import datetime, timedelta

from markupsafe import escape
from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.core.models.entries import Entry, School
from contest.core.notices import notify
from tests import factories
from tests.helpers import csrf_token, link_path, page_text, submit

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nStay safe online.\n"


def open_contest(app, **fields):
    today = datetime.now().replace(microsecond=0)
    phases = {
        "submissions_open_at": today - timedelta(days=1),
        "submissions_close_at": today + timedelta(days=10),
    }
    return factories.make_contest(app, phases=phases, **fields)


def entry_of(app, entry_id):
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        db.session.expunge(entry)
        return entry


def test_a_teacher_registers_a_school_and_enters_once_confirmed_and_approved(
    app, make_app, smtp_server, restore_job_queue
):
    """Registration no longer signs in at once (issue 13): the mailed link confirms the address
    and an organizer approves the school first (tests/submissions/test_registration.py)."""
    site = make_app(MAIL_URL=smtp_server.url)
    open_contest(site)
    client = site.test_client()
    data = {
        "school_name": "Carver Middle School", "district": "Lakeshore", "name": "Casey",
        "email": "Casey@Carver.example.org", "password": "long enough password",
        "confirm": "long enough password",
    }  # fmt: skip
    response = submit(client, "/school/register", data)
    assert response.status_code == 302 and response.headers["Location"] == "/school/register/sent"
    link = link_path(smtp_server.last_body(), "/auth/confirm/")
    submit(client, link, {"password": "long enough password"})
    with site.app_context():
        user = db.session.scalar(select(User).where(User.email == "casey@carver.example.org"))
        school = db.session.scalar(select(School).where(School.name == "Carver Middle School"))
        assert user.has_role("teacher", school_id=school.id)
        assert "New entry" not in page_text(client.get("/school/"))
        school.status = "approved"
        db.session.commit()
    page = page_text(client.get("/school/"))
    assert "Carver Middle School" in page and "New entry" in page
    again = submit(site.test_client(), "/school/register", {**data, "email": "x@y.org"})
    assert again.status_code == 302 and again.headers["Location"] == "/school/register/sent"
    assert "That school is registered already" in smtp_server.last_body()


def test_register_with_bad_input_keeps_what_was_typed(app, client):
    response = submit(
        client,
        "/school/register",
        {"school_name": "Dewey", "name": "Dana", "email": "not-an-email", "password": "short",
         "confirm": "other"},
    )  # fmt: skip
    page = page_text(response)
    assert response.status_code == 200
    assert "Enter a valid email address." in page and 'value="Dewey"' in page
    with app.app_context():
        assert db.session.scalar(select(School).where(School.name == "Dewey")) is None


def test_create_edit_and_see_an_entry(app, login_as, people):
    contest = open_contest(app)
    teacher = login_as("teacher_a")
    category = contest.categories[1]
    response = submit(
        teacher, "/school/entries/new",
        {"category": category.id, "title": "Credit the Creator", "description": "About copying.",
         "credit_line": "Maya, Leo and Sam"},
    )  # fmt: skip
    assert response.status_code == 302
    entry_path = response.headers["Location"]
    page = page_text(teacher.get(entry_path))
    assert (
        "Credit the Creator" in page
        and "Upload the video" in page
        and str(escape(category.name)) in page
    )
    entry_id = int(entry_path.rstrip("/").rsplit("/", 1)[1])

    edit = submit(
        teacher, f"/school/entries/{entry_id}/edit",
        {"category": category.id, "title": "Credit the Creators", "credit_line": "Maya Lopez"},
    )  # fmt: skip
    assert edit.status_code == 200 and "looks like a full name" in page_text(edit)
    assert entry_of(app, entry_id).title == "Credit the Creator"
    edit = submit(
        teacher, f"/school/entries/{entry_id}/edit",
        {"category": category.id, "title": "Credit the Creators", "credit_line": "Team Pixel"},
    )  # fmt: skip
    assert edit.status_code == 302
    assert entry_of(app, entry_id).title == "Credit the Creators"

    other = login_as("teacher_b")
    assert other.get(entry_path).status_code == 404
    assert (
        submit(other, f"/school/entries/{entry_id}/withdraw", {}, page="/school/").status_code
        == 404
    )


def test_consent_and_captions_uploads(app, login_as, people):
    contest = open_contest(app)
    entry = factories.make_entry(app, contest.categories[0], people["school_a"], title="Be Kind")
    teacher = login_as("teacher_a")
    page = f"/school/entries/{entry.id}"
    token = csrf_token(teacher, page)

    bad = teacher.post(
        f"{page}/consent",
        data={"consent-csrf_token": token, "consent-consent": (io.BytesIO(b"<html>"), "form.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "PDF or a photo" in page_text(bad)
    assert entry_of(app, entry.id).consent_asset_id is None
    good = teacher.post(
        f"{page}/consent",
        data={"consent-csrf_token": token, "consent-consent": (io.BytesIO(PDF), "signed.pdf")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    stored = entry_of(app, entry.id)
    assert stored.consent_status == "pending" and stored.consent_asset_id

    wrong_type = teacher.post(
        f"{page}/captions",
        data={"captions-csrf_token": token, "captions-captions": (io.BytesIO(VTT), "c.srt")},
        content_type="multipart/form-data",
    )
    assert wrong_type.status_code == 400 and "WebVTT" in page_text(wrong_type)
    captions = teacher.post(
        f"{page}/captions",
        data={"captions-csrf_token": token, "captions-captions": (io.BytesIO(VTT), "c.vtt")},
        content_type="multipart/form-data",
    )
    assert captions.status_code == 302
    assert entry_of(app, entry.id).captions_asset_id

    consent = teacher.get(f"/media/{stored.consent_asset_id}")
    assert consent.status_code == 200 and consent.data == PDF
    assert consent.mimetype == "application/pdf"
    consent.close()
    assert login_as("teacher_b").get(f"/media/{stored.consent_asset_id}").status_code == 404
    assert app.test_client().get(f"/media/{stored.consent_asset_id}").status_code == 404
    assert login_as("judge").get(f"/media/{stored.consent_asset_id}").status_code == 404
    seen = login_as("organizer").get(f"/media/{stored.consent_asset_id}")
    assert seen.status_code == 200
    seen.close()


def test_withdraw_from_the_entry_page(app, login_as, people):
    contest = open_contest(app)
    entry = factories.make_entry(app, contest.categories[0], people["school_a"], title="Be Kind")
    teacher = login_as("teacher_a")
    page = f"/school/entries/{entry.id}"
    token = csrf_token(teacher, page)
    unconfirmed = teacher.post(
        f"{page}/withdraw", data={"withdraw-csrf_token": token, "withdraw-reason": "Oops"}
    )
    assert unconfirmed.status_code == 400 and "Tick the box" in page_text(unconfirmed)
    assert entry_of(app, entry.id).status == "draft"
    response = teacher.post(
        f"{page}/withdraw",
        data={
            "withdraw-csrf_token": token,
            "withdraw-reason": "Consent withdrawn",
            "withdraw-confirm": "y",
        },
    )
    assert response.status_code == 302
    assert entry_of(app, entry.id).status == "withdrawn"
    after = page_text(teacher.get(page))
    assert "withdrawn" in after and "Upload the video" not in after


def test_after_the_deadline_the_page_says_why_nothing_can_change(app, login_as, people):
    past = datetime.now().replace(microsecond=0) - timedelta(days=1)
    contest = factories.make_contest(
        app,
        phases={
            "submissions_open_at": past - timedelta(days=30),
            "submissions_close_at": past,
        },
    )
    entry = factories.make_entry(app, contest.categories[0], people["school_a"], title="Late")
    teacher = login_as("teacher_a")
    page = page_text(teacher.get(f"/school/entries/{entry.id}"))
    assert "deadline" in page and "has passed" in page and "Edit details" not in page
    response = submit(
        teacher, f"/school/entries/{entry.id}/edit",
        {"category": contest.categories[0].id, "title": "Changed"},
        page=f"/school/entries/{entry.id}",
    )  # fmt: skip
    assert response.status_code == 200 and "has passed" in page_text(response)
    assert entry_of(app, entry.id).title == "Late"


def test_notices_show_on_the_dashboard_until_dismissed(app, login_as, people):
    open_contest(app)
    with app.app_context():
        notice = notify(
            db.session, "“Be Kind” is ready.", "entry.ready", school_id=people["school_a"].id
        )
        db.session.commit()
        notice_id = notice.id
    teacher = login_as("teacher_a")
    assert "“Be Kind” is ready." in page_text(teacher.get("/school/"))
    assert "“Be Kind” is ready." not in page_text(login_as("teacher_b").get("/school/"))
    response = submit(teacher, f"/school/notices/{notice_id}/read", {}, page="/school/")
    assert response.status_code == 302
    assert "“Be Kind” is ready." not in page_text(teacher.get("/school/"))
