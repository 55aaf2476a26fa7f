"""Closing a judging round (issue 16): the rule proposes who moves on from the round's own
standings, the organizers change it only with reasons, the next round judges only those entries
(a conflicted judge kept out again), and only the final round's sheets give the places."""

import pytest
from sqlalchemy import select

from contest.core.audit import AuditEvent
from contest.core.errors import ValidationError, describe
from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.core.models.contests import Advancement, Contest
from contest.core.models.judging import Assignment
from contest.judging import panel, progress
from contest.results import ranking
from contest.rounds import closing


def _ids(world, *titles):
    return {world.entries[title].id for title in titles}


def test_the_rule_proposes_the_top_n_and_never_an_unscored_entry(app, two_rounds):
    with app.app_context():
        first = db.session.get(Contest, two_rounds.contest.id).rounds[0]
        [proposals] = [p for p in closing.proposal(db.session, first).values() if p]
    advancing = {p.entry for p in proposals if p.advances}
    assert advancing == _ids(two_rounds, "E1", "E2")
    unscored = next(p for p in proposals if p.entry == two_rounds.entries["E5"].id)
    assert (unscored.advances, unscored.why) == (False, "not judged in this round")


def test_a_round_closes_in_order_early_only_with_a_reason_and_once(app, two_rounds):
    with app.app_context():
        contest = db.session.get(Contest, two_rounds.contest.id)
        first, final = contest.rounds
        organizer = db.session.get(User, two_rounds.organizer.id)
        with pytest.raises(ValidationError) as out_of_order:
            closing.close_round(db.session, final, organizer, reason="Done")
        assert "Close Judging first" in describe(out_of_order.value.code, out_of_order.value.params)
        with pytest.raises(ValidationError) as early:
            closing.close_round(db.session, first, organizer)
        assert early.value.field == "reason"
        assert "say why it closes early" in describe(early.value.code, early.value.params)
        closing.close_round(db.session, first, organizer, reason="Every sheet is in")
        with pytest.raises(ValidationError):
            closing.close_round(db.session, first, organizer, reason="Again")


def test_the_organizers_change_with_reasons_and_the_finals_judge_only_who_advanced(app, two_rounds):
    e2, e3 = two_rounds.entries["E2"].id, two_rounds.entries["E3"].id
    with app.app_context():
        contest = db.session.get(Contest, two_rounds.contest.id)
        first, final = contest.rounds
        organizer = db.session.get(User, two_rounds.organizer.id)
        with pytest.raises(ValidationError) as unexplained:
            closing.close_round(db.session, first, organizer, {e3: (True, "")}, "All in")
        assert "Give a reason for “E3”" in describe(
            unexplained.value.code, unexplained.value.params
        )
        assert first.closed_at is None
        decisions = closing.close_round(
            db.session, first, organizer,
            {e3: (True, "The judges' favourite message"), e2: (False, "Uses a copyrighted song")},
            reason="Every sheet is in",
        )  # fmt: skip
        db.session.commit()
        assert {d.entry for d in decisions if d.advances} == _ids(two_rounds, "E1", "E3")
        recorded = {
            row.entry_id: (row.advances, row.changed, row.reason, row.proposed)
            for row in db.session.scalars(select(Advancement))
        }
        assert recorded[e2] == (False, True, "Uses a copyrighted song", "in the top 2")
        assert recorded[e3] == (True, True, "The judges' favourite message", "below the top 2")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.closed"))
        assert event.data["changed"] == {str(e3): "The judges' favourite message",
                                            str(e2): "Uses a copyrighted song"}  # fmt: skip

        # The finals: only the two entries, two judges each, the conflicted judge kept off E1.
        assert {e.id for e in panel.judgeable_entries(db.session, contest, final)} == _ids(
            two_rounds, "E1", "E3"
        )
        panel.assign_judges(db.session, contest, seed=1)
        db.session.commit()
        finals = db.session.scalars(select(Assignment).where(Assignment.round_id == final.id))
        given = [(a.entry_id, a.judge_id) for a in finals if not a.calibration]
        assert sorted({entry for entry, _ in given}) == sorted(_ids(two_rounds, "E1", "E3"))
        assert all(sum(1 for e, _ in given if e == entry) == 2 for entry, _ in given)
        assert (two_rounds.entries["E1"].id, two_rounds.conflicted.id) not in given
        # Only the final round's sheets give the places: none is in yet.
        assert all(not category.rows for category in ranking.category_results(db.session, contest))
        # Progress is the finals': two entries, two judges each; only they can be short.
        rows, _ = progress.judge_progress(db.session, contest)
        assert sum(row.total.assigned for row in rows) == 4
        assert progress.entries_short_of_judges(db.session, contest) == 2


def test_closing_the_final_round_closes_judging_and_moves_no_one(app, two_rounds):
    with app.app_context():
        contest = db.session.get(Contest, two_rounds.contest.id)
        first, final = contest.rounds
        organizer = db.session.get(User, two_rounds.organizer.id)
        closing.close_round(db.session, first, organizer, reason="Every sheet is in")
        assert contest.judging_close_at is None
        assert closing.close_round(db.session, final, organizer, reason="Finals done") == []
        db.session.commit()
        assert contest.judging_close_at == final.closed_at
        assert db.session.scalar(select(Contest.judging_close_at).where(
            Contest.id == contest.id)) == final.closed_at  # fmt: skip
        assert len(db.session.scalars(select(Advancement)).all()) == 5
