"""Publication rules: defaults from hand-built rankings and tallies, every tie, override and
refusal with its message, the canonical document and its digest, and freezing in Result rows."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from contest.core.audit import AuditEvent
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.models.judging import Score, ScoreSheet
from contest.core.models.results import Result
from contest.core.notices import Notice
from contest.results import choices as award_choices
from contest.results import plan as awards_plan
from contest.results import publication
from contest.results import ranking as results_ranking
from contest.results.plan import EntryFacts, PublicationProblems
from contest.results.ranking import CategoryResults, RankingRow
from contest.voting import counting
from contest.voting.tally import Tally
from tests import factories

CATEGORY = 7
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
CAPTIONS = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello\n"


def row(entry_id, place, tied=False, raw=None):
    raw = 90.0 - 10 * entry_id if raw is None else raw
    return RankingRow(
        entry_id=entry_id, title=f"E{entry_id}", school="Lincoln", sheets=3, raw=raw,
        normalised=raw + 1, interval=(raw - 5, raw + 5), place=place,
        decided_by="tie" if tied else "score", tied=tied, flip_with_next=None,
        distinct_resamples=10,
    )  # fmt: skip


def ranking(*rows):
    return CategoryResults(CATEGORY, "Cyberbullying", "normalised", list(rows), None, 3,
                           len(rows), 3 * len(rows), [])  # fmt: skip


def facts(count=6, category=CATEGORY, **changes):
    """Eligible entries 1..count; `changes` maps an entry id to fields to change."""
    made = {}
    for entry_id in range(1, count + 1):
        fields = {
            "title": f"E{entry_id}", "school_id": entry_id, "school": f"School {entry_id}",
            "category_id": category, "status": "ready", "consent_status": "approved",
            "hidden": False,
        }  # fmt: skip
        fields.update(changes.get(f"e{entry_id}", {}))
        made[entry_id] = EntryFacts(entry_id, **fields)
    return made


class FakeContest:
    """The contest attributes the rules read."""

    def __init__(self, **fields):
        self.id, self.name, self.slug = 1, "Contest 2026", "contest-2026"
        self.published_at = self.voting_open_at = self.voting_close_at = None
        self.timezone = "UTC"
        self.__dict__.update(fields)


def make_plan(rows, entries, counts=None, voided=None):
    return awards_plan.plan([ranking(*rows)], Tally(counts or {}, voided or {}), "b" * 64, entries)


def choose(plan, places=(), reason="", pc=None, pc_reason=""):
    choices = awards_plan.default_choices(plan)
    for place, entry_id in enumerate(places, start=1):
        choices[awards_plan.place_field(CATEGORY, place)] = entry_id
    choices[awards_plan.reason_field(CATEGORY)] = reason
    if pc is not None:
        choices[awards_plan.PC_ENTRY] = pc
    choices[awards_plan.PC_REASON] = pc_reason
    return choices


def problems(plan, choices, contest=None):
    with pytest.raises(PublicationProblems) as caught:
        award_choices.check_choices(contest or FakeContest(), plan, choices, now=NOW)
    return [(field, str(phrase)) for field, phrase in caught.value.problems]  # as shown


# --- defaults -----------------------------------------------------------------------------------


def test_the_clear_order_gives_1st_2nd_and_3rd():
    plan = make_plan([row(1, 1), row(2, 2), row(3, 3), row(4, 4)], facts())
    [category] = plan.categories
    assert [(s.place, s.default, s.tied_with) for s in category.slots] == [
        (1, 1, []), (2, 2, []), (3, 3, []),
    ]  # fmt: skip
    awards = award_choices.check_choices(FakeContest(), plan, choose(plan), now=NOW)
    assert [(a.place, a.entry.id, a.chosen, a.reason) for a in awards] == [
        (1, 1, "ranking", None), (2, 2, "ranking", None), (3, 3, "ranking", None),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"hidden": True}, "“E1” is hidden (taken down)."),
        ({"consent_status": "pending"}, "“E1”'s consent form is not approved (it is pending)."),
        ({"status": "processing"}, "“E1” is not ready (it is processing)."),
        ({"status": "disqualified"}, "“E1” is disqualified."),
        ({"status": "withdrawn"}, "“E1” is withdrawn."),
        ({"calibration_anchor": True}, "“E1” is a calibration anchor."),
    ],
)
def test_an_ineligible_entry_gives_way_and_cannot_be_chosen(change, why):
    plan = make_plan([row(1, 1), row(2, 2), row(3, 3), row(4, 4)], facts(e1=change))
    [category] = plan.categories
    assert [s.default for s in category.slots] == [2, 3, 4]
    assert [(r.entry_id, str(reason)) for r, reason in category.left_out] == [(1, why)]
    assert problems(plan, choose(plan, [1, 3, 4], reason="Because.")) == [
        ("c7_place1", f"{why} It cannot win.")
    ]


def test_fewer_than_three_eligible_entries_give_fewer_places():
    plan = make_plan([row(1, 1), row(2, 2), row(3, 3)], facts(e3={"hidden": True}))
    assert len(plan.categories[0].slots) == 2
    awards = award_choices.check_choices(FakeContest(), plan, choose(plan), now=NOW)
    assert [(a.place, a.entry.id) for a in awards] == [(1, 1), (2, 2)]
    assert problems(plan, choose(plan, [1, 2, 3])) == [
        ("c7_place3", "Cyberbullying has 2 eligible ranked entries, so no 3rd place.")
    ]


def test_a_missing_place_is_refused_when_the_category_has_enough_entries():
    plan = make_plan([row(1, 1), row(2, 2), row(3, 3)], facts())
    assert problems(plan, choose(plan, [1, 2, None])) == [
        ("c7_place3", "Choose the 3rd place in Cyberbullying.")
    ]


def test_a_declared_tie_leaves_its_places_to_the_organizer_with_a_reason():
    rows = [row(1, 1), row(2, 2, tied=True), row(3, 2, tied=True), row(4, 4)]
    plan = make_plan(rows, facts())
    assert [(s.default, s.tied_with) for s in plan.categories[0].slots] == [
        (1, []), (None, [2, 3]), (None, [2, 3]),
    ]  # fmt: skip
    tie = "“E2” and “E3” are tied, choose their order."
    assert problems(plan, choose(plan)) == [
        ("c7_place2", f"Choose the 2nd place in Cyberbullying: {tie}"),
        ("c7_place3", f"Choose the 3rd place in Cyberbullying: {tie}"),
    ]
    assert problems(plan, choose(plan, [1, 3, 2])) == [
        ("c7_reason", "Give the reason for 2nd: resolving the tie between “E2” and “E3”; 3rd: "
                      "resolving the tie between “E2” and “E3” in Cyberbullying: it is published "
                      "with the results.")
    ]  # fmt: skip
    awards = award_choices.check_choices(
        FakeContest(), plan, choose(plan, [1, 3, 2], reason="  Stronger message.  "), now=NOW
    )
    assert [(a.entry.id, a.chosen, a.reason) for a in awards] == [
        (1, "ranking", None), (3, "tie resolved", "Stronger message."),
        (2, "tie resolved", "Stronger message."),
    ]  # fmt: skip
    document = awards[1].document()
    assert document["tie_reason"] == "Stronger message." and "override_reason" not in document


def test_a_tie_for_3rd_with_the_4th_touches_only_3rd_and_one_below_touches_nothing():
    rows = [row(1, 1), row(2, 2), row(3, 3, tied=True), row(4, 3, tied=True)]
    slots = make_plan(rows, facts()).categories[0].slots
    assert [(s.default, s.tied_with) for s in slots] == [(1, []), (2, []), (None, [3, 4])]
    rows = [row(1, 1), row(2, 2), row(3, 3), row(4, 4, tied=True), row(5, 4, tied=True)]
    assert [s.default for s in make_plan(rows, facts()).categories[0].slots] == [1, 2, 3]


def test_a_tie_broken_by_an_ineligible_partner_is_clear():
    rows = [row(1, 1, tied=True), row(2, 1, tied=True), row(3, 3)]
    slots = make_plan(rows, facts(e2={"hidden": True})).categories[0].slots
    assert [(s.default, s.tied_with) for s in slots] == [(1, []), (3, [])]


def test_choosing_against_the_ranking_is_an_override_that_needs_a_reason():
    plan = make_plan([row(1, 1), row(2, 2), row(3, 3), row(4, 4)], facts())
    assert problems(plan, choose(plan, [2, 1, 4])) == [
        ("c7_reason", "Give the reason for 1st: choosing “E2” instead of “E1”; 2nd: choosing “E1” "
                      "instead of “E2”; 3rd: choosing “E4” instead of “E3” in Cyberbullying: it "
                      "is published with the results.")
    ]  # fmt: skip
    awards = award_choices.check_choices(
        FakeContest(), plan, choose(plan, [2, 1, 4], reason="Late consent fix."), now=NOW
    )
    assert [(a.entry.id, a.chosen, a.instead_of) for a in awards] == [
        (2, "override", [1]), (1, "override", [2]), (4, "override", [3]),
    ]  # fmt: skip
    assert awards[0].document()["override_reason"] == "Late consent fix."


def test_entries_outside_the_category_unranked_or_chosen_twice_are_refused():
    entries = facts(7)
    entries[6] = EntryFacts(6, "Other", 6, "School 6", CATEGORY + 1, "ready", "approved", False)
    plan = make_plan([row(1, 1), row(2, 2), row(3, 3)], entries)
    assert problems(plan, choose(plan, [6, 99, 7], reason="x")) == [
        ("c7_place1", "That entry is not in Cyberbullying."),
        ("c7_place2", "That entry is not in Cyberbullying."),
        ("c7_place3", "“E7” has no counted score sheet, so it has no place to win."),
    ]
    assert problems(plan, choose(plan, [1, 1, 3], reason="x")) == [
        ("c7_place2", "“E1” is chosen for both 1st and 2nd place in Cyberbullying.")
    ]


# --- People's Choice ----------------------------------------------------------------------------


def pc_award(plan, **kwargs):
    awards = award_choices.check_choices(FakeContest(), plan, choose(plan, **kwargs), now=NOW)
    return [a for a in awards if a.award == "peoples_choice"]


def test_the_peoples_choice_defaults_to_the_leader_of_the_counted_votes():
    plan = make_plan([row(1, 1)], facts(), counts={2: 5, 3: 4}, voided={"duplicate": 9})
    assert plan.peoples_choice.default == 2
    [award] = pc_award(plan)
    assert (award.entry.id, award.chosen, award.reason) == (2, "votes", None)
    assert award.figures == {
        "votes": 5, "counted": 9, "voided": {"duplicate": 9}, "ballot_sha256": "b" * 64,
    }  # fmt: skip


def test_a_tie_at_the_top_or_another_choice_needs_a_reason():
    plan = make_plan([row(1, 1)], facts(), counts={2: 5, 3: 5, 4: 1})
    assert (plan.peoples_choice.default, plan.peoples_choice.tied_with) == (None, [2, 3])
    assert problems(plan, choose(plan)) == [
        ("pc_entry", "Choose the People's Choice winner: 11 votes were counted.")
    ]
    assert problems(plan, choose(plan, pc=3)) == [
        ("pc_reason", "Give the reason for resolving the tie between “E2” and “E3”: it is "
                      "published with the results.")
    ]  # fmt: skip
    assert [(a.chosen, a.reason) for a in pc_award(plan, pc=3, pc_reason="Coin toss")] == [
        ("tie resolved", "Coin toss")
    ]
    assert problems(plan, choose(plan, pc=4)) == [
        ("pc_reason", "Give the reason for choosing “E4” instead of “E2” and “E3”: it is "
                      "published with the results.")
    ]  # fmt: skip
    [award] = pc_award(plan, pc=4, pc_reason="Votes for E2 and E3 were bought.")
    assert award.document()["override_reason"] == "Votes for E2 and E3 were bought."


def test_votes_for_an_ineligible_entry_give_no_default_and_it_cannot_be_chosen():
    plan = make_plan([row(1, 1)], facts(e2={"hidden": True}), counts={2: 9, 3: 4})
    assert plan.peoples_choice.default == 3
    assert [(i, str(why)) for i, why in plan.peoples_choice.left_out] == [
        (2, "“E2” is hidden (taken down).")
    ]
    assert problems(plan, choose(plan, pc=2, pc_reason="x")) == [
        ("pc_entry", "“E2” is hidden (taken down). It cannot win.")
    ]


def test_choosing_when_every_voted_entry_is_ineligible_needs_a_reason():
    plan = make_plan([row(1, 1)], facts(e2={"hidden": True}), counts={2: 9})
    assert (plan.peoples_choice.default, plan.peoples_choice.tied_with) == (None, [])
    assert problems(plan, choose(plan, pc=3)) == [
        ("pc_reason", "Give the reason for choosing “E3”, which does not lead the counted votes: "
                      "it is published with the results.")
    ]  # fmt: skip


def test_no_counted_vote_means_no_peoples_choice_award():
    plan = make_plan([row(1, 1)], facts(), voided={"disposable address": 3})
    assert pc_award(plan) == []
    assert problems(plan, choose(plan, pc=1)) == [
        ("pc_entry", "No vote was counted, so there is no People's Choice award.")
    ]


def test_publication_waits_for_voting_to_close():
    plan = make_plan([row(1, 1)], facts())
    open_ = FakeContest(voting_open_at=NOW - timedelta(days=2), voting_close_at=NOW + timedelta(1),
                        timezone="Pacific/Honolulu")  # fmt: skip
    # In the contest's zone, as every time an organizer reads (it said "12:00 UTC").
    assert problems(plan, choose(plan), open_) == [
        (None, "Voting is still open (it closes Tue 02 Jun 2026, 02:00 HST): publish once it "
               "has closed, so the People's Choice count is final.")
    ]  # fmt: skip
    endless = FakeContest(voting_open_at=NOW - timedelta(days=2))
    assert problems(plan, choose(plan), endless) == [
        (None, "Voting has no closing time: set one, and publish once it has passed.")
    ]
    closed = FakeContest(voting_open_at=NOW - timedelta(2), voting_close_at=NOW - timedelta(1))
    assert len(award_choices.check_choices(closed, plan, choose(plan), now=NOW)) == 1


def test_already_published_or_nothing_to_publish_is_refused():
    plan = make_plan([row(1, 1)], facts())
    assert problems(plan, choose(plan), FakeContest(published_at=NOW)) == [
        (None, "These results are already published: un-publish them first.")
    ]
    empty = make_plan([], facts())
    assert problems(empty, choose(empty)) == [
        (None, "Nothing to publish: no category has an eligible ranked entry and no vote was "
               "counted.")
    ]  # fmt: skip


# --- against the database: publish, freeze, un-publish ------------------------------------------


def make_ready(app, small_contest):
    """small_contest with consent approved and captions for E1-E3, and a teacher at their school."""
    contest, entries, judges, rubric = small_contest
    with app.app_context():
        for title in ("E1", "E2", "E3"):
            entry = db.session.get(Entry, entries[title].id)
            entry.consent_status = "approved"
            entry.captions_asset_id = factories.store_asset(CAPTIONS, "text/vtt").id
        # Judging is over: closed, E1-E3 hold their three judges' sheets, and "Anchor" is the
        # calibration anchor its calibration sheet says it is (never in the running).
        db.session.get(Entry, entries["Anchor"].id).calibration_anchor = True
        db.session.get(Contest, contest.id).judging_close_at = utcnow() - timedelta(days=1)
        db.session.commit()
    teacher = factories.make_user(
        app, roles=[("teacher", entries["E1"].school_id)], email="lincoln.teacher@example.org"
    )
    return contest, entries, judges, rubric, teacher


@pytest.fixture
def ready_contest(app, small_contest):
    return make_ready(app, small_contest)


def canonical(document):
    """The canonical form, written out independently of the code under test."""
    data = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return data.encode("utf-8")


def publish(session, contest, organizer, **changes):
    contest = session.get(Contest, contest.id)
    tally, _, ballot_sha = counting.contest_tally(session, contest)
    plan = awards_plan.plan(
        results_ranking.category_results(session, contest),
        tally,
        ballot_sha,
        awards_plan.entry_facts(session, contest),
    )
    choices = {**awards_plan.default_choices(plan), **changes}
    awards = award_choices.check_choices(contest, plan, choices)
    data, sha = publication.publish_results(session, organizer, contest, awards)
    session.commit()
    return plan, data, sha


def test_publishing_freezes_results_with_a_digest_anyone_can_recompute(app, session, ready_contest):
    contest, entries, judges, rubric, teacher = ready_contest
    factories.seed_votes(
        app, contest,
        [{"entry": entries["E2"]}] * 3 + [{"entry": entries["E3"]}]
        + [{"entry": entries["E1"], "void_reason": "duplicate address"}] * 4,
    )  # fmt: skip
    organizer = factories.add_user(session, roles=["admin"])
    plan, data, sha = publish(session, contest, organizer)

    results = session.scalars(select(Result).order_by(Result.id)).all()
    assert [(r.award, r.place, r.entry_id) for r in results] == [
        ("place", 1, entries["E1"].id), ("place", 2, entries["E2"].id),
        ("place", 3, entries["E3"].id), ("peoples_choice", None, entries["E2"].id),
    ]  # fmt: skip
    assert {r.digest for r in results} == {sha}
    assert session.get(Contest, contest.id).published_at == results[0].published_at

    payload = publication.published_payload(session, session.get(Contest, contest.id))
    assert canonical(payload) == data
    assert hashlib.sha256(canonical(payload)).hexdigest() == sha
    assert payload["contest"] == {"id": contest.id, "name": "Small Contest", "slug": contest.slug}
    assert payload["awards"] == [r.figures for r in results]
    first = payload["awards"][0]
    assert first["title"] == "E1" and first["school"] == "Lincoln High"
    assert first["figures"]["raw"] == pytest.approx(250 / 3)
    assert first["figures"]["ranked_by"] == "normalised"
    assert first["figures"]["decided_by"] == "score"
    low, high = first["figures"]["interval_90"]
    assert low <= first["figures"]["normalised"] <= high
    # The People's Choice slot from the real votes: voided ones are reported, never counted.
    _, ballots, ballot_sha = counting.contest_tally(session, session.get(Contest, contest.id))
    assert payload["awards"][3]["figures"] == {
        "votes": 3, "counted": 4, "voided": {"duplicate address": 4},
        "ballot_sha256": hashlib.sha256(ballots).hexdigest(),
    }  # fmt: skip
    assert ballot_sha == hashlib.sha256(ballots).hexdigest()

    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "contest.published"))
    assert (event.actor_id, event.data["digest"], event.data["overrides"]) == (
        organizer.id,
        sha,
        [],
    )
    notices = session.scalars(select(Notice).order_by(Notice.id)).all()
    assert [n.message for n in notices if n.kind == "results.published"] == [
        "“E1” won 1st place in Cyberbullying in Small Contest. Congratulations!",
        "“E2” won 2nd place in Cyberbullying in Small Contest. Congratulations!",
        "“E3” won 3rd place in Cyberbullying in Small Contest. Congratulations!",
        "“E2” won the People's Choice award in Small Contest. Congratulations!",
    ]


def test_later_sheets_and_votes_do_not_change_the_frozen_results(app, session, ready_contest):
    contest, entries, judges, rubric, _ = ready_contest
    factories.seed_votes(app, contest, [{"entry": entries["E2"]}])
    organizer = factories.add_user(session, roles=["admin"])
    _, data, sha = publish(session, contest, organizer)
    before = [(r.entry_id, r.place, r.figures) for r in session.scalars(select(Result))]

    # E3 now tops every sheet, and takes the vote lead.
    for score in session.scalars(
        select(Score).join(ScoreSheet).where(ScoreSheet.status == "submitted")
    ):
        score.points = 4 if score.sheet.assignment.entry_id == entries["E3"].id else 0
    session.commit()
    factories.seed_votes(app, contest, [{"entry": entries["E3"]}] * 5)
    session.expire_all()
    live = results_ranking.category_results(session, session.get(Contest, contest.id))
    assert live[0].rows[0].entry_id == entries["E3"].id  # the live ranking moved...

    after = [(r.entry_id, r.place, r.figures) for r in session.scalars(select(Result))]
    assert after == before  # ...the published results did not
    payload = publication.published_payload(session, session.get(Contest, contest.id))
    assert canonical(payload) == data and {r.digest for r in session.scalars(select(Result))} == {
        sha
    }


def test_publish_unpublish_and_publish_again_are_audited(session, ready_contest):
    contest, entries, *_ = ready_contest
    organizer = factories.add_user(session, roles=["admin"])
    _, first_data, first_sha = publish(session, contest, organizer)
    row = session.get(Contest, contest.id)

    with pytest.raises(publication.ValidationError, match="already published"):
        publication.publish_results(session, organizer, row, [])
    session.rollback()
    with pytest.raises(publication.ValidationError, match="Give the reason for un-publishing"):
        publication.unpublish_results(session, organizer, row, "  ")

    publication.unpublish_results(session, organizer, row, "A score sheet was mis-keyed.")
    session.commit()
    assert session.scalars(select(Result)).all() == []
    assert row.published_at is None and publication.published_payload(session, row) is None
    with pytest.raises(publication.ValidationError, match="not published"):
        publication.unpublish_results(session, organizer, row, "Again.")
    session.rollback()

    _, second_data, second_sha = publish(
        session, contest, organizer,
        **{awards_plan.place_field(entries["E1"].category_id, 1): entries["E2"].id,
           awards_plan.place_field(entries["E1"].category_id, 2): entries["E1"].id,
           awards_plan.reason_field(entries["E1"].category_id): "E1 broke the rules."},
    )  # fmt: skip
    assert second_sha != first_sha
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(("contest.published", "contest.unpublished")))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        "contest.published", "contest.unpublished", "contest.published",
    ]  # fmt: skip
    withdrawn = events[1].data
    assert withdrawn["reason"] == "A score sheet was mis-keyed."
    assert withdrawn["digest"] == first_sha
    assert canonical(withdrawn["payload"]) == first_data
    assert [(o["award"], o["chosen"], o["reason"]) for o in events[2].data["overrides"]] == [
        ("1st place in Cyberbullying", "override", "E1 broke the rules."),
        ("2nd place in Cyberbullying", "override", "E1 broke the rules."),
    ]
    assert hashlib.sha256(canonical(events[2].data["payload"])).hexdigest() == second_sha
