"""The judge's list is about the current contest ("28 of 45 done" counted last year's sheets):
past contests' sheets are shown apart and never counted."""

from contest.core.extensions import db
from contest.core.models.judging import Assignment
from tests import factories
from tests.helpers import page_text


def _assign(app, judge, *entries):
    with app.app_context():
        db.session.add_all(Assignment(judge_id=judge.id, entry_id=entry.id) for entry in entries)
        db.session.commit()


def test_the_judges_list_counts_the_current_contest_only(app, people, login_as):
    school = factories.make_school(app, name="Kalani High")
    last_year = factories.make_contest(app, name="Safety Awards 2025")
    old = [
        factories.make_entry(app, last_year.categories[0], school, status="ready", title=title)
        for title in ("Old One", "Old Two")
    ]
    this_year = factories.make_contest(app, name="Safety Awards 2026")
    new = factories.make_entry(app, this_year.categories[0], school, status="ready", title="New")
    _assign(app, people["judge"], *old, new)

    text = page_text(login_as("judge").get("/judging/"))

    assert "0 of 1 done" in text
    current, past = text.split("Past contests", 1)
    assert "New" in current and "Old One" not in current
    assert "Safety Awards 2025" in past and "Old One" in past and "Old Two" in past
