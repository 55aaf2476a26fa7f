"""Free text that pages show back is escaped: a script saved through a form is stored as typed
and shown as text on every page that displays it, never as markup."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry, School
from contest.core.models.judging import Criterion, ScoreSheet
from contest.core.models.takedowns import TakedownReport
from tests import factories
from tests.factories import PASSWORD, contest_form
from tests.helpers import csrf_token, link_path, outbox_messages, page_text, submit

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;"


def assert_escaped(client, url, times=1):
    """The page at `url` shows the payload, escaped, at least `times` times, and never raw."""
    response = client.get(url)
    text = page_text(response)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    assert text.count(ESCAPED) >= times, f"{url} does not show the escaped payload"
    for raw in ("<script>alert", "<img src=x", "onerror=alert(1)>", "\"'>"):
        assert raw not in text, f"{url} shows {raw!r} unescaped"


def saved(app, model, row_id, *columns):
    with app.app_context():
        row = db.session.get(model, row_id)
        return tuple(getattr(row, column) for column in columns)


def test_entry_title_and_description(app, login_as, world):
    teacher = login_as("teacher_a")
    entry_id = world.values["entry_id"]
    response = submit(
        teacher,
        f"/school/entries/{entry_id}/edit",
        {"category": str(world.values["category_id"]), "title": PAYLOAD, "description": PAYLOAD},
    )
    assert response.status_code == 302, page_text(response)
    assert saved(app, Entry, entry_id, "title", "description") == (PAYLOAD, PAYLOAD)
    assert_escaped(teacher, f"/school/entries/{entry_id}", times=2)
    assert_escaped(teacher, f"/school/entries/{entry_id}/edit", times=2)
    assert_escaped(teacher, "/school/")
    organizer = login_as("organizer")
    assert_escaped(organizer, f"/admin/review/entries/{entry_id}")
    assert_escaped(organizer, f"/admin/takedown/entries/{entry_id}")


def test_withdrawal_reason_and_the_flash_naming_the_entry(app, login_as, world):
    teacher = login_as("teacher_a")
    entry_id = world.values["entry_id"]
    edit = submit(
        teacher,
        f"/school/entries/{entry_id}/edit",
        {"category": str(world.values["category_id"]), "title": PAYLOAD},
    )
    assert edit.status_code == 302
    token = csrf_token(teacher, f"/school/entries/{entry_id}")
    response = teacher.post(
        f"/school/entries/{entry_id}/withdraw",
        data={"withdraw-csrf_token": token, "withdraw-reason": PAYLOAD, "withdraw-confirm": "y"},
    )
    assert response.status_code == 302, page_text(response)
    assert saved(app, Entry, entry_id, "status", "status_reason") == ("withdrawn", PAYLOAD)
    # The flash ("“<title>” is withdrawn.") and the status line both show text.
    assert_escaped(teacher, f"/school/entries/{entry_id}", times=3)


def test_school_name_and_district(app, world):
    client = app.test_client()
    response = submit(
        client,
        "/school/register",
        {"school_name": PAYLOAD, "district": PAYLOAD, "name": PAYLOAD,
         "email": "xss@school.example.org", "password": PASSWORD, "confirm": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        school = db.session.scalar(select(School).where(School.name == PAYLOAD))
        assert school is not None and school.district_name == " ".join(PAYLOAD.split())
    # The teacher confirms the address through the mailed link; the school waits for approval.
    link = link_path(outbox_messages(app)[-1].get_content(), "/auth/confirm/")
    assert submit(client, link, {"password": PASSWORD}).status_code == 302
    assert_escaped(client, "/school/", times=2)
    organizer = app.test_client()
    factories.sign_in(organizer, world.people["organizer"].email)
    assert_escaped(organizer, "/admin/", times=3)  # the schools waiting for approval
    assert_escaped(organizer, "/admin/people")
    assert_escaped(organizer, "/admin/review/extensions")


def test_contest_name_and_category_names(app, login_as, world):
    organizer = login_as("organizer")
    response = submit(
        organizer,
        "/admin/contests/new",
        contest_form(
            name=PAYLOAD,
            categories=f"Cyberbullying\r\n{PAYLOAD}",
            description=PAYLOAD,
            # Open for entries now, so the teacher's entry form (which lists the categories) shows.
            submissions_open_at=f"{datetime.now() - timedelta(days=1):%Y-%m-%dT%H:%M}",
            submissions_close_at=f"{datetime.now() + timedelta(days=30):%Y-%m-%dT%H:%M}",
        ),  # fmt: skip
    )
    assert response.status_code == 302, page_text(response)
    show = urlsplit(response.headers["Location"]).path
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.name == PAYLOAD))
        names = [category.name for category in contest.categories]
        assert names == ["Cyberbullying", PAYLOAD] and contest.description == PAYLOAD
        contest_id = contest.id
    assert_escaped(organizer, show, times=3)
    assert_escaped(organizer, "/admin/contests/")
    assert_escaped(organizer, f"/admin/contests/{contest_id}/edit", times=2)
    # The newest contest is the public home page's and the school's.
    assert_escaped(app.test_client(), "/")
    assert_escaped(login_as("teacher_a"), "/school/entries/new")
    with app.app_context():
        assert db.session.scalar(select(Category).where(Category.name == PAYLOAD)) is not None


def test_rubric_criterion_name_and_guidance(app, login_as, world):
    organizer = login_as("organizer")
    contest_id = world.values["contest_id"]
    response = submit(
        organizer,
        f"/judging/rubrics/{contest_id}/edit",
        {"criteria-0-name": PAYLOAD, "criteria-0-guidance": PAYLOAD, "criteria-0-weight": "1",
         "criteria-0-min_points": "1", "criteria-0-max_points": "5",
         "criteria-0-descriptors": "", "criteria-0-order": "1"},
    )  # fmt: skip
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        assert db.session.scalar(select(Criterion).where(Criterion.name == PAYLOAD)) is not None
    assert_escaped(organizer, f"/judging/rubrics/{contest_id}", times=2)
    assert_escaped(organizer, f"/judging/rubrics/{contest_id}/edit", times=2)
    judge = login_as("judge")
    assert_escaped(judge, f"/judging/sheets/{world.values['assignment_id']}", times=2)


def test_judge_comment_and_feedback(app, login_as, world):
    judge = login_as("judge")
    url = f"/judging/sheets/{world.values['assignment_id']}"
    response = submit(judge, url, {"comment": PAYLOAD, "feedback": PAYLOAD})
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        sheet = db.session.scalar(
            select(ScoreSheet).where(ScoreSheet.assignment_id == world.values["assignment_id"])
        )
        assert (sheet.comment, sheet.feedback) == (PAYLOAD, PAYLOAD)
    assert_escaped(judge, url, times=2)
    organizer = login_as("organizer")
    assert_escaped(organizer, f"/judging/manage/entries/{world.values['other_entry_id']}")


@pytest.fixture
def public_entry(app, world):
    """An entry of School A the public may see (its contest's vote is open), with a title."""
    contest, _ = factories.make_voting_contest(app, entries_per_category=0)
    return factories.make_entry(
        app, contest.categories[0], world.people["school_a"], title=PAYLOAD, status="ready",
        consent_status="approved", description=PAYLOAD,
    )  # fmt: skip


def test_takedown_details_and_the_public_entry_pages(app, login_as, public_entry):
    from contest.core.extensions import limiter

    limiter.reset()
    public = app.test_client()
    assert_escaped(public, f"/vote/entry/{public_entry.id}")
    assert_escaped(public, f"/report/{public_entry.id}")
    response = submit(
        public,
        f"/report/{public_entry.id}",
        {"reason": "privacy", "details": PAYLOAD, "contact_email": ""},
    )
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        report = db.session.scalar(
            select(TakedownReport).where(TakedownReport.entry_id == public_entry.id)
        )
        assert report.details == PAYLOAD
    organizer = login_as("organizer")
    assert_escaped(organizer, f"/admin/takedown/entries/{public_entry.id}", times=2)
    assert_escaped(organizer, "/admin/takedown/")
