"""The organizer's contest screens: create, show, edit and clone, and who may use them."""

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.judging import Rubric
from tests import factories
from tests.factories import contest_form
from tests.helpers import page_text, submit

NEW = "/admin/contests/new"
CLONE = "/admin/contests/clone"


def field_error(response, field):
    """The error text shown next to `field`, or None."""
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page_text(response), re.S)
    return html.unescape(match.group(1)) if match else None


def input_value(response, field):
    match = re.search(rf'<input[^>]* id="{field}"[^>]*value="([^"]*)"', page_text(response))
    return html.unescape(match.group(1)) if match else None


def textarea(response, field):
    match = re.search(
        rf'<textarea[^>]* id="{field}"[^>]*>(.*?)</textarea>', page_text(response), re.S
    )
    return html.unescape(match.group(1)).strip() if match else None


def selected(response, field):
    select_html = re.search(
        rf'<select[^>]* id="{field}"[^>]*>(.*?)</select>', page_text(response), re.S
    )
    assert select_html, f"no select {field}"
    return re.findall(r'<option selected value="([^"]*)"', select_html.group(1))


def checkbox(response, field):
    """Whether the checkbox `field` is ticked on the page."""
    match = re.search(rf'<input[^>]* id="{field}"[^>]*>', page_text(response))
    assert match, f"no checkbox {field}"
    return " checked" in match.group(0)


def contest_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Contest.id)))


def load(app, slug):
    """A contest by slug, with its categories, detached (no context is kept)."""
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
        if contest is not None:
            contest.categories  # noqa: B018  (loaded before the context closes)
            db.session.expunge_all()
        return contest


def audit_events(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def organizer(login_as):
    return login_as("organizer")


# --- create --------------------------------------------------------------------------------------


def test_new_contest_form_has_the_defaults(organizer):
    page = organizer.get(NEW)

    assert page.status_code == 200
    assert textarea(page, "categories").splitlines() == [
        "Cyberbullying",
        "Privacy, Plagiarism & Copyright",
        "Online Predators",
    ]
    assert selected(page, "timezone") == ["America/New_York"]
    assert input_value(page, "max_video_seconds") == "120"
    assert input_value(page, "max_megabytes") == "500"


def test_create_saves_the_contest_and_shows_it(app, organizer, people):
    response = submit(organizer, NEW, contest_form(max_megabytes="4096", retention_days="30"))

    contest = load(app, "internet-safety-awards-2026")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/contests/{contest.id}")
    assert contest.submissions_open_at == datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    assert contest.submissions_close_at == datetime(2026, 4, 1, 21, 0, tzinfo=UTC)  # EDT
    assert contest.max_bytes == 4096 * 1024 * 1024
    assert contest.retention_days == 30
    assert [c.name for c in contest.categories][1] == "Privacy, Plagiarism & Copyright"

    page = organizer.get(response.headers["Location"])
    text = html.unescape(page_text(page))
    assert page.status_code == 200
    assert "Contest 'Internet Safety Awards 2026' created." in text
    assert "<h1>Internet Safety Awards 2026</h1>" in text
    assert "Sun 01 Mar 2026, 17:00 EST" in text
    assert "Wed 01 Apr 2026, 17:00 EDT" in text
    assert "Privacy, Plagiarism & Copyright" in text
    assert "4096 MB" in text
    assert organizer.get("/admin/contests/").status_code == 200


def test_create_without_dates_or_slug_takes_defaults(app, organizer):
    response = submit(
        organizer,
        NEW,
        contest_form(submissions_open_at="", submissions_close_at="", normalise_scores=None),
    )

    contest = load(app, "internet-safety-awards-2026")
    assert response.status_code == 302
    assert contest.submissions_open_at is None
    assert contest.normalise_scores is False
    assert contest.require_full_play is False


def test_the_full_play_rule_is_set_shown_and_edited(app, organizer):
    assert checkbox(organizer.get(NEW), "require_full_play") is False
    response = submit(organizer, NEW, contest_form(require_full_play="y"))

    contest = load(app, "internet-safety-awards-2026")
    assert contest.require_full_play is True
    shown = page_text(organizer.get(response.headers["Location"]))
    assert "judges must watch the whole video" in shown
    edit = f"/admin/contests/{contest.id}/edit"
    assert checkbox(organizer.get(edit), "require_full_play") is True

    submit(organizer, edit, contest_form())  # a checkbox left unticked is not sent

    assert load(app, "internet-safety-awards-2026").require_full_play is False
    assert "not checked" in page_text(organizer.get(f"/admin/contests/{contest.id}"))


def test_the_live_tally_choice_is_set_shown_edited_and_audited(app, organizer):
    assert checkbox(organizer.get(NEW), "show_live_tally") is False
    assert "Show the live People&#39;s Choice tally to the public" in page_text(organizer.get(NEW))
    response = submit(organizer, NEW, contest_form(show_live_tally="y"))

    contest = load(app, "internet-safety-awards-2026")
    assert contest.show_live_tally is True
    shown = page_text(organizer.get(response.headers["Location"]))
    assert "shown to the public while voting is open" in shown
    assert f'href="/vote/manage/{contest.id}"' in shown
    edit = f"/admin/contests/{contest.id}/edit"
    assert checkbox(organizer.get(edit), "show_live_tally") is True

    submit(organizer, edit, contest_form())  # a checkbox left unticked is not sent

    assert load(app, "internet-safety-awards-2026").show_live_tally is False
    assert "hidden from the public until results are published" in page_text(
        organizer.get(f"/admin/contests/{contest.id}")
    )
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.subject_type == "contests", AuditEvent.subject_id == contest.id
            )
        ).all()
    assert actions == ["contest.created", "contest.updated"]


def test_a_refused_edit_keeps_the_live_tally_choice(app, organizer):
    submit(organizer, NEW, contest_form(show_live_tally="y"))
    contest = load(app, "internet-safety-awards-2026")
    edit = f"/admin/contests/{contest.id}/edit"
    response = submit(organizer, edit, contest_form(name=""))
    assert response.status_code == 200
    assert field_error(response, "name") == "Give the contest a name."
    assert load(app, "internet-safety-awards-2026").show_live_tally is True


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Give the contest a name."),
        ({"name": "   "}, "name", "Give the contest a name."),
        (
            {"slug": "Bad Slug!"},
            "slug",
            "Use lower-case letters, digits and single hyphens for the web address.",
        ),
        ({"slug": "s" * 101}, "slug", "Keep the web address to 100 characters or fewer."),
        (
            {"submissions_close_at": "2026-02-01T17:00"},
            "submissions_close_at",
            "Submissions close must come after submissions open.",
        ),
        (
            {"submissions_close_at": "2026-03-01T17:00"},
            "submissions_close_at",
            "Submissions close must come after submissions open.",
        ),
        (
            {"voting_open_at": "2026-05-02T09:00", "voting_close_at": "2026-05-01T09:00"},
            "voting_close_at",
            "Voting closes must come after voting opens.",
        ),
        (
            {"max_video_seconds": "0"},
            "max_video_seconds",
            "Maximum video length (seconds) must be between 5 and 3600.",
        ),
        (
            {"max_video_seconds": "3601"},
            "max_video_seconds",
            "Maximum video length (seconds) must be between 5 and 3600.",
        ),
        ({"max_video_seconds": "two minutes"}, "max_video_seconds", "Enter a whole number."),
        ({"max_video_seconds": "90.5"}, "max_video_seconds", "Enter a whole number."),
        ({"max_video_seconds": ""}, "max_video_seconds", "Enter a whole number."),
        (
            {"max_megabytes": "0"},
            "max_megabytes",
            "Maximum file size must be between 1 MB and 10240 MB.",
        ),
        ({"max_megabytes": "lots"}, "max_megabytes", "Enter a whole number."),
        (
            {"judges_per_entry": "0"},
            "judges_per_entry",
            "Judges per entry must be between 1 and 20.",
        ),
        (
            {"entries_per_school_per_category": "51"},
            "entries_per_school_per_category",
            "Entries per school per category must be between 1 and 50.",
        ),
        (
            {"retention_days": "-1"},
            "retention_days",
            "Keep originals for 0 to 3650 days after publication.",
        ),
        ({"licence": "  "}, "licence", "Name the licence published videos are shared under."),
        (
            {"categories": "Cyberbullying\r\nGaming\r\ncyberbullying"},
            "categories",
            "Categories are listed twice: Cyberbullying, cyberbullying.",
        ),
        ({"categories": "\r\n  \r\n"}, "categories", "Add at least one category."),
        (
            {
                "timezone": "America/New_York",
                "submissions_open_at": "2026-03-08T02:30",
                "submissions_close_at": "",
            },
            "submissions_open_at",
            "There is no 02:30 on 8 March 2026 in America/New_York",
        ),
        ({"submissions_open_at": "next week"}, "submissions_open_at", "Enter a date and time"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Choose a time zone from the list."),
    ],
)
def test_create_with_bad_input_shows_the_error_by_the_field(
    app, organizer, changes, field, message
):
    response = submit(organizer, NEW, contest_form(**changes))

    assert response.status_code == 200
    assert message in (field_error(response, field) or "")
    assert 'class="error-summary"' in page_text(response)
    assert f'id="{field}"' in page_text(response)
    assert contest_count(app) == 0
    assert audit_events(app, "contest.created") == []


def test_create_with_a_taken_slug_saves_nothing(app, organizer):
    factories.make_contest(app, name="Old", slug="isa")

    response = submit(organizer, NEW, contest_form(slug="isa", name="New"))

    assert response.status_code == 200
    assert field_error(response, "slug") == "Another contest already uses the address 'isa'."
    assert input_value(response, "name") == "New"  # what was typed stays in the form
    assert contest_count(app) == 1
    assert load(app, "isa").name == "Old"


def test_create_is_audited(app, organizer, people):
    submit(organizer, NEW, contest_form())

    contest = load(app, "internet-safety-awards-2026")
    [event] = audit_events(app, "contest.created")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        people["organizer"].id,
        "contests",
        contest.id,
    )
    assert event.data == {"name": "Internet Safety Awards 2026"}


# --- show and edit -------------------------------------------------------------------------------


@pytest.fixture
def contest(app):
    return factories.make_contest(
        app,
        name="ISA",
        timezone="America/New_York",
        phases={
            "submissions_open_at": datetime(2026, 3, 1, 17, 0),
            "voting_close_at": datetime(2026, 7, 1, 20, 30),
        },
        retention_days=90,
        max_bytes=250 * 1024 * 1024,
    )


def test_edit_form_is_filled_in_the_contest_time_zone(organizer, contest):
    page = organizer.get(f"/admin/contests/{contest.id}/edit")

    assert page.status_code == 200
    assert input_value(page, "name") == "ISA"
    assert input_value(page, "slug") == "isa"
    assert selected(page, "timezone") == ["America/New_York"]
    assert input_value(page, "submissions_open_at") == "2026-03-01T17:00"
    assert input_value(page, "voting_close_at") == "2026-07-01T20:30"
    assert input_value(page, "submissions_close_at") == ""
    assert input_value(page, "max_megabytes") == "250"
    assert input_value(page, "retention_days") == "90"
    assert textarea(page, "categories").splitlines() == [c.name for c in contest.categories]


def test_edit_saves_and_keeps_category_ids(app, organizer, contest, people):
    ids = [c.id for c in contest.categories]
    url = f"/admin/contests/{contest.id}/edit"

    response = submit(
        organizer,
        url,
        contest_form(
            name="ISA 2026",
            slug="isa",
            timezone="Europe/London",
            submissions_open_at="2026-03-01T17:00",
            submissions_close_at="2026-04-01T17:00",
            categories="Online Predators\r\nCyberbullying & Harassment\r\n"
            "Privacy, Plagiarism & Copyright",
            retention_days="",
        ),
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/contests/{contest.id}")
    saved = load(app, "isa")
    assert saved.name == "ISA 2026"
    assert saved.timezone == "Europe/London"
    assert saved.submissions_open_at == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    assert saved.submissions_close_at == datetime(2026, 4, 1, 16, 0, tzinfo=UTC)  # BST
    assert saved.voting_close_at is None
    assert saved.retention_days is None
    assert [c.id for c in saved.categories] == [ids[2], ids[0], ids[1]]
    assert [c.name for c in saved.categories][1] == "Cyberbullying & Harassment"
    [event] = audit_events(app, "contest.updated")
    assert (event.actor_id, event.subject_id) == (people["organizer"].id, contest.id)
    assert "Contest saved." in page_text(organizer.get(response.headers["Location"]))


def test_edit_with_bad_input_saves_nothing(app, organizer, contest):
    url = f"/admin/contests/{contest.id}/edit"

    response = submit(
        organizer,
        url,
        contest_form(name="Changed", slug="isa", max_video_seconds="0"),
    )

    assert response.status_code == 200
    assert "between 5 and 3600" in field_error(response, "max_video_seconds")
    assert input_value(response, "name") == "Changed"
    assert load(app, "isa").name == "ISA"
    assert audit_events(app, "contest.updated") == []


def test_edit_refuses_to_remove_a_category_with_entries(app, organizer, contest):
    factories.make_entry(app, contest.categories[0], factories.make_school(app))
    url = f"/admin/contests/{contest.id}/edit"

    response = submit(
        organizer,
        url,
        contest_form(slug="isa", categories="Privacy, Plagiarism & Copyright\r\nOnline Predators"),
    )

    assert response.status_code == 200
    assert field_error(response, "categories") == (
        "Cyberbullying already has entries and can't be removed."
    )
    assert [c.name for c in load(app, "isa").categories] == [c.name for c in contest.categories]


def test_unknown_contest_is_404(organizer):
    assert organizer.get("/admin/contests/999999").status_code == 404
    assert organizer.get("/admin/contests/999999/edit").status_code == 404


# --- clone ---------------------------------------------------------------------------------------


def test_clone_without_a_contest_sends_you_to_create(app, organizer):
    response = organizer.get(CLONE)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(NEW)
    page = organizer.get(response.headers["Location"])
    assert "There is no contest to clone yet: create one first." in page_text(page)
    assert contest_count(app) == 0


def test_clone_copies_a_contest(app, organizer, contest, people):
    # Version 1 is the default rubric every contest starts with.
    factories.make_rubric(app, contest, version=2)
    form = organizer.get(CLONE)
    assert form.status_code == 200
    assert f'<option value="{contest.id}">ISA</option>' in page_text(form)

    response = submit(organizer, CLONE, {"source": contest.id, "name": "ISA 2027", "slug": ""})

    clone = load(app, "isa-2027")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/contests/{clone.id}/edit")
    assert clone.cloned_from_id == contest.id
    assert clone.submissions_open_at is None
    assert clone.max_bytes == 250 * 1024 * 1024
    assert [c.name for c in clone.categories] == [c.name for c in contest.categories]
    with app.app_context():
        rubrics = db.session.scalars(select(Rubric).where(Rubric.contest_id == clone.id)).all()
        assert [[c.name for c in r.criteria] for r in rubrics] == [["Message v2", "Craft v2"]]
    [event] = audit_events(app, "contest.cloned")
    assert (event.actor_id, event.subject_id) == (people["organizer"].id, clone.id)
    assert event.data == {"source_id": contest.id}
    page = organizer.get(response.headers["Location"])
    assert "Contest 'ISA 2027' created from 'ISA'. Set its dates." in html.unescape(page_text(page))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Give the new contest a name."),
        ({"slug": "isa"}, "slug", "Another contest already uses the address 'isa'."),
        ({"slug": "Not OK"}, "slug", "single hyphens"),
        ({"source": "999999"}, "source", "Choose the contest to copy."),
    ],
)
def test_clone_with_bad_input_saves_nothing(app, organizer, contest, changes, field, message):
    response = submit(organizer, CLONE, {"source": contest.id, "name": "ISA 2027", **changes})

    assert response.status_code == 200
    assert message in (field_error(response, field) or "")
    assert contest_count(app) == 1
    assert audit_events(app, "contest.cloned") == []


# --- who may ------------------------------------------------------------------------------------


def _pages(contest_id):
    return [
        "/admin/contests/",
        NEW,
        CLONE,
        f"/admin/contests/{contest_id}",
        f"/admin/contests/{contest_id}/edit",
    ]


@pytest.mark.parametrize("role", ["teacher_a", "judge"])
def test_other_roles_are_forbidden(app, login_as, contest, role):
    client = login_as(role)
    for url in _pages(contest.id):
        assert client.get(url).status_code == 403, url
    for url in (NEW, CLONE, f"/admin/contests/{contest.id}/edit"):
        # A real CSRF token (from the sign-out form on the home page), so only the role stops it.
        response = submit(client, url, contest_form(source=contest.id, name="Hijack"), page="/")
        assert response.status_code == 403, url
    assert contest_count(app) == 1
    assert load(app, "isa").name == "ISA"


def test_anonymous_visitors_are_sent_to_sign_in(app, client, contest):
    for url in _pages(contest.id):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/auth/login?next=" in response.headers["Location"], url
    # Even with a valid CSRF token (from the sign-in page), a post goes to sign in.
    response = submit(client, NEW, contest_form(), page="/auth/login")
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]
    assert contest_count(app) == 1
