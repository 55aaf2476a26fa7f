"""Calibration: choosing anchor entries, and the judge's own score distribution against the
panel's (an SVG histogram with its numbers in a table, naming no other judge)."""

import html
import re

import pytest
from sqlalchemy import select

from contest.core.audit import AuditEvent
from contest.core.dbtypes import utcnow
from contest.core.errors import ValidationError
from contest.core.extensions import db
from contest.core.models.entries import Entry
from contest.core.models.judging import Score, ScoreSheet
from contest.judging import calibration
from contest.judging.rubrics import newest_rubric
from tests import factories
from tests.helpers import page_text, submit


@pytest.fixture
def contest(app, people):
    return factories.make_contest(app, name="ISA 2026")


def entries(app, contest, count=4, status="ready"):
    school = factories.make_school(app)
    return [
        factories.make_entry(
            app, contest.categories[n % 3], school, status=status, title=f"PSA {n}"
        )
        for n in range(count)
    ]


def score(app, contest, judge, entry, level, status="submitted"):
    """A sheet by `judge` on `entry` at `level` on every criterion of the contest rubric (1-5)."""
    with app.app_context():
        assignment = factories.assignment_row(db.session, judge.id, entry.id)
        db.session.add(assignment)
        db.session.flush()
        rubric = newest_rubric(db.session, contest)
        db.session.add(
            ScoreSheet(
                assignment_id=assignment.id,
                rubric_id=rubric.id,
                status=status,
                submitted_at=utcnow() if status == "submitted" else None,
                scores=[Score(criterion_id=c.id, points=level) for c in rubric.criteria],
            )
        )
        db.session.commit()


def anchor_ids(app, contest):
    with app.app_context():
        return [e.id for e in calibration.anchors(db.session, contest)]


# --- anchors -------------------------------------------------------------------------------------


def test_the_organizer_chooses_up_to_two_ready_anchors(app, login_as, contest, people):
    ready = entries(app, contest)
    organizer = login_as("organizer")
    url = f"/judging/calibration/{contest.id}"
    assert "No anchors: calibration is off." in page_text(organizer.get(url))

    response = submit(organizer, url, {"anchors": [str(ready[0].id), str(ready[2].id)]})

    assert response.status_code == 302
    assert anchor_ids(app, contest) == [ready[0].id, ready[2].id]
    page = html.unescape(page_text(organizer.get(url)))
    assert "Calibration anchors saved." in page
    assert re.search(rf'<input checked[^>]*value="{ready[0].id}"', page)
    with app.app_context():
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "calibration.anchors_set")
        ).all()
    assert (event.actor_id, event.data["after"]) == (
        people["organizer"].id,
        [ready[0].id, ready[2].id],
    )

    submit(organizer, url, {"anchors": [str(ready[1].id)]})  # a new choice replaces the old

    assert anchor_ids(app, contest) == [ready[1].id]


def test_three_anchors_are_refused(app, login_as, contest):
    ready = entries(app, contest)
    organizer = login_as("organizer")

    response = submit(
        organizer, f"/judging/calibration/{contest.id}", {"anchors": [str(e.id) for e in ready[:3]]}
    )

    assert response.status_code == 200
    assert "Choose at most 2 anchor entries (3 chosen)." in page_text(response)
    assert anchor_ids(app, contest) == []


def test_only_ready_entries_of_the_contest_can_be_anchors(app, session, contest, people):
    [processing] = entries(app, contest, count=1, status="processing")
    [elsewhere] = entries(app, factories.make_contest(app, name="Other"), count=1)
    organizer = session.get(type(people["organizer"]), people["organizer"].id)
    row = session.get(type(contest), contest.id)

    for entry in (processing, elsewhere):
        with pytest.raises(ValidationError, match="ready entries"):
            calibration.set_anchors(session, organizer, row, [entry.id])
    assert [e.id for e in calibration.anchor_choices(session, row)] == []
    assert session.scalar(select(Entry.id).where(Entry.calibration_anchor)) is None


# --- the judge's distribution --------------------------------------------------------------------


def test_the_distribution_compares_means_in_plain_words(app, session, contest, people):
    judge = people["judge"]
    others = [factories.make_user(app, roles=["judge"], name=f"Rival {n}") for n in range(2)]
    pool = entries(app, contest, count=3)
    for entry in pool:
        score(app, contest, judge, entry, 4)  # 75
        score(app, contest, others[0], entry, 2)  # 25
        score(app, contest, others[1], entry, 3)  # 50
    score(app, contest, others[1], entries(app, contest, count=1)[0], 5, status="draft")  # ignored

    row = session.get(type(contest), contest.id)
    distribution = calibration.score_distribution(session, judge, row)

    assert distribution.mine == [75.0, 75.0, 75.0]
    assert len(distribution.panel) == 9 and distribution.panel_judges == 3
    assert distribution.panel_mean == pytest.approx(50.0)
    assert distribution.summary() == "You score 25 points above the panel on average."
    bins = {b.label: (b.mine, b.panel) for b in distribution.bins}
    assert bins["70-80"] == (3, 3) and bins["20-30"] == (0, 3) and bins["50-60"] == (0, 3)
    low = calibration.score_distribution(session, session.get(type(judge), others[0].id), row)
    assert low.summary() == "You score 25 points below the panel on average."


def test_a_judge_alone_or_without_sheets_is_told_so(app, session, contest, people):
    row = session.get(type(contest), contest.id)
    judge = people["judge"]
    assert (
        "not submitted a score sheet"
        in calibration.score_distribution(session, judge, row).summary()
    )

    score(app, contest, judge, entries(app, contest, count=1)[0], 3)

    alone = calibration.score_distribution(session, judge, row)
    assert "no panel to compare with" in alone.summary()


def test_a_top_score_of_100_lands_in_the_last_band():
    bins = calibration.score_bins([100.0, 0.0], [100.0])
    assert (bins[-1].label, bins[-1].mine, bins[-1].panel) == ("90-100", 1, 1)
    assert bins[0].mine_share == 50.0 and bins[-1].panel_share == 100.0


def test_the_judges_page_has_an_accessible_chart_and_names_no_one(app, login_as, contest, people):
    others = [factories.make_user(app, roles=["judge"], name=f"Rival Judge {n}") for n in range(2)]
    pool = entries(app, contest, count=2)
    for entry in pool:
        score(app, contest, people["judge"], entry, 5)
        for other in others:
            score(app, contest, other, entry, 2)

    page = login_as("judge").get("/judging/calibration/mine")

    text = html.unescape(page_text(page))
    assert page.status_code == 200
    svg = re.search(r"<svg[^>]*>.*?</svg>", text, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert len(re.findall(r"<rect", svg)) >= 20  # a bar per band for each series, plus a legend
    assert "You score 50 points above the panel on average." in text
    assert re.search(r"<caption>Sheets in each score band</caption>", text)
    assert re.search(r"<th scope=\"row\">90-100</th><td>2</td><td>100%</td><td>2</td>", text)
    for other in others:
        assert other.name not in text and other.email not in text
    for entry in pool:
        assert entry.title not in text
    assert "<script>" not in text and "style=" not in text


def test_a_judge_without_assignments_sees_a_plain_page(login_as):
    page = login_as("judge").get("/judging/calibration/mine")

    assert page.status_code == 200
    assert "You have no assignments yet." in page_text(page)


@pytest.mark.parametrize("role", ["teacher_a", "judge"])
def test_only_organizers_choose_anchors(login_as, contest, role):
    assert login_as(role).get(f"/judging/calibration/{contest.id}").status_code == 403


@pytest.mark.parametrize("role", ["teacher_a", "organizer"])
def test_only_judges_see_their_distribution(login_as, role):
    assert login_as(role).get("/judging/calibration/mine").status_code == 403
