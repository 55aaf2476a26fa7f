"""The organizer's People's Choice screen: live tally, votes per hour, flags and voiding."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from contest.core.audit import AuditEvent
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.voting import Vote
from tests import factories
from tests.helpers import count_statements, csrf_token, page_text

HOUR = timedelta(hours=1)


def setup_contest(app, people, name="Vote Contest"):
    contest = factories.make_contest(app, name=name)
    first, second = contest.categories[0], contest.categories[1]
    school = people["school_a"]
    entries = {
        "kind": factories.make_entry(app, first, school, title="Be Kind Online", status="ready"),
        "lock": factories.make_entry(app, second, school, title="Lock It Down", status="ready"),
    }
    return contest, entries


def seed(app, contest, entries, start):
    """5 votes for kind over two hours, 3 for lock, 1 voided for lock; no anomaly."""
    specs = [{"entry": entries["kind"], "cast_at": start + n * HOUR / 2} for n in range(5)]
    specs += [{"entry": entries["lock"], "cast_at": start + HOUR} for _ in range(3)]
    specs.append({"entry": entries["lock"], "cast_at": start, "void_reason": "Test vote"})
    return factories.seed_votes(app, contest, specs)


def stuffing(app, contest, entry, start, how_many=25, network="f00d" * 16):
    """A burst from one network: `how_many` votes in as many seconds."""
    specs = [
        {"entry": entry, "cast_at": start + timedelta(seconds=n), "network": network}
        for n in range(how_many)
    ]
    return factories.seed_votes(app, contest, specs)


def test_the_screen_shows_the_live_tally_chart_and_voided_counts(app, login_as, people):
    contest, entries = setup_contest(app, people)
    seed(app, contest, entries, utcnow().replace(minute=0, second=0, microsecond=0) - 3 * HOUR)
    page = login_as("organizer").get(f"/vote/manage/{contest.id}")
    assert page.status_code == 200
    text = page_text(page)
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td><td>(\d+)</td>', text)
    assert rows[:2] == [
        ("Be Kind Online", contest.categories[0].name.replace("&", "&amp;"), "5"),
        ("Lock It Down", contest.categories[1].name.replace("&", "&amp;"), "3"),
    ]
    assert "8 counted votes; 1 voided." in text
    assert '<th scope="row">Test vote</th><td>1</td>' in text
    # Votes per hour: kind has 2 + 2 + 1 over three hours, lock 3 in one hour (the top).
    charts = re.findall(r'<svg class="hourly-votes".*?</svg>', text, re.S)
    assert len(charts) == 2
    assert [re.findall(r"<title>[^<]*: (\d+)</title>", chart) for chart in charts] == [
        ["2", "2", "1"],
        ["3"],
    ]
    assert "<script" not in text.split("<main", 1)[1] and " style=" not in text
    assert "No anomalies" in text


def test_the_hours_of_the_chart_read_in_the_contests_time_zone(app, login_as, people):
    contest, entries = setup_contest(app, people)
    with app.app_context():
        db.session.get(Contest, contest.id).timezone = "Pacific/Honolulu"
        db.session.commit()
    start = utcnow().replace(minute=0, second=0, microsecond=0) - 3 * HOUR
    seed(app, contest, entries, start)
    text = page_text(login_as("organizer").get(f"/vote/manage/{contest.id}"))
    honolulu = (start + HOUR).astimezone(ZoneInfo("Pacific/Honolulu"))
    assert f"<title>{honolulu:%a %d %b, %H:%M} HST: 3</title>" in text
    assert "UTC" not in text


def test_the_index_shows_the_newest_contest(app, login_as, people):
    contest, _ = setup_contest(app, people)
    assert "People's Choice: Vote Contest" in page_text(login_as("organizer").get("/vote/manage/"))
    assert contest.id


def test_a_network_burst_is_flagged_with_its_votes(app, login_as, people):
    contest, entries = setup_contest(app, people)
    seed(app, contest, entries, utcnow() - 30 * HOUR)
    burst = stuffing(app, contest, entries["lock"], utcnow() - 2 * HOUR)
    text = page_text(login_as("organizer").get(f"/vote/manage/{contest.id}"))
    assert "Burst of votes from one network: <code>" + "f00d" * 16 in text
    assert "25 votes from" in text
    assert all(receipt in text for _, receipt in burst)


def test_query_count_does_not_grow_with_votes_and_entries(app, login_as, people):
    contest, entries = setup_contest(app, people)
    client = login_as("organizer")
    url = f"/vote/manage/{contest.id}"
    seed(app, contest, entries, utcnow() - 5 * HOUR)
    stuffing(app, contest, entries["kind"], utcnow() - 20 * HOUR)
    with app.app_context(), count_statements(db.engine) as few:
        assert client.get(url).status_code == 200
    more = [
        factories.make_entry(app, contest.categories[2], people["school_b"], title=f"More {n}")
        for n in range(6)
    ]
    factories.seed_votes(
        app, contest, [{"entry": e, "cast_at": utcnow() - n * HOUR} for n, e in enumerate(more * 8)]
    )
    stuffing(app, contest, more[0], utcnow() - 40 * HOUR, network="beef" * 16)
    with app.app_context(), count_statements(db.engine) as many:
        page = client.get(url)
    assert page.status_code == 200 and page_text(page).count("<h3>Burst of votes") == 2
    assert len(many) == len(few), many


def void(client, contest, **data):
    url = f"/vote/manage/{contest.id}"
    token = csrf_token(client, url)
    fields = {f"void-{name}": value for name, value in data.items()}
    return client.post(f"{url}/void", data={"void-csrf_token": token, **fields})


def vote_row(app, receipt):
    with app.app_context():
        vote = db.session.scalar(select(Vote).where(Vote.receipt == receipt))
        db.session.expunge_all()
        return vote


def audit_events(app, action):
    with app.app_context():
        return [
            (e.subject_id, e.data, e.actor_id)
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


def test_voiding_a_vote_needs_a_reason_and_is_audited(app, login_as, people):
    contest, entries = setup_contest(app, people)
    ballots = seed(app, contest, entries, utcnow() - 3 * HOUR)
    vote_id, receipt = ballots[0]
    client = login_as("organizer")

    refused = void(client, contest, receipt=receipt, reason="   ")
    assert refused.status_code == 400
    assert "Give a reason for voiding: it is published with the tally." in page_text(refused)
    assert vote_row(app, receipt).voided_at is None
    assert audit_events(app, "vote.voided") == []

    done = void(client, contest, receipt=f" {receipt} ", reason="Same person, two addresses")
    assert done.status_code == 302
    vote = vote_row(app, receipt)
    assert vote.void_reason == "Same person, two addresses" and vote.voided_at is not None
    assert audit_events(app, "vote.voided") == [
        (
            vote_id,
            {"receipt": receipt, "entry_id": entries["kind"].id,
             "reason": "Same person, two addresses"},
            people["organizer"].id,
        )
    ]  # fmt: skip
    text = page_text(client.get(f"/vote/manage/{contest.id}"))
    assert f"Vote {receipt} voided: Same person, two addresses" in text
    assert '<th scope="row">Same person, two addresses</th><td>1</td>' in text
    assert "7 counted votes; 2 voided." in text

    again = void(client, contest, receipt=receipt, reason="Again")
    assert f"The vote {receipt!r} is already voided (Same person, two addresses)." in page_text(
        again
    ).replace("&#39;", "'")
    unknown = void(client, contest, receipt="NOPE", reason="Stuffing")
    assert unknown.status_code == 400
    assert "No vote in this contest has the receipt" in page_text(unknown)


def test_a_vote_of_another_contest_cannot_be_voided_here(app, login_as, people):
    contest, entries = setup_contest(app, people)
    other, other_entries = setup_contest(app, people, name="Other Contest")
    _, receipt = seed(app, other, other_entries, utcnow())[0]
    response = void(login_as("organizer"), contest, receipt=receipt, reason="Stuffing")
    assert response.status_code == 400
    assert vote_row(app, receipt).voided_at is None


def void_flag(client, contest, **data):
    url = f"/vote/manage/{contest.id}"
    token = csrf_token(client, url)
    fields = {f"flagged-{name}": value for name, value in data.items()}
    return client.post(f"{url}/void-flag", data={"flagged-csrf_token": token, **fields})


def test_voiding_every_vote_of_a_flag(app, login_as, people):
    contest, entries = setup_contest(app, people)
    seed(app, contest, entries, utcnow() - 30 * HOUR)
    burst = stuffing(app, contest, entries["lock"], utcnow() - 2 * HOUR)
    client = login_as("organizer")
    text = page_text(client.get(f"/vote/manage/{contest.id}"))
    ident = re.search(r'name="flagged-flag"[^>]*value="([^"]+)"', text).group(1)

    refused = void_flag(client, contest, flag=ident, reason="")
    assert refused.status_code == 400
    assert "Give a reason for voiding" in page_text(refused)
    unchosen = void_flag(client, contest, reason="Stuffing")
    assert unchosen.status_code == 400
    assert "Choose the flag to act on." in page_text(unchosen)
    assert audit_events(app, "vote.voided") == []

    done = void_flag(client, contest, flag=ident, reason="Ballot stuffing from one network")
    assert done.status_code == 302
    events = audit_events(app, "vote.voided")
    assert sorted(subject for subject, _, _ in events) == sorted(i for i, _ in burst)
    assert {data["flag"] for _, data, _ in events} == {"network_burst"}
    text = page_text(client.get(f"/vote/manage/{contest.id}"))
    assert "25 votes voided: Ballot stuffing from one network" in text
    assert '<th scope="row">Ballot stuffing from one network</th><td>25</td>' in text
    assert "No anomalies" in text  # voided votes no longer flag
    with app.app_context():  # voided, never deleted
        assert db.session.scalar(select(db.func.count(Vote.id))) == 9 + 25

    stale = void_flag(client, contest, flag=ident, reason="Again")
    assert stale.status_code == 400
    assert "That flag no longer stands" in page_text(stale)


def test_the_demo_gives_the_screen_votes_a_flag_and_voided_votes(app, runner, login_as, people):
    from devtools import demo

    assert runner.invoke(args=["demo", "--no-videos"]).exit_code == 0
    client = login_as("organizer")
    text = page_text(client.get("/vote/manage/"))
    counted = demo.DEMO_VOTES + demo.DEMO_BURST - len(demo.DEMO_VOIDED)
    assert f"{counted} counted votes; {len(demo.DEMO_VOIDED)} voided." in text
    assert text.count("<h3>Burst of votes from one network") == 1
    assert f"{demo.DEMO_BURST} votes from" in text
    assert all(f'<th scope="row">{reason}</th><td>1</td>' in text for reason in demo.DEMO_VOIDED)
