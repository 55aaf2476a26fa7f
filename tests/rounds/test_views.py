"""The organizer's rounds screens (issue 16): add, change and remove rounds with clear refusals,
and close a round on a page that shows the rule's proposal and takes changes with reasons."""

from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.contests import Advancement, Contest, Round
from tests import factories
from tests.helpers import page_text, role_client, submit

ROUND = {"name": "Finals", "mode": "rubric", "judges_per_entry": "2", "rule": "top",
         "rule_top": "3", "at_the_cut": "chain", "opens_at": "", "closes_at": ""}  # fmt: skip


def _rounds(app, contest_id):
    with app.app_context():
        contest = db.session.get(Contest, contest_id)
        return [(r.position, r.name, r.judges_per_entry, r.rule) for r in contest.rounds]


def test_an_organizer_adds_changes_and_removes_a_round(app, login_as):
    contest = factories.make_contest(app, name="Rounds Screen", timezone="Pacific/Honolulu")
    client = role_client(app, login_as, "contest_organizer", contest.id)
    url = f"/admin/rounds/{contest.id}"
    assert "1. Judging" in page_text(client.get(url))

    added = submit(client, url, {**ROUND, "closes_at": "2027-05-01T17:00"})
    assert added.status_code == 302
    assert "Finals is round 2." in page_text(client.get(url))
    assert _rounds(app, contest.id) == [(1, "Judging", 3, "top"), (2, "Finals", 2, "top")]
    with app.app_context():
        finals = db.session.scalar(select(Round).where(Round.name == "Finals"))
        # Entered in Honolulu's time; the contest's judging closes with its final round.
        assert finals.closes_at.isoformat() == "2027-05-02T03:00:00+00:00"
        assert db.session.get(Contest, contest.id).judging_close_at == finals.closes_at

    edit = f"/admin/rounds/round/{finals.id}"
    assert 'value="Finals"' in client.get(edit).get_data(as_text=True)
    changed = submit(client, edit, {**ROUND, "name": "Grand Final", "rule": "pick"})
    assert changed.status_code == 302
    assert _rounds(app, contest.id)[1] == (2, "Grand Final", 2, "pick")

    removed = submit(client, f"{edit}/remove", {}, page=url)
    assert removed.status_code == 302
    assert _rounds(app, contest.id) == [(1, "Judging", 3, "top")]
    with app.app_context():
        only = db.session.get(Contest, contest.id).rounds[0].id
    submit(client, f"/admin/rounds/round/{only}/remove", {}, page=url)
    assert "is the contest&#39;s only round" in page_text(client.get(url))
    assert len(_rounds(app, contest.id)) == 1


def test_a_bad_round_is_refused_with_its_reason_and_nothing_saved(app, login_as):
    contest = factories.make_contest(app, name="Bad Rounds")
    client = role_client(app, login_as, "contest_organizer", contest.id)
    url = f"/admin/rounds/{contest.id}"
    with app.app_context():
        first = db.session.get(Contest, contest.id).rounds[0]
        first.closes_at = factories.utcnow().replace(year=2027, month=3, day=1)
        db.session.commit()
    cases = {
        "Give the round a name": {**ROUND, "name": "  "},
        "Judges per entry must be between 1 and 20.": {**ROUND, "judges_per_entry": "0"},
        "Say how many entries of each category advance": {**ROUND, "rule_top": ""},
        "Say the score an entry needs to advance.": {**ROUND, "rule": "threshold"},
        "The round must close after it opens.": {
            **ROUND,
            "opens_at": "2027-04-01T10:00",
            "closes_at": "2027-03-30T10:00",
        },
        "This round opens before Judging closes": {**ROUND, "opens_at": "2027-02-01T10:00"},
    }
    for words, data in cases.items():
        refused = submit(client, url, data)
        assert refused.status_code == 400, words
        assert words in page_text(refused), words
    assert len(_rounds(app, contest.id)) == 1


def test_closing_a_round_on_its_page_records_changes_with_reasons(app, login_as, two_rounds):
    client = role_client(app, login_as, "contest_organizer", two_rounds.contest.id)
    e2, e3 = two_rounds.entries["E2"].id, two_rounds.entries["E3"].id
    with app.app_context():
        first = db.session.get(Contest, two_rounds.contest.id).rounds[0].id
    url = f"/admin/rounds/round/{first}/close"
    page = page_text(client.get(url))
    assert "By the round's rule the best 2 of each category move on" in page
    assert "in the top 2" in page and "not judged in this round" in page

    ticked = {f"advance-{two_rounds.entries['E1'].id}": "y", f"advance-{e3}": "y"}
    unexplained = submit(client, url, {**ticked, "reason": "All sheets are in"})
    assert unexplained.status_code == 400
    assert "Give a reason for “E2”" in page_text(unexplained)
    early = submit(client, url, {**ticked, f"reason-{e2}": "Music", f"reason-{e3}": "Strong"})
    assert early.status_code == 400
    assert "say why it closes early" in page_text(early)

    reasons = {f"reason-{e2}": "Uses a copyrighted song", f"reason-{e3}": "The judges' favourite"}
    closed = submit(client, url, {**ticked, **reasons, "reason": "All in"})
    assert closed.status_code == 302
    assert "Judging is closed: 2 entries move on." in page_text(
        client.get(closed.headers["Location"])
    )
    with app.app_context():
        moved = {row.entry_id: (row.advances, row.reason) for row in db.session.scalars(
            select(Advancement))}  # fmt: skip
    assert moved[e2] == (False, "Uses a copyrighted song")
    assert moved[e3] == (True, "The judges' favourite")


def test_the_contest_form_says_its_judging_fields_are_the_final_rounds(app, login_as, two_rounds):
    client = role_client(app, login_as, "admin")
    page = page_text(client.get(f"/admin/contests/{two_rounds.contest.id}/edit"))
    assert "judges in 2 rounds" in page and "its final round's (Finals)" in page
    one = factories.make_contest(app)
    assert "judges in" not in page_text(client.get(f"/admin/contests/{one.id}/edit"))
