"""A contest in two rounds (a rubric round then rubric finals), its first round scored."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest, Round
from contest.core.models.judging import Conflict
from tests import factories

# Points per judge on a two-criterion rubric: E1 > E2 > E3 > E4; E5 is never scored.
POINTS = {"E1": (5, 3), "E2": (4, 3), "E3": (3, 2), "E4": (1, 1)}


@pytest.fixture
def two_rounds(app):
    contest = factories.make_contest(app, name="Two Rounds")
    rubric = factories.make_rubric(app, contest, version=2)
    north = factories.make_school(app, name="North High")
    south = factories.make_school(app, name="South High")
    category = contest.categories[0]
    entries = {
        title: factories.make_entry(app, category, north if title == "E1" else south,
                                    title=title, status="ready")
        for title in ("E1", "E2", "E3", "E4", "E5")
    }  # fmt: skip
    judges = [factories.make_user(app, roles=["judge"], name=f"Judge {n}") for n in "ABC"]
    for judge in judges:
        for title, points in POINTS.items():
            factories.make_sheet(app, judge, entries[title], rubric, points)
    conflicted = factories.make_user(app, roles=["judge"], name="Judge D")
    organizer = factories.make_user(app, roles=["admin"])
    with app.app_context():
        db.session.add(Conflict(judge_id=conflicted.id, school_id=north.id, source="declared"))
        row = db.session.get(Contest, contest.id)
        first = row.rounds[0]
        first.rule, first.rule_top = "top", 2
        first.closes_at = utcnow() + timedelta(days=2)
        row.rounds.append(Round(position=2, name="Finals", mode="rubric", judges_per_entry=2))
        db.session.commit()
    return SimpleNamespace(contest=contest, entries=entries, conflicted=conflicted,
                           organizer=organizer, judges=judges)  # fmt: skip
