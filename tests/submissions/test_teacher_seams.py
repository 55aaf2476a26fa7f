"""The teacher's page where the rules met (issue 14's seam bugs): this year's entries apart from
past contests', a school that can no longer enter told so before it fills a form, and the
results' certificates offered only to a school that took part."""

import io
import re
from datetime import datetime, timedelta

from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.entries import SchoolExtension
from tests import factories
from tests.helpers import csrf_token, page_text, submit


def _contest(app, opened_days_ago=30, closes_in_days=10, **fields):
    today = datetime.now().replace(microsecond=0)
    phases = {
        "submissions_open_at": today - timedelta(days=opened_days_ago),
        "submissions_close_at": today + timedelta(days=closes_in_days),
    }
    return factories.make_contest(app, phases=phases, **fields)


def _section(text, heading, next_heading=None):
    """The page's text from `heading` to `next_heading` (or the end)."""
    assert heading in text, f"no {heading!r} on the page"
    part = text.split(heading, 1)[1]
    return part.split(next_heading, 1)[0] if next_heading else part


def test_the_teachers_list_keeps_past_contests_apart(app, people, login_as):
    last_year = _contest(app, name="Safety Awards 2025", opened_days_ago=400, closes_in_days=-330)
    old = factories.make_entry(
        app, last_year.categories[0], people["school_a"], status="ready", title="Old Clip"
    )
    factories.publish_results(app, last_year, [(old, "place", 1)])
    this_year = _contest(app, name="Safety Awards 2026")
    new = factories.make_entry(
        app, this_year.categories[0], people["school_a"], status="draft", title="New Clip"
    )

    text = page_text(login_as("teacher_a").get("/school/"))

    current = _section(text, "Entries for Safety Awards 2026", "Past contests")
    assert new.title in current and old.title not in current
    past = _section(text, "Past contests")
    assert "Safety Awards 2025" in past and old.title in past and new.title not in past
    # Last year's results stay one click away.
    school = people["school_a"].id
    assert f"/school/{school}/results/{last_year.id}" in past
    assert f"/school/{school}/certificates/{last_year.id}" in past


def test_next_years_contest_hides_no_entry_whose_results_are_not_out(app, people, login_as):
    """Setting up next year's contest early leaves this year's entries, still being judged,
    where the teacher looks for them, not under "Past contests"."""
    this_year = _contest(app, name="Safety Awards 2026", opened_days_ago=60, closes_in_days=-5)
    judged = factories.make_entry(
        app, this_year.categories[0], people["school_a"], status="ready", title="Being Judged"
    )
    _contest(app, name="Safety Awards 2027", opened_days_ago=-200, closes_in_days=260)

    text = page_text(login_as("teacher_a").get("/school/"))

    assert "Past contests" not in text
    assert judged.title in _section(text, "Entries for Safety Awards 2026")
    assert "Entries for Safety Awards 2027" in text  # the contest teachers enter next


def test_a_school_whose_deadline_passed_is_told_before_it_fills_a_form(app, people, login_as):
    _contest(app, opened_days_ago=30, closes_in_days=-1, timezone="Pacific/Honolulu")
    client = login_as("teacher_a")

    page = page_text(client.get("/school/"))
    assert "New entry" not in page
    assert "Entries closed" in page and "HST" in page.split("Entries closed", 1)[1][:80]

    form = client.get("/school/entries/new")
    assert form.status_code == 302 and form.headers["Location"] == "/school/"
    told = page_text(client.get("/school/"))
    assert "deadline" in told.lower()
    # A POST (an old tab) still gets the refusal, and nothing is saved.
    refused = submit(client, "/school/entries/new", {"title": "Late", "category": "1"},
                     page="/school/")  # fmt: skip
    assert refused.status_code in (200, 302)
    assert "Late" not in page_text(client.get("/school/"))


def test_an_extension_keeps_the_form_for_that_school(app, people, login_as):
    contest = _contest(app, opened_days_ago=30, closes_in_days=-1)
    with app.app_context():
        db.session.add(
            SchoolExtension(
                contest_id=contest.id,
                school_id=people["school_a"].id,
                until=utcnow() + timedelta(days=2),
                reason="Snow day",
            )
        )
        db.session.commit()
    page = page_text(login_as("teacher_a").get("/school/"))
    assert "New entry" in page and "Entries closed" not in page


def test_the_certificates_are_offered_only_to_a_school_with_entries(app, people, login_as):
    contest = _contest(app, opened_days_ago=60, closes_in_days=-30)
    entry = factories.make_entry(
        app, contest.categories[0], people["school_a"], status="ready", title="Winner"
    )
    factories.publish_results(app, contest, [(entry, "place", 1)])

    with_entries = page_text(login_as("teacher_a").get("/school/"))
    without = page_text(login_as("teacher_b").get("/school/"))

    assert "certificates" in with_entries
    assert "certificates" not in without and "The results are out" not in without


def _entry_form(client, **fields):
    page = client.get("/school/entries/new")
    assert page.status_code == 200
    category = re.search(r'<option[^>]*value="(\d+)"', page_text(page)).group(1)
    data = {"category": category, "title": "Think First", "description": "", **fields}
    return submit(client, "/school/entries/new", data)


def test_a_title_or_description_naming_the_school_gets_a_warning_and_is_saved(
    app, people, login_as
):
    _contest(app)
    client = login_as("teacher_a")  # School A, in the North district

    named = _entry_form(client, title="Proud of School A", description="Shot up North.")
    assert named.status_code == 302
    text = page_text(client.get(named.headers["Location"]))
    assert "Proud of School A" in text  # saved all the same
    assert "The title names “School A”" in text and "The description names “North”" in text
    assert "Judging is blind to the school" in text

    plain = _entry_form(client, title="Think Before You Post")
    assert "Judging is blind" not in page_text(client.get(plain.headers["Location"]))


def test_captions_naming_the_school_get_a_warning(app, people, login_as):
    contest = _contest(app)
    entry = factories.make_entry(app, contest.categories[0], people["school_a"], title="Clip")
    client = login_as("teacher_a")
    url = f"/school/entries/{entry.id}"
    captions = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHi from School A!\n"
    response = client.post(
        f"{url}/captions",
        data={
            "captions-csrf_token": csrf_token(client, url),
            "captions-captions": (io.BytesIO(captions), "clip.vtt"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, page_text(response)
    assert "The captions name “School A”" in page_text(client.get(url))
