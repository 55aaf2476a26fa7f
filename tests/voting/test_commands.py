"""`flask votes-export` and `flask votes-verify`, run through app.test_cli_runner()."""

import hashlib

from contest.core.dbtypes import utcnow
from tests import factories
from tests.voting.test_manage import HOUR, seed, setup_contest

HEADER = b"receipt,entry_id,voter,hour,void_reason\n"


def test_export_writes_the_file_the_organizer_downloads(app, login_as, people, runner, tmp_path):
    contest, entries = setup_contest(app, people)
    seed(app, contest, entries, utcnow() - 3 * HOUR)
    path = tmp_path / "ballots.csv"
    result = runner.invoke(args=["votes-export", str(contest.id), str(path)])
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    assert f"9 ballots written to {path}.\nSHA-256: {sha256}\n" in result.output
    assert data == login_as("organizer").get(f"/vote/{contest.id}/ballots.csv").get_data()

    verified = runner.invoke(args=["votes-verify", str(path), "--sha256", sha256.upper()])
    assert verified.exit_code == 0, verified.output
    assert "Counted votes: 8\n" in verified.output


def test_export_of_an_unknown_contest_fails_clearly(app, runner, tmp_path):
    contest = factories.make_contest(app)
    path = tmp_path / "ballots.csv"
    result = runner.invoke(args=["votes-export", str(contest.id + 1000), str(path)])
    assert result.exit_code != 0
    assert f"There is no contest with id {contest.id + 1000}." in result.output
    assert not path.exists()


def ballot_file(tmp_path, data):
    path = tmp_path / "ballots.csv"
    path.write_bytes(data)
    return str(path)


def test_verify_counts_a_file_without_a_digest(runner, tmp_path):
    data = HEADER + b"a,7,v1,2026-11-25T14:00Z,\nb,9,v2,2026-11-25T14:00Z,\nc,7,v3,h,dup\n"
    result = runner.invoke(args=["votes-verify", ballot_file(tmp_path, data)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Counted votes: 2\n  entry 7: 1\n  entry 9: 1\nVoided votes: 1\n  dup: 1\n"
        f"SHA-256: {hashlib.sha256(data).hexdigest()}\n"
    )


def test_verify_refuses_a_digest_that_does_not_match(runner, tmp_path):
    data = HEADER + b"a,7,v1,2026-11-25T14:00Z,\n"
    wrong = hashlib.sha256(data + b"x").hexdigest()
    result = runner.invoke(args=["votes-verify", ballot_file(tmp_path, data), "--sha256", wrong])
    assert result.exit_code == 1
    assert "The SHA-256 does not match" in result.output
    assert f"the published digest is {wrong}" in result.output


def test_verify_refuses_a_malformed_file_naming_the_line(runner, tmp_path):
    data = HEADER + b"a,7,v1,2026-11-25T14:00Z,\nb,seven,v2,h,\n"
    result = runner.invoke(args=["votes-verify", ballot_file(tmp_path, data)])
    assert result.exit_code == 1
    assert "is not a valid ballot file. Line 3: the entry id 'seven' is not a number." in (
        result.output
    )
    assert "Counted votes" not in result.output


def test_verify_needs_an_existing_file(runner, tmp_path):
    result = runner.invoke(args=["votes-verify", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
