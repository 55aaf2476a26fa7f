"""The contest's calendar rules and the entry rules, in Python and in SQL alike."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from contest.core import rules
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models import Entry
from contest.core.statuses import ConsentStatus, EntryStatus
from tests.factories import make_contest, make_entry, make_school

NOW = utcnow()
HOUR = timedelta(hours=1)


def contest(**offsets):
    times = dict.fromkeys(
        (
            "submissions_open_at",
            "submissions_close_at",
            "judging_close_at",
            "voting_open_at",
            "voting_close_at",
            "published_at",
        )
    )
    times.update({name: NOW + hours * HOUR for name, hours in offsets.items()})
    return SimpleNamespace(**times)


@pytest.mark.parametrize(
    ("offsets", "phase"),
    [
        ({}, rules.Phase.UPCOMING),
        ({"submissions_open_at": 1}, rules.Phase.UPCOMING),
        ({"submissions_open_at": -1}, rules.Phase.SUBMISSIONS),
        ({"submissions_open_at": -2, "submissions_close_at": -1}, rules.Phase.JUDGING),
        ({"submissions_close_at": -2, "voting_open_at": -1}, rules.Phase.VOTING),
        ({"submissions_close_at": -3, "voting_open_at": -2, "voting_close_at": -1}, "judging"),
        ({"voting_open_at": -2, "published_at": -1}, rules.Phase.WINNERS),
        ({"submissions_close_at": -2, "published_at": 1}, rules.Phase.JUDGING),
    ],
)
def test_phase(offsets, phase):
    assert rules.phase(contest(**offsets), NOW) == phase


@pytest.mark.parametrize(
    ("offsets", "state", "final"),
    [
        ({}, rules.Voting.NOT_OPEN, True),
        ({"voting_open_at": 1}, rules.Voting.NOT_OPEN, False),
        ({"voting_open_at": -1}, rules.Voting.OPEN, False),
        ({"voting_open_at": -1, "voting_close_at": 1}, rules.Voting.OPEN, False),
        ({"voting_open_at": -2, "voting_close_at": -1}, rules.Voting.CLOSED, True),
        ({"voting_open_at": -2, "published_at": -1}, rules.Voting.CLOSED, False),
    ],
)
def test_voting_window(offsets, state, final):
    assert rules.voting(contest(**offsets), NOW) == state
    assert rules.voting_final(contest(**offsets), NOW) is final


def test_a_later_extension_moves_a_schools_deadline_and_an_earlier_one_does_not():
    c = contest(submissions_open_at=-5, submissions_close_at=-1)
    assert not rules.submissions_open(c, NOW)
    assert rules.submissions_open(c, NOW, extension=NOW + HOUR)
    assert rules.submission_deadline(c, NOW - 2 * HOUR) == c.submissions_close_at


def test_judging_closes_at_its_time_or_with_publication():
    assert not rules.judging_closed(contest(), NOW)
    assert not rules.judging_closed(contest(judging_close_at=1), NOW)
    assert rules.judging_closed(contest(judging_close_at=-1), NOW)
    assert rules.judging_closed(contest(published_at=-1), NOW)


CASES = [
    # status, consent, hidden, anchor -> in running, judgeable, shown, awardable
    (EntryStatus.READY, ConsentStatus.APPROVED, False, False, (True, True, True, True)),
    (EntryStatus.READY, ConsentStatus.APPROVED, False, True, (True, True, True, False)),
    (EntryStatus.READY, ConsentStatus.APPROVED, True, False, (True, False, False, False)),
    (EntryStatus.READY, ConsentStatus.PENDING, False, False, (True, True, False, False)),
    (EntryStatus.PROCESSING, ConsentStatus.APPROVED, False, False, (True, False, False, False)),
    (EntryStatus.WITHDRAWN, ConsentStatus.APPROVED, False, False, (False, False, False, False)),
    (EntryStatus.REJECTED, ConsentStatus.APPROVED, False, False, (False, False, False, False)),
]
RULES = ("in_running", "judgeable", "shown", "awardable")


def test_entry_rules_agree_in_python_and_in_sql(app):
    first, second = make_contest(app), make_contest(app)
    school = make_school(app)
    made = {}
    for status, consent, hidden, anchor, expected in CASES:
        entry = make_entry(
            app,
            first.categories[0],
            school,
            status=status,
            status_reason="why" if status == EntryStatus.REJECTED else None,
            consent_status=consent,
            hidden_at=NOW if hidden else None,
            hidden_reason="taken down" if hidden else None,
            calibration_anchor=anchor,
        )
        made[entry.id] = expected
    other = make_entry(app, second.categories[0], school).id
    with app.app_context():
        rows = db.session.scalars(select(Entry).where(Entry.id.in_(made))).all()
        for entry in rows:
            assert tuple(getattr(entry, rule) for rule in RULES) == made[entry.id]
            assert entry.contest.id == entry.contest_id == first.id
        for index, rule in enumerate(RULES):
            matched = set(db.session.scalars(select(Entry.id).where(getattr(Entry, rule))))
            assert matched - {other} == {i for i, expected in made.items() if expected[index]}
        in_first = set(db.session.scalars(select(Entry.id).where(Entry.contest_id == first.id)))
        assert in_first == set(made)
