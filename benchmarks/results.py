"""Benchmark: the full results of a synthetic contest (issue 5).

Builds 10,000 entries x 3 judges x 5 criteria (the default rubric) straight into a fresh
database with bulk inserts, then times `category_results` (sheet scores, normalisation,
Krippendorff's alpha, ranking with its tie-breaks, a bootstrap of 200 resamples, judge figures
and charts) and counts its SQL statements at 1,000 and at 10,000 entries: they must be equal.

    .venv/bin/python benchmarks/results.py                       # SQLite and PostgreSQL
    .venv/bin/python benchmarks/results.py --backends sqlite --runs 5

PostgreSQL: a database of its own (bench_results) on POSTGRES_URL, created and dropped.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DATABASE = "bench_results"
JUDGES, CRITERIA = 3, 5


def build(db, contest_id, entries, start_id):
    """`entries` entries spread over the contest's categories, each scored by the three judges on
    every criterion (points from a fixed pattern with judge habits), with bulk inserts."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from contest.core.models.contests import Category, Round
    from contest.core.models.entries import Entry
    from contest.core.models.judging import Assignment, Criterion, Rubric, Score, ScoreSheet

    session = db.session
    categories = session.scalars(select(Category.id).where(Category.contest_id == contest_id)).all()
    rubric = session.scalar(select(Rubric).where(Rubric.contest_id == contest_id))
    round_id = session.scalar(select(Round.id).where(Round.contest_id == contest_id))
    criteria = session.scalars(
        select(Criterion.id).where(Criterion.rubric_id == rubric.id).order_by(Criterion.sort_order)
    ).all()
    judges, school = build.judges, build.school
    now = datetime.now(UTC)
    entry_rows, assignment_rows, sheet_rows, score_rows = [], [], [], []
    for number in range(entries):
        entry_id = start_id + number
        entry_rows.append(
            {"id": entry_id, "category_id": categories[number % len(categories)],
             "school_id": school, "title": f"Synthetic PSA {entry_id}", "status": "ready"}
        )  # fmt: skip
        quality = (entry_id * 7919) % 5  # the entry's "true" level, 0-4
        for offset, judge in enumerate(judges):
            key = entry_id * JUDGES + offset
            assignment_rows.append(
                {"id": key, "round_id": round_id, "judge_id": judge, "entry_id": entry_id}
            )
            sheet_rows.append(
                {"id": key, "assignment_id": key, "rubric_id": rubric.id, "status": "submitted",
                 "submitted_at": now, "watched_fraction": 1.0, "watched_seconds": 60.0}
            )  # fmt: skip
            for index, criterion in enumerate(criteria):
                noise = (key * 31 + index * 17) % 3 - 1
                points = min(5, max(1, 1 + quality + noise + (offset - 1) * (index % 2)))
                score_rows.append(
                    {"id": key * CRITERIA + index, "sheet_id": key, "criterion_id": criterion,
                     "points": points}
                )  # fmt: skip
    for model, rows in (
        (Entry, entry_rows),
        (Assignment, assignment_rows),
        (ScoreSheet, sheet_rows),
        (Score, score_rows),
    ):
        session.execute(model.__table__.insert(), rows)
    session.commit()


def measure(url, runs):
    from flask_migrate import upgrade

    from config import Config
    from contest import create_app
    from contest.contests.editing import ContestDraft, create_contest
    from contest.core.extensions import db
    from contest.core.models.accounts import User
    from contest.core.models.contests import Contest
    from contest.core.models.entries import School
    from contest.results.ranking import category_results
    from tests.helpers import count_statements

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, INSTANCE_DIR=Path(tempfile.mkdtemp()))
    figures = {}
    with app.app_context():
        upgrade()
        contest = create_contest(db.session, ContestDraft(name="Benchmark Contest"))
        judges = [User(email=f"judge{n}@example.org", name=f"Judge {n}") for n in range(JUDGES)]
        school = School(name="Synthetic School")
        db.session.add_all([*judges, school])
        db.session.commit()
        build.judges, build.school = [judge.id for judge in judges], school.id
        contest_id, built = contest.id, 0
        for size in (1_000, 10_000):
            build(db, contest_id, size - built, 1 + built)
            built = size
            times = []
            for _ in range(runs):
                db.session.expire_all()
                row = db.session.get(Contest, contest_id)
                with count_statements(db.engine) as statements:
                    started = time.perf_counter()
                    results = category_results(db.session, row)
                    times.append(time.perf_counter() - started)
            ranked = sum(category.entry_count for category in results)
            alphas = [round(category.alpha, 3) for category in results]
            figures[size] = (statistics.median(times), min(times), len(statements), ranked, alphas)
        db.session.remove()
        db.engine.dispose()
    return figures


def postgres(action):
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        if action == "create":
            c.execute(f"CREATE DATABASE {DATABASE}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    for backend in arguments.backends:
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp())
            figures = measure(f"sqlite:///{folder / 'results.sqlite3'}", arguments.runs)
        else:
            postgres("create")
            try:
                figures = measure(POSTGRES_URL + DATABASE, arguments.runs)
            finally:
                postgres("drop")
        for size, (median, best, queries, ranked, alphas) in figures.items():
            print(
                f"{backend:10} {size:>6} entries ({ranked} ranked): median {median:.3f} s, "
                f"best {best:.3f} s over {arguments.runs} runs, {queries} queries, alpha {alphas}"
            )
        counts = {queries for _, _, queries, _, _ in figures.values()}
        print(f"{backend:10} query count independent of entries: {len(counts) == 1}")


if __name__ == "__main__":
    main()
