"""A server killed (SIGKILL, master and workers at once) in the middle of voting: no confirmed
vote is lost. The app runs as gunicorn processes on the test database; voters are HTTP clients
with their own cookies, as browsers are. After the restart every receipt a voter was shown is in
the database and the ballot file, each voter's receipt page still shows it, a code mailed before
the crash still works, and a voter whose confirmation was cut off can send it again and ends up
with exactly one vote."""

import csv
import io
import re
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import requests
from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.voting import Vote
from tests import factories
from tests.factories import make_voting_contest

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECEIPT = re.compile(r'class="receipt">([^<]+)<')


class Voter:
    """One voter's browser: a cookie session that asks for a code and confirms it."""

    def __init__(self, server, number, entry):
        self.server = server
        self.email = f"voter{number}@school{number % 3}.example.org"
        self.entry = entry
        self.browser = requests.Session()
        self.code = None
        self.answered = False
        self.receipt = None  # the receipt shown to the voter, once one was

    def page(self, path):
        response = self.browser.get(f"{self.server.url}{path}", timeout=30)
        assert response.status_code == 200, (path, response.status_code)
        return response.text

    def ask_code(self):
        token = CSRF.search(self.page(f"/vote/entry/{self.entry.id}")).group(1)
        sent = self.browser.post(
            f"{self.server.url}/vote/entry/{self.entry.id}",
            data={"email": self.email, "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
        assert sent.status_code == 302, sent.text
        mail = self.server.mail_to(self.email)  # sent by the job worker, after the commit
        self.code = re.search(r"Your code: (\d{6})", mail.get_content()).group(1)

    def confirm(self):
        """Send the code, then open the receipt page it leads to; that page's text. Raises
        requests' errors if the server goes away meanwhile."""
        token = CSRF.search(self.page("/vote/code")).group(1)
        sent = self.browser.post(
            f"{self.server.url}/vote/code",
            data={"code": self.code, "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
        assert sent.status_code == 302, sent.text
        self.answered = True  # the session cookie now holds the receipt
        return self.show_receipt()

    def show_receipt(self):
        text = self.page("/vote/receipt")
        self.receipt = RECEIPT.search(text).group(1)
        return text

    def try_again(self):
        """What a voter cut off does: reload the receipt page if the code was answered, else
        send the code again."""
        return self.show_receipt() if self.answered else self.confirm()


def stored_votes(app, contest):
    """{receipt: entry id} of the contest's votes in the database."""
    with app.app_context():
        rows = db.session.execute(
            select(Vote.receipt, Vote.entry_id).where(Vote.contest_id == contest.id)
        )
        return dict(rows.all())


def confirm_or_none(voter):
    try:
        return voter.confirm()
    except requests.RequestException:  # the server died under this request
        return None


def test_a_killed_server_loses_no_confirmed_vote(app, people, server_process):
    contest, entries = make_voting_contest(app, entries_per_category=2)
    server = server_process.start()
    voters = [Voter(server, number, entries[number % len(entries)]) for number in range(18)]
    confirmed, batch, waiting = voters[:6], voters[6:17], voters[17]
    for voter in voters:
        voter.ask_code()
    for voter in confirmed:
        assert "your vote is counted" in voter.confirm()

    # A batch confirms at once; the server is killed as soon as the first of them is answered,
    # with the others in flight or not yet sent.
    with ThreadPoolExecutor(max_workers=len(batch)) as pool:
        pending = [pool.submit(confirm_or_none, voter) for voter in batch]
        wait(pending, return_when=FIRST_COMPLETED)
        server.kill()
    for done in pending:
        done.result()  # an assertion failed in a thread fails the test
    cut_off = [voter for voter in batch if voter.receipt is None]
    shown = {voter.receipt: voter.entry.id for voter in voters if voter.receipt}
    assert len(shown) >= len(confirmed) + 1

    # Every receipt shown before the crash is in the database, for the entry voted for.
    stored = stored_votes(app, contest)
    assert shown.items() <= stored.items()
    assert len(stored) <= len(shown) + len(cut_off)  # nothing else was recorded

    server.start()  # the same port, database, instance folder and secret key
    assert "your vote is counted" in waiting.confirm()  # a code mailed before the crash
    for voter in cut_off:  # counted now, or already counted before the crash
        text = voter.try_again()
        assert "your vote is counted" in text or "You have already voted" in text

    receipts = {voter.receipt: voter.entry.id for voter in voters}
    assert None not in receipts and len(receipts) == len(voters)
    assert stored_votes(app, contest) == receipts  # one vote per voter, as each was told

    for voter in voters:  # the new server shows each browser its receipt
        assert RECEIPT.search(voter.page("/vote/receipt")).group(1) == voter.receipt
    organizer = requests.Session()
    token = CSRF.search(organizer.get(f"{server.url}/auth/login", timeout=30).text).group(1)
    signed_in = organizer.post(
        f"{server.url}/auth/login",
        data={"email": people["organizer"].email, "password": factories.PASSWORD,
              "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )  # fmt: skip
    assert signed_in.status_code == 302
    ballots = organizer.get(f"{server.url}/vote/{contest.id}/ballots.csv", timeout=30)
    assert ballots.status_code == 200
    rows = list(csv.DictReader(io.StringIO(ballots.text)))
    assert {row["receipt"]: int(row["entry_id"]) for row in rows} == receipts
    assert not any(row["void_reason"] for row in rows)
    organizer.close()
    for voter in voters:
        voter.browser.close()
