"""Results and downloads per round (issue 16): an earlier round's figures while the finals run,
the final round's by default, and no round of another contest."""

import re

from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.core.models.contests import Contest
from contest.rounds import closing
from tests import factories
from tests.helpers import page_text, role_client


def _close_first(app, world):
    with app.app_context():
        contest = db.session.get(Contest, world.contest.id)
        organizer = db.session.get(User, world.organizer.id)
        closing.close_round(db.session, contest.rounds[0], organizer, reason="All sheets in")
        db.session.commit()
        return [round_.id for round_ in contest.rounds]


def test_each_round_has_its_results_and_files(app, login_as, two_rounds):
    first, final = _close_first(app, two_rounds)
    client = role_client(app, login_as, "admin")
    url = f"/admin/results/{two_rounds.contest.id}"

    finals = page_text(client.get(url))
    assert "Results: Two Rounds, Finals" in finals
    assert "No submitted score sheet counts in this category yet." in finals
    assert "Confirm the winners and publish" in finals

    screening = client.get(f"{url}?round={first}")
    text = page_text(screening)
    assert "Results: Two Rounds, Judging" in text and "decide who moves on" in text
    # Titles as the ranking links them (a page's random nonce may hold "E4" too).
    assert re.findall(r">(E\d)</a>", text) == ["E1", "E2", "E3", "E4"]
    assert "Confirm the winners and publish" not in text
    body = screening.get_data(as_text=True)
    assert f"results.csv?round={first}" in body and f"score-sheets.csv?round={first}" in body

    download = client.get(f"{url}/results.csv?round={first}")
    assert download.status_code == 200
    assert "two-rounds-round-1-results.csv" in download.headers["Content-Disposition"]
    assert "E4" in download.get_data(as_text=True)
    sheets = client.get(f"{url}/score-sheets.csv?round={first}").get_data(as_text=True)
    assert sheets.count("\n") == 1 + 3 * 4  # the header, then 3 judges x 4 scored entries
    assert "E4" not in client.get(f"{url}/results.csv").get_data(as_text=True)


def test_a_round_of_another_contest_is_not_found(app, login_as, two_rounds):
    other = factories.make_contest(app)
    with app.app_context():
        foreign = db.session.get(Contest, other.id).rounds[0].id
    client = role_client(app, login_as, "admin")
    for path in ("", "/results.csv", "/score-sheets.csv"):
        url = f"/admin/results/{two_rounds.contest.id}{path}?round={foreign}"
        assert client.get(url).status_code == 404, path
