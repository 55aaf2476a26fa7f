"""The ballot file download: recounted independently (csv + hashlib, not the app's code) and
matched with the page, the header and votes-verify; who may download it, and when."""

import csv
import hashlib
import io
import re
from collections import Counter
from datetime import timedelta

import pytest

from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.voting.manage_views import DIGEST_HEADER
from tests import factories
from tests.helpers import page_text
from tests.voting.test_manage import HOUR, seed, setup_contest, stuffing, void


def publish(app, contest, at):
    with app.app_context():
        db.session.get(Contest, contest.id).published_at = at
        db.session.commit()


def test_the_download_recounts_to_the_page_header_and_votes_verify(
    app, login_as, people, runner, tmp_path
):
    contest, entries = setup_contest(app, people)
    ballots = seed(app, contest, entries, utcnow() - 3 * HOUR)
    stuffing(app, contest, entries["kind"], utcnow() - 8 * HOUR, how_many=4)
    client = login_as("organizer")
    response = client.get(f"/vote/{contest.id}/ballots.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()

    sha256 = hashlib.sha256(data).hexdigest()
    assert response.headers[DIGEST_HEADER] == sha256
    page = page_text(client.get(f"/vote/manage/{contest.id}"))
    assert re.search(r'<code class="digest">([0-9a-f]{64})</code>', page).group(1) == sha256

    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == len(ballots) + 4
    assert {row["receipt"] for row in rows} >= {receipt for _, receipt in ballots}
    counted = Counter(int(row["entry_id"]) for row in rows if not row["void_reason"])
    voided = Counter(row["void_reason"] for row in rows if row["void_reason"])
    assert counted == {entries["kind"].id: 9, entries["lock"].id: 3}
    assert voided == {"Test vote": 1}
    assert all(re.fullmatch(r"[0-9a-f]{16}", row["voter"]) for row in rows)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00Z", row["hour"]) for row in rows)
    assert "12 counted votes; 1 voided." in page

    path = tmp_path / "ballots.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["votes-verify", str(path), "--sha256", sha256])
    assert result.exit_code == 0, result.output
    assert f"  entry {entries['kind'].id}: 9\n  entry {entries['lock'].id}: 3\n" in result.output
    assert "Voided votes: 1\n  Test vote: 1\n" in result.output
    assert "The SHA-256 matches the published digest." in result.output


def test_voiding_changes_the_file_and_its_digest_but_keeps_the_ballot(app, login_as, people):
    contest, entries = setup_contest(app, people)
    _, receipt = seed(app, contest, entries, utcnow() - 3 * HOUR)[0]
    client = login_as("organizer")
    before = client.get(f"/vote/{contest.id}/ballots.csv")
    assert void(client, contest, receipt=receipt, reason="Duplicate").status_code == 302
    after = client.get(f"/vote/{contest.id}/ballots.csv")
    assert after.headers[DIGEST_HEADER] != before.headers[DIGEST_HEADER]
    rows = {row["receipt"]: row for row in csv.DictReader(io.StringIO(after.get_data(True)))}
    assert len(rows) == len(before.get_data(True).splitlines()) - 1
    assert rows[receipt]["void_reason"] == "Duplicate"


ROLES = ("anonymous", "teacher_a", "judge")


def client_for(app, login_as, role):
    return app.test_client() if role == "anonymous" else login_as(role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("published", [None, timedelta(hours=1)], ids=["unpublished", "future"])
def test_before_publication_only_organizers_get_the_file(app, login_as, people, role, published):
    contest, entries = setup_contest(app, people)
    seed(app, contest, entries, utcnow() - 3 * HOUR)
    if published:
        publish(app, contest, utcnow() + published)
    url = f"/vote/{contest.id}/ballots.csv"
    assert client_for(app, login_as, role).get(url).status_code == 404
    assert login_as("organizer").get(url).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_once_published_everyone_gets_the_same_file(app, login_as, people, role):
    contest, entries = setup_contest(app, people)
    seed(app, contest, entries, utcnow() - 3 * HOUR)
    publish(app, contest, utcnow() - timedelta(minutes=1))
    url = f"/vote/{contest.id}/ballots.csv"
    response = client_for(app, login_as, role).get(url)
    assert response.status_code == 200
    organizers = login_as("organizer").get(url)
    assert response.get_data() == organizers.get_data()
    assert response.headers[DIGEST_HEADER] == hashlib.sha256(response.get_data()).hexdigest()


def test_an_unknown_contest_has_no_ballot_file(app, login_as, people):
    contest = factories.make_contest(app)
    assert login_as("organizer").get(f"/vote/{contest.id + 1000}/ballots.csv").status_code == 404
