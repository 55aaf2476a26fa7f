"""Fixtures for the property-based tests: a world of rows every route can act on, bystander rows
no hostile request may touch, and rate limits started afresh."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.core import districts
from contest.core.extensions import db, limiter
from contest.core.models.entries import Entry
from contest.core.models.judging import Conflict, ScoreSheet
from tests import factories
from tests.uploads.helpers import naive_utc


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    """Every test client is 127.0.0.1: limits hit by one test's examples must not carry over
    (before and after, for the tests that run next in the same session)."""
    limiter.reset()
    yield
    limiter.reset()


@dataclass
class World:
    """The rows the fuzzed routes act on; `values` fills route arguments and form fields."""

    people: dict
    values: dict = field(default_factory=dict)
    bystanders: dict = field(default_factory=dict)  # table name -> ids no request may change


def open_phases():
    """Submissions opened yesterday and close tomorrow (the contest is in UTC)."""
    return {
        "submissions_open_at": naive_utc(timedelta(days=-1)),
        "submissions_close_at": naive_utc(timedelta(days=1)),
    }


def _assign(app, judge, entry):
    with app.app_context():
        assignment = factories.assignment_row(db.session, judge.id, entry.id)
        db.session.add(assignment)
        db.session.commit()
        return assignment.id


def _bystander_rows(app, people):
    """An older contest's entry of another school with its video, a submitted sheet of another
    judge and a conflict: nothing the fuzzed requests do should change them."""
    contest = factories.make_contest(app, name="Bystander Contest")
    school = factories.make_school(app, name="Bystander School")
    entry = factories.make_entry(
        app, contest.categories[0], school, title="Bystander Entry", status="ready",
        consent_status="approved", description="Kept as it is.",
    )  # fmt: skip
    rubric = factories.make_rubric(app, contest, version=2)
    judge = factories.make_user(app, roles=["judge"], email="bystander.judge@example.org")
    sheet_id = factories.make_sheet(app, judge, entry, rubric, (4, 2), comment="Kept.")
    with app.app_context():
        asset = factories.store_asset(b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 64, "video/mp4")
        row = db.session.get(Entry, entry.id)
        row.video_asset_id = asset.id
        sheet = db.session.get(ScoreSheet, sheet_id)
        far = districts.find_or_create(db.session, "Far Away")
        db.session.add(Conflict(judge_id=judge.id, district_id=far.id, source="declared"))
        db.session.commit()
        return {
            "contests": [contest.id],
            "categories": [category.id for category in contest.categories],
            "schools": [school.id, people["school_a"].id, people["school_b"].id],
            "entries": [entry.id],
            "assets": [asset.id],
            "rubrics": [rubric.id],
            "criteria": [criterion.id for criterion in rubric.criteria],
            "score_sheets": [sheet_id],
            "scores": [score.id for score in sheet.scores],
            "assignments": [sheet.assignment_id],
            "users": [judge.id, people["teacher_b"].id],
        }


def build_world(app, people):
    """The newest contest takes entries now and has a rubric; School A's draft entry, School B's
    ready entry assigned to the matrix's judge; the route values' rows (an older contest's
    report, notice, a second judge with a conflict); bystander rows."""
    world = World(people=people)
    world.bystanders = _bystander_rows(app, people)
    world.values = factories.make_route_values(app)
    contest = factories.make_contest(app, name="Fuzz Contest", phases=open_phases())
    rubric = factories.make_rubric(app, contest, version=2)
    entry_a = factories.make_entry(app, contest.categories[0], people["school_a"], title="Mine")
    entry_b = factories.make_entry(
        app, contest.categories[1], people["school_b"], title="Theirs", status="ready"
    )
    world.values.update(
        contest_id=contest.id,
        category_id=contest.categories[0].id,
        category_ids=[category.id for category in contest.categories],
        entry_id=entry_a.id,
        other_entry_id=entry_b.id,
        school_id=people["school_a"].id,
        criterion_ids=[criterion.id for criterion in rubric.criteria],
        first_criterion_id=rubric.criteria[0].id,
        assignment_id=_assign(app, people["judge"], entry_b),
        judge_user_id=people["judge"].id,
    )
    return world


@pytest.fixture
def world(app, people):
    return build_world(app, people)


def snapshot(app, tables):
    """{table: {id: row tuple}} of the given rows, read afresh."""
    found = {}
    with app.app_context():
        for name, ids in tables.items():
            table = db.metadata.tables[name]
            rows = db.session.execute(select(table).where(table.c.id.in_(ids))).all()
            found[name] = {row.id: tuple(row) for row in rows}
    return found


def all_ids(app):
    """{table: set of ids} of every table with an id column."""
    with app.app_context():
        return {
            name: set(db.session.scalars(select(table.c.id)))
            for name, table in db.metadata.tables.items()
            if "id" in table.c
        }
