"""The public "report this video" form and the organizers' takedown queue, through HTTP."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.core.audit import AuditEvent
from contest.core.dbtypes import utcnow
from contest.core.extensions import db, limiter
from contest.core.models.entries import Entry
from contest.core.models.takedowns import TakedownReport
from contest.core.notices import Notice
from contest.web.caching import contest_version
from tests import factories
from tests.helpers import csrf_token, outbox_messages, page_text, submit


def public_entry(app, school, title="Stay Safe Online", **fields):
    """A ready, consented entry of `school` in a contest whose vote is open: public."""
    contest, _ = factories.make_voting_contest(app, entries_per_category=0)
    fields = {"status": "ready", "consent_status": "approved", **fields}
    entry = factories.make_entry(app, contest.categories[0], school, title=title, **fields)
    return contest, entry


def report(client, entry_id, environ=None, **fields):
    data = {"reason": "privacy", "details": "", "contact_email": "", **fields}
    return submit(client, f"/report/{entry_id}", data, environ_base=environ or {})


def reports_of(app, entry_id):
    with app.app_context():
        return db.session.scalars(
            select(TakedownReport).where(TakedownReport.entry_id == entry_id)
        ).all()


def events(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def entry_row(app, entry_id):
    with app.app_context():
        return db.session.get(Entry, entry_id)


def test_the_public_reports_a_video_and_the_organizers_are_mailed(app, people):
    _, entry = public_entry(app, people["school_a"])
    client = app.test_client()
    form = client.get(f"/report/{entry.id}")
    assert form.status_code == 200
    assert "Report “Stay Safe Online”" in page_text(form)

    response = report(
        client, entry.id, reason="consent", details="I did not agree to be filmed.",
        contact_email="Parent@Example.org",
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == "/report/sent"
    assert "your report is sent" in page_text(client.get("/report/sent"))

    [saved] = reports_of(app, entry.id)
    assert (saved.reason, saved.details, saved.contact_email) == (
        "consent", "I did not agree to be filmed.", "parent@example.org",
    )  # fmt: skip
    assert saved.resolved_at is None
    mail = [m for m in outbox_messages(app) if m["To"] == people["organizer"].email]
    assert len(mail) == 1
    assert mail[0]["Subject"] == "Video reported: Stay Safe Online"
    body = mail[0].get_content()
    assert "I did not agree to be filmed." in body and "/admin/takedown/" in body
    # The reporter's address goes to no one but the organizers' queue.
    assert all("Parent@" not in m.get_content() for m in outbox_messages(app))


def test_the_organizers_hear_of_reports_over_real_smtp(make_app, app, people, smtp_server):
    smtp_app = make_app(MAIL_URL=smtp_server.url)
    _, entry = public_entry(smtp_app, people["school_a"])
    assert report(smtp_app.test_client(), entry.id).status_code == 302
    [(recipients, message)] = smtp_server.messages
    assert recipients == [people["organizer"].email]
    assert message["Subject"] == "Video reported: Stay Safe Online"


@pytest.mark.parametrize(
    "fields, field_error",
    [
        ({"reason": ""}, "Choose why the video should come down."),
        ({"reason": "boring"}, "Not a valid choice"),
        ({"details": "x" * 2001}, "Keep it to 2000 characters."),
        ({"contact_email": "not an address"}, "That is not an email address."),
        ({"contact_email": "a@" + "b" * 250 + ".org"}, "That email address is too long."),
    ],
)
def test_a_bad_report_is_refused_with_a_clear_message(app, people, fields, field_error):
    _, entry = public_entry(app, people["school_a"])
    client = app.test_client()
    response = report(client, entry.id, **{"details": "Keep me", **fields})
    assert response.status_code == 400
    text = page_text(response)
    assert field_error in text
    if "details" not in fields:
        assert "Keep me" in text  # nothing typed is lost
    assert reports_of(app, entry.id) == []
    assert not outbox_messages(app)


def test_a_report_without_the_csrf_token_is_refused(app, people):
    _, entry = public_entry(app, people["school_a"])
    client = app.test_client()
    response = client.post(f"/report/{entry.id}", data={"reason": "privacy"})
    assert response.status_code == 400
    assert reports_of(app, entry.id) == []


def test_only_what_the_public_can_see_may_be_reported(app, people):
    school = people["school_a"]
    _, visible = public_entry(app, school, title="Visible")
    _, hidden = public_entry(
        app, school, title="Hidden", hidden_at=utcnow(), hidden_reason="A takedown."
    )
    draft_contest = factories.make_contest(app)
    draft = factories.make_entry(
        app, draft_contest.categories[0], school, status="ready", consent_status="approved"
    )
    _, unconsented = public_entry(app, school, consent_status="pending")
    client = app.test_client()
    token = csrf_token(client, f"/report/{visible.id}")
    for entry_id in (hidden.id, draft.id, unconsented.id, visible.id + 100000):
        assert client.get(f"/report/{entry_id}").status_code == 404
        response = client.post(
            f"/report/{entry_id}", data={"reason": "privacy", "csrf_token": token}
        )
        assert response.status_code == 404
        assert reports_of(app, entry_id) == []


def test_reports_are_rate_limited_per_address(make_app, app, people):
    limited = make_app(TAKEDOWN_REPORTS_PER_IP="2 per hour")
    limiter.reset()
    _, entry = public_entry(limited, people["school_a"])
    client = limited.test_client()
    # Refused reports don't count: someone fixing a typo is not throttled.
    assert report(client, entry.id, reason="").status_code == 400
    assert report(client, entry.id).status_code == 302
    assert report(client, entry.id).status_code == 302
    refused = report(client, entry.id)
    assert refused.status_code == 429
    assert "Too many attempts" in page_text(refused)
    assert len(reports_of(limited, entry.id)) == 2
    # Per address: someone else is not throttled for it.
    assert report(client, entry.id, environ={"REMOTE_ADDR": "198.51.100.2"}).status_code == 302


def test_hiding_from_the_queue_resolves_reports_and_tells_the_school(app, login_as, people):
    contest, entry = public_entry(app, people["school_a"])
    report(app.test_client(), entry.id, contact_email="parent@example.org")
    report(app.test_client(), entry.id, reason="bullying", details="Mocks a classmate.")
    organizer = login_as("organizer")
    queue = page_text(organizer.get("/admin/takedown/"))
    assert "Stay Safe Online" in queue and "Mocks a classmate." in queue
    assert "parent@example.org" in queue
    version = contest_version_of(app, contest)

    url = f"/admin/takedown/entries/{entry.id}/hide"
    response = submit(
        organizer, url, {f"hide-{entry.id}-reason": "A parent withdrew consent."},
        page="/admin/takedown/",
    )  # fmt: skip
    assert response.status_code == 302
    row = entry_row(app, entry.id)
    assert row.hidden_at is not None and row.hidden_reason == "A parent withdrew consent."
    assert row.status == "ready"  # un-hiding restores it as it was
    reports = reports_of(app, entry.id)
    assert {(r.outcome, r.contact_email, r.note) for r in reports} == {
        ("hidden", "", "A parent withdrew consent.")
    }
    assert all(r.resolved_by_id == people["organizer"].id for r in reports)
    [event] = events(app, "entry.hidden")
    assert event.actor_id == people["organizer"].id and event.subject_id == entry.id
    assert event.data["reason"] == "A parent withdrew consent."
    assert sorted(event.data["report_ids"]) == sorted(r.id for r in reports)
    with app.app_context():
        [notice] = db.session.scalars(select(Notice).where(Notice.kind == "entry.hidden")).all()
    assert notice.school_id == people["school_a"].id
    assert "A parent withdrew consent." in notice.message
    mail = {m["To"]: m for m in outbox_messages(app)}
    assert mail[people["teacher_a"].email]["Subject"] == "Video hidden: Stay Safe Online"
    assert people["teacher_b"].email not in mail
    # The reporter hears the outcome, never the reason, and their address is then forgotten.
    assert "took the video down" in mail["parent@example.org"].get_content()
    assert contest_version_of(app, contest) > version
    assert app.test_client().get(f"/report/{entry.id}").status_code == 404
    assert "No open reports." in page_text(organizer.get("/admin/takedown/"))


def contest_version_of(app, contest):
    with app.app_context():
        return contest_version(contest.id)


def test_hiding_needs_a_reason_and_loses_nothing(app, login_as, people):
    _, entry = public_entry(app, people["school_a"])
    organizer = login_as("organizer")
    url = f"/admin/takedown/entries/{entry.id}/hide"
    page = f"/admin/takedown/entries/{entry.id}"
    response = submit(organizer, url, {f"hide-{entry.id}-reason": "  "}, page=page)
    assert response.status_code == 400
    assert "Give the reason: the school will read it." in page_text(response)
    assert entry_row(app, entry.id).hidden_at is None
    too_long = submit(organizer, url, {f"hide-{entry.id}-reason": "x" * 1001}, page=page)
    assert too_long.status_code == 400
    assert "Keep it to 1000 characters." in page_text(too_long)
    assert events(app, "entry.hidden") == []


def test_an_organizer_hides_an_entry_nobody_reported(app, login_as, people):
    contest, entry = public_entry(app, people["school_a"], video_asset_id=None)
    with app.app_context():
        asset = factories.store_asset(b"video", "video/mp4")
        db.session.get(Entry, entry.id).video_asset_id = asset.id
        db.session.commit()
    organizer = login_as("organizer")
    review = page_text(organizer.get(f"/admin/review/entries/{entry.id}"))
    assert f"/admin/takedown/entries/{entry.id}" in review
    data = {"hideany-entry": str(entry.id), "hideany-reason": "Shows a home address."}
    assert submit(organizer, "/admin/takedown/", data).status_code == 302
    assert entry_row(app, entry.id).hidden_reason == "Shows a home address."
    # Hidden already: no longer offered, and a second hide is refused.
    again = submit(organizer, "/admin/takedown/", data)
    assert again.status_code == 400
    assert "Not a valid choice" in page_text(again)
    refused = submit(
        organizer, f"/admin/takedown/entries/{entry.id}/hide",
        {f"hide-{entry.id}-reason": "Again."}, page="/admin/takedown/",
    )  # fmt: skip
    assert refused.status_code == 400
    assert len(events(app, "entry.hidden")) == 1


def test_unhiding_is_audited_and_tells_the_school(app, login_as, people):
    contest, entry = public_entry(
        app, people["school_a"], hidden_at=utcnow() - timedelta(hours=1), hidden_reason="Check."
    )
    organizer = login_as("organizer")
    page = f"/admin/takedown/entries/{entry.id}"
    assert "Hidden from the public since" in page_text(organizer.get(page))
    url = f"/admin/takedown/entries/{entry.id}/unhide"
    refused = submit(organizer, url, {f"unhide-{entry.id}-reason": ""}, page=page)
    assert refused.status_code == 400
    assert entry_row(app, entry.id).hidden_at is not None
    version = contest_version_of(app, contest)
    response = submit(
        organizer, url, {f"unhide-{entry.id}-reason": "Consent confirmed."}, page=page
    )
    assert response.status_code == 302
    row = entry_row(app, entry.id)
    assert (row.hidden_at, row.hidden_reason) == (None, None)
    [event] = events(app, "entry.unhidden")
    assert event.data == {"reason": "Consent confirmed."}
    mail = {m["To"]: m for m in outbox_messages(app)}
    assert "Consent confirmed." in mail[people["teacher_a"].email].get_content()
    assert contest_version_of(app, contest) > version
    assert app.test_client().get(f"/report/{entry.id}").status_code == 200
    history = page_text(organizer.get(f"/admin/review/entries/{entry.id}"))
    assert "entry.unhidden (Consent confirmed.)" in history


def test_dismissing_a_report_keeps_the_video_up(app, login_as, people):
    _, entry = public_entry(app, people["school_a"])
    report(app.test_client(), entry.id, contact_email="viewer@example.org")
    [open_report] = reports_of(app, entry.id)
    organizer = login_as("organizer")
    url = f"/admin/takedown/reports/{open_report.id}/dismiss"
    field = f"dismiss-{open_report.id}-note"
    refused = submit(organizer, url, {field: ""}, page="/admin/takedown/")
    assert refused.status_code == 400
    assert "Say why the video stays up." in page_text(refused)
    assert reports_of(app, entry.id)[0].resolved_at is None

    response = submit(
        organizer, url, {field: "Public footage, consent on file."}, page="/admin/takedown/"
    )
    assert response.status_code == 302
    [done] = reports_of(app, entry.id)
    assert (done.outcome, done.note, done.contact_email) == (
        "dismissed", "Public footage, consent on file.", "",
    )  # fmt: skip
    assert entry_row(app, entry.id).hidden_at is None
    [event] = events(app, "takedown.dismissed")
    assert event.actor_id == people["organizer"].id
    assert event.data["note"] == "Public footage, consent on file."
    mail = {m["To"]: m for m in outbox_messages(app)}
    assert "decided the video stays up" in mail["viewer@example.org"].get_content()
    assert people["teacher_a"].email not in mail  # nothing changed for the school
    again = submit(organizer, url, {field: "Twice."}, page=f"/admin/takedown/entries/{entry.id}")
    assert again.status_code == 400
    assert "already been dealt with" in page_text(again)
