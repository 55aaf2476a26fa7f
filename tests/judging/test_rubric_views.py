"""The organizer's rubric screens: the overview, editing (in place or as a new version, with the
notice that says which), category overrides and who may use them."""

import html

import pytest
from sqlalchemy import select

from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.judging import Rubric, ScoreSheet
from contest.judging.rubrics import newest_rubric
from tests import factories
from tests.helpers import page_text, submit


@pytest.fixture
def organizer(login_as):
    return login_as("organizer")


@pytest.fixture
def contest(app, people):
    return factories.make_contest(app, name="ISA 2026")


def rows(*criteria):
    """The edit form as a browser posts it: one row per (name, weight, min, max, descriptors)."""
    data = {}
    for index, (name, weight, low, high, descriptors) in enumerate(criteria):
        data.update(
            {
                f"criteria-{index}-name": name,
                f"criteria-{index}-guidance": f"About {name}" if name else "",
                f"criteria-{index}-weight": weight,
                f"criteria-{index}-min_points": low,
                f"criteria-{index}-max_points": high,
                f"criteria-{index}-descriptors": descriptors,
                f"criteria-{index}-order": str(index + 1),
            }
        )
    return data


def current(app, contest, category=None):
    with app.app_context():
        rubric = newest_rubric(db.session, contest, category)
        if rubric is None:
            return None
        return rubric.version, [
            (c.name, c.weight, c.min_points, c.max_points) for c in rubric.criteria
        ]


def submit_a_sheet(app, contest, people):
    """A sheet submitted on the contest rubric's newest version."""
    school = factories.make_school(app)
    entry = factories.make_entry(app, contest.categories[0], school, status="ready")
    with app.app_context():
        assignment = factories.assignment_row(db.session, people["judge"].id, entry.id)
        db.session.add(assignment)
        db.session.flush()
        rubric = newest_rubric(db.session, contest)
        db.session.add(
            ScoreSheet(
                assignment_id=assignment.id,
                rubric_id=rubric.id,
                status="submitted",
                submitted_at=utcnow(),
            )
        )
        db.session.commit()


def test_the_overview_shows_the_contest_rubric_and_each_category(organizer, contest):
    page = organizer.get(f"/judging/rubrics/{contest.id}")

    text = html.unescape(page_text(page))
    assert page.status_code == 200
    assert "Message accuracy" in text and "Call to action" in text
    assert "Version 1." in text and "edits change it in place" in text
    assert text.count("Uses the contest rubric.") == 3
    assert f"/judging/rubrics/{contest.id}/{contest.categories[0].id}" in text
    assert f'href="/judging/rubrics/{contest.id}"' in page_text(
        organizer.get(f"/admin/contests/{contest.id}")
    )


def test_the_edit_form_has_a_row_per_criterion_and_blank_rows(organizer, contest):
    page = organizer.get(f"/judging/rubrics/{contest.id}/edit")

    text = page_text(page)
    assert page.status_code == 200
    assert 'value="Message accuracy"' in text
    assert 'id="criteria-7-name"' in text and 'id="criteria-8-name"' not in text  # 5 + 3 blank
    assert "Correct, clear and precise" in text  # descriptors, one per line
    assert "<script>" not in text and "style=" not in text


def test_saving_before_scoring_edits_in_place(app, organizer, contest):
    response = submit(
        organizer,
        f"/judging/rubrics/{contest.id}/edit",
        rows(("Impact", "2.5", "0", "3", "None\nSome\nMost\nAll"), ("", "1", "1", "5", "")),
    )

    assert response.status_code == 302
    assert current(app, contest) == (1, [("Impact", 2.5, 0, 3)])
    assert "Rubric saved." in page_text(organizer.get(response.headers["Location"]))


def test_rows_are_saved_in_the_order_asked_and_removed_rows_go(app, organizer, contest):
    data = rows(
        ("Impact", "1", "1", "5", ""), ("Craft", "2", "1", "5", ""), ("Humour", "1", "1", "3", "")
    )
    data["criteria-0-order"], data["criteria-2-order"] = "9", "1"
    data["criteria-1-remove"] = "y"

    submit(organizer, f"/judging/rubrics/{contest.id}/edit", data)

    assert [name for name, *_ in current(app, contest)[1]] == ["Humour", "Impact"]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (("Impact", "heavy", "1", "5", ""), "criteria-0-weight", "more than 0"),
        (("Impact", "1", "3", "2", ""), "criteria-0-max_points", "above the lowest"),
        (("Impact", "1", "1", "5", "Poor\nGood"), "criteria-0-descriptors", "5 for 1 to 5"),
        (("Impact", "1", "one", "5", ""), "criteria-0-min_points", "Enter a whole number."),
    ],
)
def test_a_bad_row_is_shown_beside_its_field_and_nothing_is_saved(
    app, organizer, contest, row, field, message
):
    before = current(app, contest)

    response = submit(organizer, f"/judging/rubrics/{contest.id}/edit", rows(row))

    text = html.unescape(page_text(response))
    assert response.status_code == 200
    assert f'id="{field}-error"' in text and message in text
    assert 'class="error-summary"' in text
    assert current(app, contest) == before


def test_an_empty_rubric_is_refused(app, organizer, contest):
    response = submit(
        organizer, f"/judging/rubrics/{contest.id}/edit", rows(("", "1", "1", "5", ""))
    )

    assert response.status_code == 200
    assert "Add at least one criterion." in page_text(response)
    assert current(app, contest)[0] == 1


def test_after_a_submitted_sheet_the_form_warns_and_saving_makes_a_version(
    app, organizer, contest, people
):
    submit_a_sheet(app, contest, people)
    url = f"/judging/rubrics/{contest.id}/edit"

    notice = html.unescape(page_text(organizer.get(url)))
    assert "1 sheet was submitted on version 1: saving creates version 2." in notice

    response = submit(organizer, url, rows(("Impact", "1", "1", "5", "")))

    assert response.status_code == 302
    assert current(app, contest) == (2, [("Impact", 1.0, 1, 5)])
    overview = html.unescape(page_text(organizer.get(response.headers["Location"])))
    assert "Saved as version 2." in overview
    with app.app_context():
        versions = db.session.scalars(
            select(Rubric.version).where(Rubric.contest_id == contest.id)
        ).all()
    assert sorted(versions) == [1, 2]


def test_a_category_gets_its_own_rubric_and_can_give_it_up(app, organizer, contest):
    category = contest.categories[1]
    url = f"/judging/rubrics/{contest.id}/{category.id}"
    form = organizer.get(url)
    assert "Saving gives Privacy, Plagiarism &amp; Copyright a rubric of its own" in page_text(form)
    assert 'value="Message accuracy"' in page_text(form)  # starts from the contest's

    response = submit(organizer, url, rows(("Spots the red flags", "2", "0", "4", "")))

    assert response.status_code == 302
    assert current(app, contest, category) == (1, [("Spots the red flags", 2.0, 0, 4)])
    overview = html.unescape(page_text(organizer.get(f"/judging/rubrics/{contest.id}")))
    assert "The category now has its own rubric." in overview
    assert overview.count("Uses the contest rubric.") == 2

    removed = submit(organizer, f"{url}/remove", {}, page=f"/judging/rubrics/{contest.id}")

    assert removed.status_code == 302
    assert current(app, contest, category) is None
    assert "uses the contest rubric again" in page_text(organizer.get(removed.headers["Location"]))


def test_another_contests_category_is_404(app, organizer, contest):
    other = factories.make_contest(app, name="Other")

    assert (
        organizer.get(f"/judging/rubrics/{contest.id}/{other.categories[0].id}").status_code == 404
    )
    assert organizer.get(f"/judging/rubrics/{contest.id + 10**6}").status_code == 404


@pytest.mark.parametrize("role", ["teacher_a", "judge"])
def test_other_roles_are_forbidden(login_as, contest, role):
    client = login_as(role)
    category = contest.categories[0]
    for url in (
        f"/judging/rubrics/{contest.id}",
        f"/judging/rubrics/{contest.id}/edit",
        f"/judging/rubrics/{contest.id}/{category.id}",
    ):
        assert client.get(url).status_code == 403, url


def test_saving_needs_the_csrf_token(app, organizer, contest):
    response = organizer.post(
        f"/judging/rubrics/{contest.id}/edit", data=rows(("Impact", "1", "1", "5", ""))
    )

    assert response.status_code == 400
    assert current(app, contest)[1][0][0] == "Message accuracy"
