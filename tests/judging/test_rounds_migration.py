"""Migration 16a0rounds01 (issue 16): every contest judges in rounds. Today's single judging window
and judges per entry become the contest's one rubric round, every assignment belongs to it, and
the results do not change (the same sheets count). On SQLite and PostgreSQL, both ways."""

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from contest.core.extensions import db
from contest.core.models.contests import Contest, Round
from contest.core.models.judging import Assignment
from contest.results import ranking
from tests import factories
from tests.helpers import fresh_test_database

BEFORE = "15d0held01"
CLOSES = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


def _results(contest_id):
    contest = db.session.get(Contest, contest_id)
    return [
        (category.name, [(row.entry_id, row.sheets, row.raw, row.normalised)
                         for row in category.rows], category.alpha)
        for category in ranking.category_results(db.session, contest, resamples=20)
    ]  # fmt: skip


def test_a_judged_contest_becomes_one_round_both_ways_and_ranks_the_same(
    make_app, tmp_path, worker_id
):
    site = make_app(
        SQLALCHEMY_DATABASE_URI=fresh_test_database(tmp_path, worker_id, "rounds-migration")
    )
    with site.app_context():
        upgrade()
    contest = factories.make_contest(
        site, judges_per_entry=2, phases={"judging_close_at": CLOSES.replace(tzinfo=None)}
    )
    rubric = factories.make_rubric(site, contest, version=2)
    judges = [factories.make_user(site, roles=["judge"]) for _ in range(3)]
    school = factories.make_school(site)
    entries = [
        factories.make_entry(site, contest.categories[0], school, status="ready", title=f"E{n}")
        for n in range(4)
    ]
    for number, entry in enumerate(entries):
        for offset, judge in enumerate(judges):
            factories.make_sheet(site, judge, entry, rubric, (1 + (number + offset) % 5, 2))
    with site.app_context():
        before = _results(contest.id)
        db.session.remove()
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            old = connection.execute(
                text("SELECT judging_close_at, judges_per_entry FROM contests WHERE id = :id"),
                {"id": contest.id},
            ).one()
        upgrade()
        [round_] = db.session.scalars(select(Round).where(Round.contest_id == contest.id))
        rounds_of_assignments = set(db.session.scalars(select(Assignment.round_id)))
        after = _results(contest.id)
        db.session.remove()
        db.engine.dispose()
    assert old[1] == 2 and str(old[0]).startswith("2026-04-10 12:00")
    assert (round_.position, round_.mode, round_.name) == (1, "rubric", "Judging")
    assert (round_.closes_at, round_.judges_per_entry) == (CLOSES, 2)
    assert rounds_of_assignments == {round_.id}
    assert before and after == before
