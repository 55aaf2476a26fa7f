"""The database refusing a judge's submission (a trigger in the real database raises when a
sheet is marked submitted): the judge's saved draft stays, with its points and comment, and the
scoring page says plainly what happened. Once the database accepts it again, submitting works."""

import re

import pytest
from sqlalchemy import func, select

from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.judging import ScoreSheet
from contest.judging import sheets
from tests import factories
from tests.helpers import page_text, submit

COMMENT = "Strong opening; the ending drags."
FEEDBACK = "Great use of sound."
NOT_SUBMITTED = "Your scores could not be submitted just now; your draft is saved. Try again."


@pytest.fixture
def assignment(app, people):
    """An entry assigned to the matrix's judge: (assignment id, [criterion id])."""
    contest = factories.make_contest(app)
    school = factories.make_school(app)
    entry = factories.make_entry(
        app, contest.categories[0], school, title="Think Before You Post", status="ready"
    )
    with app.app_context():
        row = factories.assignment_row(db.session, people["judge"].id, entry.id)
        db.session.add(row)
        db.session.commit()
        return row.id


def stored_sheet(app, assignment_id):
    """(status, {criterion id: points}, comment, feedback) of the sheet in the database."""
    with app.app_context():
        sheet = db.session.scalar(
            select(ScoreSheet).where(ScoreSheet.assignment_id == assignment_id)
        )
        return sheet.status, sheets.points_of(sheet), sheet.comment, sheet.feedback


def criteria_on(page):
    return sorted({int(cid) for cid in re.findall(r'name="criterion-(\d+)"', page)})


def test_a_refused_submit_keeps_the_draft_and_says_so(app, login_as, assignment,
                                                      refuse_sheet_submits):  # fmt: skip
    judge = login_as("judge")
    url = f"/judging/sheets/{assignment}"
    page = page_text(judge.get(url))
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    criteria = criteria_on(page)
    assert criteria
    points = {cid: 2 + index % 3 for index, cid in enumerate(criteria)}

    # The page's autosave keeps the draft as the judge scores.
    saved = judge.post(
        f"{url}/draft",
        json={"points": {str(c): p for c, p in points.items()}, "comment": COMMENT,
              "feedback": FEEDBACK},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )  # fmt: skip
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert stored_sheet(app, assignment) == ("draft", points, COMMENT, FEEDBACK)

    refuse_sheet_submits()
    form = {f"criterion-{c}": str(p) for c, p in points.items()}
    form |= {"comment": COMMENT, "feedback": FEEDBACK}
    response = submit(judge, f"{url}/submit", form, page=url)

    assert response.status_code == 503
    text = page_text(response)
    assert NOT_SUBMITTED in text
    assert "Not saved" not in text  # the draft is saved: only the submission failed
    assert "injected fault" not in text and "Traceback" not in text
    for cid, value in points.items():  # the scoring page again, the judge's levels chosen
        assert f'name="criterion-{cid}" value="{value}" checked' in text
    assert COMMENT in text
    assert stored_sheet(app, assignment) == ("draft", points, COMMENT, FEEDBACK)
    with app.app_context():
        submitted = select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "score_sheet.submitted"
        )
        assert db.session.scalar(submitted) == 0

    # The database accepts submissions again: the same press of the button goes through.
    refuse_sheet_submits.remove()
    again = submit(judge, f"{url}/submit", form, page=url)
    assert again.status_code == 302
    assert stored_sheet(app, assignment) == ("submitted", points, COMMENT, FEEDBACK)
