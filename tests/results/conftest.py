"""A small contest for the results tests: three judges on three entries, with sheets that must
not count."""

import pytest

from contest.core.extensions import db
from contest.core.models.entries import Entry
from tests import factories

# On the test rubric (Message weight 3, Craft weight 1, both 0-4) a sheet scores
# (3 * message + craft) * 6.25.
PANEL = {
    "a": {"E1": (4, 4), "E2": (2, 2), "E3": (0, 0)},  # 100, 50, 0
    "b": {"E1": (4, 0), "E2": (2, 2), "E3": (1, 1)},  # 75, 50, 25
    "c": {"E1": (3, 3), "E2": (3, 3), "E3": (2, 2)},  # 75, 75, 50
}


@pytest.fixture
def small_contest(app):
    """Three judges on three entries of the first category, plus sheets that must not count."""
    contest = factories.make_contest(app, name="Small Contest")
    rubric = factories.make_rubric(
        app,
        contest,
        version=2,
        criteria=[
            {"name": "Message", "weight": 3.0, "min_points": 0, "max_points": 4},
            {"name": "Craft", "weight": 1.0, "min_points": 0, "max_points": 4},
        ],
    )
    category = contest.categories[0]
    school = factories.make_school(app, name="Lincoln High")
    entries = {
        title: factories.make_entry(app, category, school, title=title, status="ready")
        for title in ("E1", "E2", "E3", "Anchor", "Gone")
    }
    judges = {
        name: factories.make_user(app, roles=["judge"], name=f"Judge {name.upper()}")
        for name in "abc"
    }
    for name, sheets in PANEL.items():
        for title, points in sheets.items():
            factories.make_sheet(
                app, judges[name], entries[title], rubric, points, watched_fraction=0.5
            )
    # none of these count: a calibration anchor, a draft, a reopened sheet, a withdrawn entry
    factories.make_sheet(app, judges["a"], entries["Anchor"], rubric, (4, 4), calibration=True)
    factories.make_sheet(app, judges["b"], entries["Anchor"], rubric, (0, 0), status="draft")
    factories.make_sheet(app, judges["c"], entries["Anchor"], rubric, (1, 1), status="reopened")
    factories.make_sheet(app, judges["a"], entries["Gone"], rubric, (4, 4))
    with app.app_context():
        db.session.get(Entry, entries["Gone"].id).status = "withdrawn"
        db.session.commit()
    return contest, entries, judges, rubric
