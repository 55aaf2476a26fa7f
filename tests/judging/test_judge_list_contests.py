"""The judge's list is about the contests still being judged ("28 of 45 done" counted last
year's sheets): finished contests' sheets are shown apart and never counted, and a newer contest
(next year's, set up early) hides no sheet that is still open."""

import re
from datetime import datetime, timedelta

from contest.core.extensions import db
from tests import factories
from tests.helpers import page_text


def _assign(app, judge, *entries):
    with app.app_context():
        db.session.add_all(
            factories.assignment_row(db.session, judge.id, entry.id) for entry in entries
        )
        db.session.commit()


def test_the_judges_list_counts_the_current_contest_only(app, people, login_as):
    school = factories.make_school(app, name="Kalani High")
    judged = datetime.now().replace(microsecond=0) - timedelta(days=300)
    last_year = factories.make_contest(
        app, name="Safety Awards 2025", phases={"judging_close_at": judged}
    )
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


def test_a_newer_contest_hides_no_sheet_still_open(app, people, login_as):
    school = factories.make_school(app, name="Kalani High")
    closes = datetime.now().replace(microsecond=0) + timedelta(days=5)
    this_year = factories.make_contest(
        app, name="Safety Awards 2026", phases={"judging_close_at": closes}
    )
    entries = [
        factories.make_entry(app, this_year.categories[0], school, status="ready", title=title)
        for title in ("Open One", "Open Two")
    ]
    factories.make_contest(app, name="Safety Awards 2027")  # set up early, nothing to judge yet
    _assign(app, people["judge"], *entries)

    text = page_text(login_as("judge").get("/judging/"))

    assert "0 of 2 done" in text
    assert "Past contests" not in text
    assert "Safety Awards 2026" in text and "Open One" in text and "Open Two" in text


def test_sheets_of_two_contests_being_judged_are_both_current_and_named(app, people, login_as):
    school = factories.make_school(app, name="Kalani High")
    first = factories.make_contest(app, name="North District Awards")
    second = factories.make_contest(app, name="South District Awards")
    north = factories.make_entry(app, first.categories[0], school, status="ready", title="North")
    south = factories.make_entry(app, second.categories[0], school, status="ready", title="South")
    _assign(app, people["judge"], north, south)

    text = page_text(login_as("judge").get("/judging/"))

    assert "0 of 2 done" in text and "Past contests" not in text
    rows = re.findall(r"<tr>.*?</tr>", text, re.S)
    for contest, title in (("North District Awards", "North"), ("South District Awards", "South")):
        [row] = [row for row in rows if f">{title}</a>" in row]
        assert contest in row, row
