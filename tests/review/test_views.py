"""The organizers' review screens: the consent queue, decisions and extensions."""

import io
from datetime import datetime, timedelta

from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.entries import Entry, SchoolExtension
from tests import factories
from tests.helpers import csrf_token, outbox_messages, page_text, submit

PDF = b"%PDF-1.7\n%%EOF\n"


def contest_with_pending_consent(app, login_as, people):
    today = datetime.now().replace(microsecond=0)
    contest = factories.make_contest(
        app,
        phases={
            "submissions_open_at": today - timedelta(days=1),
            "submissions_close_at": today + timedelta(days=5),
        },
    )
    entry = factories.make_entry(app, contest.categories[0], people["school_a"], title="Be Kind")
    teacher = login_as("teacher_a")
    token = csrf_token(teacher, f"/school/entries/{entry.id}")
    response = teacher.post(
        f"/school/entries/{entry.id}/consent",
        data={"consent-csrf_token": token, "consent-consent": (io.BytesIO(PDF), "form.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    return contest, entry


def status_of(app, entry_id):
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        return entry.status, entry.consent_status, entry.consent_reason, entry.status_reason


def test_the_queue_lists_pending_consent_and_approval_tells_the_school(app, login_as, people):
    _, entry = contest_with_pending_consent(app, login_as, people)
    organizer = login_as("organizer")
    queue = page_text(organizer.get("/admin/review/"))
    assert "Be Kind" in queue and "School A" in queue
    page = f"/admin/review/entries/{entry.id}"
    assert "open the form" in page_text(organizer.get(page))
    response = submit(organizer, f"{page}/approve", {}, page=page)
    assert response.status_code == 302
    assert status_of(app, entry.id)[1] == "approved"
    assert "Be Kind" not in page_text(organizer.get("/admin/review/"))
    assert any("approved" in m["Subject"].lower() for m in outbox_messages(app))
    assert "approved the consent form" in page_text(login_as("teacher_a").get("/school/"))


def test_sending_back_needs_a_reason(app, login_as, people):
    _, entry = contest_with_pending_consent(app, login_as, people)
    organizer = login_as("organizer")
    page = f"/admin/review/entries/{entry.id}"
    refused = submit(organizer, f"{page}/return", {"return-reason": ""}, page=page)
    assert refused.status_code == 400 and "Give the reason" in page_text(refused)
    assert status_of(app, entry.id)[1] == "pending"
    response = submit(organizer, f"{page}/return", {"return-reason": "Unsigned."}, page=page)
    assert response.status_code == 302
    assert status_of(app, entry.id)[1:3] == ("returned", "Unsigned.")
    assert "Unsigned." in page_text(login_as("teacher_a").get(f"/school/entries/{entry.id}"))


def test_disqualify_is_audited_and_shown_in_the_history(app, login_as, people):
    _, entry = contest_with_pending_consent(app, login_as, people)
    organizer = login_as("organizer")
    page = f"/admin/review/entries/{entry.id}"
    response = submit(
        organizer, f"{page}/disqualify", {"disqualify-reason": "Over 2 minutes."}, page=page
    )
    assert response.status_code == 302
    assert status_of(app, entry.id)[0] == "disqualified"
    history = page_text(organizer.get(page))
    assert "entry.disqualified" in history and "Over 2 minutes." in history


def test_grant_an_extension_in_the_contests_time_zone(app, login_as, people):
    contest, _ = contest_with_pending_consent(app, login_as, people)
    organizer = login_as("organizer")
    until = (datetime.now() + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")
    early = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = submit(
        organizer, "/admin/review/extensions",
        {"school": people["school_a"].id, "until": early, "reason": "Flood"},
    )  # fmt: skip
    assert refused.status_code == 200 and "must end after the contest" in page_text(refused)
    response = submit(
        organizer, "/admin/review/extensions",
        {"school": people["school_a"].id, "until": until, "reason": "Flood"},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        extension = db.session.scalar(select(SchoolExtension))
        assert extension.school_id == people["school_a"].id and extension.reason == "Flood"
        assert extension.until.strftime("%Y-%m-%dT%H:%M") == until  # the contest's zone is UTC
    assert "School A" in page_text(organizer.get("/admin/review/extensions"))
