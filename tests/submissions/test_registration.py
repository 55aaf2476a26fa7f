"""School self-registration: the address is confirmed by a mailed link (with the password), the
school waits for an organizer, and no answer tells whether an address or a school is known."""

import re
import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.auth import accounts
from contest.core import jobs
from contest.core.audit import AuditEvent
from contest.core.dbtypes import utcnow
from contest.core.errors import NotAllowed, ValidationError
from contest.core.extensions import db
from contest.core.models.accounts import RoleGrant, User
from contest.core.models.entries import Entry, School
from contest.submissions import attachments, entries
from contest.submissions import registration as schools
from tests import factories
from tests.helpers import count_statements, csrf_token, link_path, page_text, submit, tamper
from tests.uploads.helpers import create, uploads

PASSWORD = "long enough password"
CONFIRM = "/auth/confirm/"


def form(email="casey@carver.example.org", school="Carver Middle School", **fields):
    return {
        "school_name": school, "district": "Lakeshore", "name": "Casey Carver", "email": email,
        "password": PASSWORD, "confirm": PASSWORD, **fields,
    }  # fmt: skip


def registration(**fields):
    values = form(**fields)
    del values["confirm"]
    return schools.SchoolRegistration(**values)


def register(session, **fields):
    """What the registration job decides for these form values."""
    checked = schools.checked(registration(**fields))
    return schools.register_school(session, checked, accounts.hash_password(checked.password))


def open_contest(app):
    today = utcnow().replace(tzinfo=None, microsecond=0)
    return factories.make_contest(
        app,
        phases={
            "submissions_open_at": today - timedelta(days=1),
            "submissions_close_at": today + timedelta(days=10),
        },
    )


def school_named(app, name):
    with app.app_context():
        school = db.session.scalar(select(School).where(School.name == name))
        if school is not None:
            db.session.expunge(school)
        return school


def messages_to(smtp, address):
    return [message for recipients, message in smtp.messages if recipients == [address]]


@pytest.fixture
def site(app, make_app, smtp_server, restore_job_queue):
    """An app that mails through a real SMTP server (jobs run at once, after the commit)."""
    return make_app(MAIL_URL=smtp_server.url)


def register_and_confirm(site, smtp, **fields):
    """Register through the form, open the mailed link and confirm with the password; the
    signed-in client."""
    client = site.test_client()
    response = submit(client, "/school/register", form(**fields))
    assert response.status_code == 302, page_text(response)
    address = form(**fields)["email"]
    mail = messages_to(smtp, address)[-1]
    assert mail["Subject"] == "Confirm your email address for PSA Contest"
    link = link_path(mail.get_content(), CONFIRM)
    confirmed = submit(client, link, {"password": PASSWORD})
    assert confirmed.status_code == 302, page_text(confirmed)
    return client


# --- the service --------------------------------------------------------------------------------


def test_a_registration_makes_a_pending_school_and_an_unconfirmed_teacher(session):
    registered = register(session, email=" Casey@Carver.Example.org")

    assert registered.kind == schools.NEW
    assert registered.school.status == "pending"
    assert registered.user.email == "casey@carver.example.org"
    assert registered.user.email_confirmed_at is None
    assert registered.user.has_role("teacher", school_id=registered.school.id)
    assert registered.user.password_hash.startswith("scrypt:")


def test_a_known_address_or_school_makes_nothing(session):
    first = register(session)
    users, known_schools = (
        session.scalar(select(func.count(User.id))),
        session.scalar(select(func.count(School.id))),
    )

    again = register(session, school="Another School")
    same_school = register(session, email="other@carver.example.org")
    other_district = register(session, email="cy@example.org", district="South")

    assert (again.kind, again.user.id) == (schools.KNOWN_ADDRESS, first.user.id)
    assert (same_school.kind, same_school.school.id) == (schools.KNOWN_SCHOOL, first.school.id)
    assert other_district.kind == schools.NEW  # one name per district, as before
    assert session.scalar(select(func.count(User.id))) == users + 1
    assert session.scalar(select(func.count(School.id))) == known_schools + 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"school": "  "}, "Give your school's name."),
        ({"password": "short"}, "Use at least 10 characters"),
        ({"email": "patricia@example.org", "password": "patricia@example.org"}, "must not be your"),
    ],
)
def test_what_the_form_gets_wrong_is_said_before_anything_is_looked_up(session, fields, message):
    with pytest.raises(ValidationError, match=message):
        schools.checked(registration(**fields))


def test_a_pending_school_cannot_enter_anything(app, session):
    contest = open_contest(app)
    registered = register(session)
    registered.user.email_confirmed_at = utcnow()
    draft = entries.EntryDraft(category_id=contest.categories[0].id, title="Be Kind")

    with pytest.raises(NotAllowed, match="waiting for the organizers' approval"):
        entries.create_entry(session, registered.user, registered.school.id, draft)

    # Even an entry that exists (the rule is the school's, not the screen's) takes nothing.
    entry = Entry(category_id=contest.categories[0].id, school_id=registered.school.id, title="X")
    session.add(entry)
    session.flush()
    for check in (
        lambda: entries.check_can_upload_video(session, registered.user, entry, 1000),
        lambda: attachments.check_can_attach(session, registered.user, entry),
        lambda: entries.withdraw_entry(session, registered.user, entry),
    ):
        with pytest.raises(NotAllowed, match="waiting for the organizers' approval"):
            check()

    schools.approve_school(session, factories.add_user(session, roles=["admin"]), entry.school)
    entries.check_can_upload_video(session, registered.user, entry, 1000)


def pending_teacher_with_an_entry(app):
    """A confirmed teacher of a pending school that has an entry (as if one were made before the
    rule): what the upload endpoints must refuse. (email, entry)."""
    contest = open_contest(app)
    school = factories.make_school(app, status="pending")
    teacher = factories.make_user(app, roles=[("teacher", school)], email="pending@example.org")
    return teacher.email, factories.make_entry(app, contest.categories[0], school)


def test_the_tus_endpoint_refuses_a_pending_schools_upload(app):
    email, entry = pending_teacher_with_an_entry(app)
    client = app.test_client()
    factories.sign_in(client, email)

    response = create(client, entry.id, 1000)

    assert response.status_code == 403
    assert "waiting for the organizers' approval" in response.json["message"]
    assert uploads(app) == []


def test_the_s3_endpoint_refuses_a_pending_schools_upload(
    app, make_app, s3_bucket, restore_job_queue
):
    site = make_app(**s3_bucket.settings)
    email, entry = pending_teacher_with_an_entry(site)
    client = site.test_client()
    factories.sign_in(client, email)
    body = {"entry_id": entry.id, "filename": "psa.mp4", "size": 1000, "filetype": "video/mp4"}

    response = client.post(
        "/uploads/s3",
        json=body,
        headers={"X-CSRFToken": csrf_token(client, "/auth/account"), "Accept": "application/json"},
    )

    assert response.status_code == 403
    assert "waiting for the organizers' approval" in response.json["message"]
    assert s3_bucket.open_uploads() == [] and uploads(site) == []


# --- through the pages, with a real SMTP server ---------------------------------------------------


def test_a_teacher_confirms_by_mail_and_waits_for_approval(site, smtp_server):
    open_contest(site)
    client = site.test_client()

    response = submit(client, "/school/register", form(email="Casey@Carver.example.org"))

    assert (response.status_code, response.headers["Location"]) == (302, "/school/register/sent")
    assert "Check your email" in page_text(client.get(response.headers["Location"]))
    assert client.get("/auth/account").status_code == 302  # not signed in
    [(recipients, mail)] = smtp_server.messages
    assert recipients == ["casey@carver.example.org"]
    assert mail["Subject"] == "Confirm your email address for PSA Contest"
    link = link_path(mail.get_content(), CONFIRM)

    # Before confirming, the right password says what to do; a wrong one says nothing more.
    early = submit(
        client, "/auth/login", {"email": "casey@carver.example.org", "password": PASSWORD}
    )
    assert "Confirm your email address first" in page_text(early)
    assert 'href="/auth/confirm"' in page_text(early)
    wrong = submit(
        client, "/auth/login", {"email": "casey@carver.example.org", "password": "x" * 12}
    )
    assert "Wrong email address or password." in page_text(wrong)
    assert "Confirm your email" not in page_text(wrong)

    # The link alone does not confirm: the registration's password is asked for.
    assert "Enter the password you chose" in page_text(client.get(link))
    refused = submit(client, link, {"password": "not the password"})
    assert refused.status_code == 200
    assert "That is not the password you chose when registering." in page_text(refused)

    confirmed = submit(client, link, {"password": PASSWORD})

    assert (confirmed.status_code, confirmed.headers["Location"]) == (302, "/school/")
    home = page_text(client.get("/school/"))
    assert "Your email address is confirmed and you are signed in." in home
    assert "Carver Middle School is waiting for approval" in home
    assert "New entry" not in home
    blocked = client.get("/school/entries/new")
    assert (blocked.status_code, blocked.headers["Location"]) == (302, "/school/")
    assert "Your school is waiting for the organizers" in page_text(client.get("/school/"))
    used = client.get(link)
    assert used.status_code == 400
    assert "This address is already confirmed. Sign in instead." in page_text(used)


def test_a_confirmation_link_expires_and_forgeries_are_refused(app, make_app, session):
    registered = register(session)
    session.commit()
    secret, max_age = app.config["SECRET_KEY"], app.config["CONFIRMATION_MAX_AGE_SECONDS"]
    email = registered.user.email
    old = factories.signed_token(
        secret, "confirmation", {"email": email}, now=utcnow() - timedelta(seconds=max_age + 1)
    )
    good = factories.signed_token(secret, "confirmation", {"email": email})
    other_key = "another-secret-key-that-is-long-enough-98765"
    forged = {
        "tampered": tamper(good),
        "other key": factories.signed_token(other_key, "confirmation", {"email": email}),
        "reset token": factories.signed_token(secret, "reset", {"id": registered.user.id}),
        "unknown address": factories.signed_token(
            secret, "confirmation", {"email": "thief@example.org"}
        ),
        "not a dict": factories.signed_token(secret, "confirmation", [email]),
        "not a string": factories.signed_token(secret, "confirmation", {"email": [email]}),
    }
    client = app.test_client()

    expired = client.get(f"{CONFIRM}{old}")
    assert expired.status_code == 400
    assert "This link has expired. Ask for a new one." in page_text(expired)
    for name, token in forged.items():
        response = client.get(f"{CONFIRM}{token}")
        assert response.status_code == 400, name
        assert "This link is not valid." in page_text(response), name
    assert client.get(f"{CONFIRM}{good}").status_code == 200


def test_a_new_link_is_sent_to_a_waiting_address_only_with_one_answer(site, smtp_server):
    client = site.test_client()
    submit(client, "/school/register", form())
    factories.make_user(site, email="known@example.org")
    answers = {}

    notice = "If an account with that address is waiting for confirmation, we have sent it a"
    for email in ("casey@carver.example.org", "known@example.org", "nobody@example.org"):
        asker = site.test_client()
        response = submit(asker, "/auth/confirm", {"email": email})
        answers[email] = (response.status_code, response.headers["Location"])
        assert notice in page_text(asker.get("/auth/login"))

    assert set(answers.values()) == {(302, "/auth/login")}
    assert [recipients for recipients, _ in smtp_server.messages] == [
        ["casey@carver.example.org"],
        ["casey@carver.example.org"],
    ]
    newest = link_path(smtp_server.last_body(), CONFIRM)
    assert submit(client, newest, {"password": PASSWORD}).status_code == 302


def test_a_password_reset_confirms_a_waiting_address(site, smtp_server):
    client = site.test_client()
    submit(client, "/school/register", form())
    submit(client, "/auth/forgot", {"email": "casey@carver.example.org"})
    link = link_path(smtp_server.last_body(), "/auth/reset/")

    reset = submit(client, link, {"password": "a new pass phrase", "confirm": "a new pass phrase"})

    assert (reset.status_code, reset.headers["Location"]) == (302, "/school/")
    user = factories.fetch_user(site, "casey@carver.example.org")
    assert user.email_confirmed_at is not None


def test_someone_elses_registration_of_my_address_cannot_be_confirmed_without_its_password(
    site, smtp_server
):
    """A registrant who typed another person's address can't get that person to confirm an
    account whose password the registrant knows: confirming needs the password too."""
    submit(site.test_client(), "/school/register", form(email="victim@example.org"))
    link = link_path(smtp_server.last_body(), CONFIRM)
    victim = site.test_client()

    response = submit(victim, link, {"password": "my own password here"})

    assert response.status_code == 200
    assert factories.fetch_user(site, "victim@example.org").email_confirmed_at is None


def test_mailed_links_name_the_sites_own_host_whatever_the_request_said(site, smtp_server):
    """A forged Host header must not put its own host into a link a job mails later (the
    password-reset poisoning attack): SERVER_NAME wins."""
    factories.make_user(site, email="known@example.org")
    client = site.test_client()
    forged = "http://evil.example"

    for path, fields in (
        ("/auth/forgot", {"email": "known@example.org"}),
        ("/school/register", form()),
    ):
        token = csrf_token(client, f"{forged}{path}")
        response = client.post(f"{forged}{path}", data={**fields, "csrf_token": token})
        assert response.status_code == 302

    bodies = [message.get_content() for _, message in smtp_server.messages]
    assert len(bodies) == 2
    assert "http://localhost/auth/reset/" in bodies[0]
    assert "http://localhost/auth/confirm/" in bodies[1]
    assert not any("evil.example" in body for body in bodies)


# --- the organizers' decision --------------------------------------------------------------------


def test_an_organizer_approves_a_pending_school_and_the_teacher_is_told(site, smtp_server):
    open_contest(site)
    teacher = register_and_confirm(site, smtp_server)
    factories.make_user(site, roles=["admin"], email="olive@example.org")
    organizer = site.test_client()
    factories.sign_in(organizer, "olive@example.org")
    school = school_named(site, "Carver Middle School")

    dashboard = page_text(organizer.get("/admin/"))
    assert "Schools waiting for approval" in dashboard
    assert "Carver Middle School" in dashboard and "casey@carver.example.org" in dashboard
    response = submit(organizer, f"/admin/schools/{school.id}/approve", {}, page="/admin/")

    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")
    assert "Carver Middle School is approved" in page_text(organizer.get("/admin/"))
    assert school_named(site, "Carver Middle School").status == "approved"
    mail = messages_to(smtp_server, "casey@carver.example.org")[-1]
    assert mail["Subject"] == "Carver Middle School is approved for the PSA Contest"
    with site.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "school.approved"))
        assert (event.subject_id, event.actor_id) == (school.id, factories.fetch_user(
            site, "olive@example.org").id)  # fmt: skip
    home = page_text(teacher.get("/school/"))
    assert "waiting for approval" not in home and "New entry" in home
    assert teacher.get("/school/entries/new").status_code == 200
    again = submit(organizer, f"/admin/schools/{school.id}/approve", {}, page="/admin/")
    assert again.status_code == 302
    assert "Carver Middle School is not waiting for approval." in page_text(
        organizer.get("/admin/")
    )


def test_a_rejected_school_goes_with_its_new_account_and_the_teacher_is_told(site, smtp_server):
    register_and_confirm(site, smtp_server)
    factories.make_user(site, roles=["admin"], email="olive@example.org")
    organizer = site.test_client()
    factories.sign_in(organizer, "olive@example.org")
    school = school_named(site, "Carver Middle School")

    response = submit(
        organizer, f"/admin/schools/{school.id}/reject", {"reason": "Not a school."},
        page="/admin/",
    )  # fmt: skip

    assert response.status_code == 302
    assert school_named(site, "Carver Middle School") is None
    assert factories.fetch_user(site, "casey@carver.example.org") is None
    mail = messages_to(smtp_server, "casey@carver.example.org")[-1]
    assert mail["Subject"] == "Carver Middle School was not approved for the PSA Contest"
    assert "Not a school." in mail.get_content()
    with site.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "school.rejected"))
        assert event.data["reason"] == "Not a school."
        assert event.data["teachers"] == ["casey@carver.example.org"]
        assert db.session.scalar(select(func.count(RoleGrant.id))) == 1  # the organizer's
    # The name and the address are free again.
    register_and_confirm(site, smtp_server)


def test_only_organizers_decide_and_only_on_pending_schools(app, login_as, people):
    pending = factories.make_school(app, name="Pending School", status="pending")
    teacher = login_as("teacher_a")
    organizer = login_as("organizer")
    token = csrf_token(teacher, "/auth/account")

    assert (
        teacher.post(f"/admin/schools/{pending.id}/approve", data={"csrf_token": token}).status_code
        == 403
    )
    assert organizer.post(f"/admin/schools/{pending.id}/approve").status_code == 400  # no token
    assert school_named(app, "Pending School").status == "pending"
    rejected = submit(
        organizer, f"/admin/schools/{people['school_a'].id}/reject", {}, page="/admin/"
    )
    assert rejected.status_code == 302
    assert school_named(app, "School A") is not None  # an approved school is never removed here
    assert submit(organizer, "/admin/schools/999999/approve", {}, page="/admin/").status_code == 404


# --- the same answer, whatever is known -----------------------------------------------------------

_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+|(content=")[^"]{40,}(")')


def without_csrf(body):
    return _CSRF_VALUE.sub(lambda match: match.group(1) or match.group(2), body)


@pytest.fixture
def queued_site(app, make_app, smtp_server, restore_job_queue):
    """An app whose jobs go to a real SQLite queue (in its own instance folder, also in the scale
    run) that nothing consumes during the requests."""
    return make_app(MAIL_URL=smtp_server.url, JOBS_IMMEDIATE=False, REDIS_URL=None)


def run_queued_jobs():
    """Run what the requests queued, and what those jobs queue in turn (as a worker would)."""
    while (task := jobs.huey.dequeue()) is not None:
        jobs.huey.execute(task)


def answers_to(site, url, kinds, then, rounds=15, most=60):
    """POST each kind's form values (kinds: name -> function of the round number), interleaved
    in turning order so a busy moment of the machine hits every kind alike, `rounds` at a time
    until the median response times of the kinds are within 20 ms of each other or `most` rounds
    are done: a real difference stays however long one measures, the noise of a busy machine
    (scrypt's time varies most) shrinks. Returns the times by kind, and the set of (status,
    location, SQL run, body, body of the page at `then`) seen, CSRF tokens removed."""
    with site.app_context():
        engine = db.engine
    times, seen = {}, set()
    names = list(kinds)
    for number in range(most):
        shift = number % len(names)  # each kind takes each place in the round in turn
        for kind in names[shift:] + names[:shift]:
            fields = kinds[kind]
            client = site.test_client()
            data = {**fields(number), "csrf_token": csrf_token(client, url)}
            with count_statements(engine) as statements:
                started = time.perf_counter()
                response = client.post(url, data=data)
                times.setdefault(kind, []).append(time.perf_counter() - started)
            seen.add((
                response.status_code, response.headers.get("Location"), tuple(statements),
                without_csrf(page_text(response)), without_csrf(page_text(client.get(then))),
            ))  # fmt: skip
        if (number + 1) % rounds == 0 and spread_of(times) < 0.020:
            break
    return times, seen


def spread_of(times):
    medians = [statistics.median(values) for values in times.values()]
    return max(medians) - min(medians)


def assert_alike(times, what):
    """The median response times of every kind within 20 ms of each other."""
    medians = {kind: f"{statistics.median(values) * 1000:.1f} ms" for kind, values in times.items()}
    spread = spread_of(times)
    rounds = len(next(iter(times.values())))
    print(f"{what}: {rounds} rounds, medians {medians}, spread {spread * 1000:.1f} ms")
    assert spread < 0.020, f"{what}: median response times differ by {spread * 1000:.1f} ms"


def test_registration_answers_alike_for_known_and_unknown_addresses_and_schools(
    queued_site, smtp_server
):
    factories.make_user(queued_site, email="known@example.org")
    factories.make_school(queued_site, name="Known School", district="Lakeshore")
    kinds = {
        "unknown": lambda n: form(email=f"new{n}@example.org", school=f"New School {n}"),
        "known address": lambda n: form(email="known@example.org", school=f"Other School {n}"),
        "known school": lambda n: form(email=f"teacher{n}@example.org", school="Known School"),
    }

    times, seen = answers_to(queued_site, "/school/register", kinds, "/school/register/sent")
    rounds = len(times["unknown"])

    # One answer, made by the same SQL (none: the queued job looks things up), for everyone.
    [(status, location, statements, _, page)] = seen
    assert (status, location, statements) == (302, "/school/register/sent", ())
    assert "Check your email" in page
    assert_alike(times, "registration")
    # Nothing was mailed while answering: each request queued its decision for later.
    assert smtp_server.messages == []
    assert jobs.huey.pending_count() == len(kinds) * rounds
    run_queued_jobs()
    subjects = [message["Subject"] for _, message in smtp_server.messages]
    assert subjects.count("Confirm your email address for PSA Contest") == rounds
    # Attempts on a known address or school mail within bounds, however many there are: the
    # owner of known@ hears once an hour, those naming Known School three times.
    assert messages_to(smtp_server, "known@example.org")[0]["Subject"] == (
        "Someone tried to register with your PSA Contest address"
    )
    assert len(messages_to(smtp_server, "known@example.org")) == 1
    assert subjects.count("Your school is registered already") == 3
    with queued_site.app_context():
        refused = select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "school.registration_refused"
        )
        assert db.session.scalar(refused) == 2 * rounds  # every attempt is in the audit trail
    with queued_site.app_context():
        made = db.session.scalars(select(School.name).where(School.status == "pending")).all()
        assert sorted(made) == sorted(f"New School {n}" for n in range(rounds))


def test_a_password_reset_answers_alike_for_known_and_unknown_addresses(queued_site, smtp_server):
    factories.make_user(queued_site, email="known@example.org")
    kinds = {
        "unknown": lambda n: {"email": f"nobody{n}@example.org"},
        "known": lambda n: {"email": "known@example.org"},
    }

    times, seen = answers_to(queued_site, "/auth/forgot", kinds, "/auth/login")
    rounds = len(times["known"])

    [(status, location, statements, _, page)] = seen
    assert (status, location, statements) == (302, "/auth/login", ())
    assert "If an account uses that address, we have sent it a link" in page
    assert_alike(times, "password reset")
    assert smtp_server.messages == []
    run_queued_jobs()
    assert [recipients for recipients, _ in smtp_server.messages] == [
        ["known@example.org"]
    ] * rounds
    link = link_path(smtp_server.last_body(), "/auth/reset/")
    assert link.startswith("/auth/reset/")
