"""Ballot file commands: `flask --app contest votes-export CONTEST_ID FILE` writes a contest's
ballot file; `flask --app contest votes-verify FILE [--sha256 HEX]` recounts one independently."""

from pathlib import Path

import click

from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.voting import bp, counting, tally


@bp.cli.command("votes-export")
@click.argument("contest_id", type=int)
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
def votes_export_command(contest_id, path):
    """Write the contest's anonymised ballot file to FILE and print its SHA-256."""
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        raise click.ClickException(f"There is no contest with id {contest_id}.")
    result, data, sha256 = counting.contest_tally(db.session, contest)
    path.write_bytes(data)
    click.echo(f"{result.counted + result.voided_total} ballots written to {path}.")
    click.echo(f"SHA-256: {sha256}")


@bp.cli.command("votes-verify")
@click.argument(
    "path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--sha256", "expected", metavar="HEX", help="The published SHA-256 of the file.")
def votes_verify_command(path, expected):
    """Recount a ballot file: counted votes per entry, voided votes by reason, and its digest."""
    data = path.read_bytes()
    try:
        ballots = tally.read_ballot_file(data)
    except ValueError as error:
        raise click.ClickException(f"{path} is not a valid ballot file. {error}") from error
    result = tally.count(ballots)
    click.echo(f"Counted votes: {result.counted}")
    for entry_id, votes in result.ranked():
        click.echo(f"  entry {entry_id}: {votes}")
    click.echo(f"Voided votes: {result.voided_total}")
    for reason, votes in sorted(result.voided.items()):
        click.echo(f"  {reason}: {votes}")
    sha256 = tally.digest(data)
    click.echo(f"SHA-256: {sha256}")
    if expected is not None:
        if expected.strip().lower() != sha256:
            raise click.ClickException(
                f"The SHA-256 does not match: the file gives {sha256}, the published digest is "
                f"{expected.strip()}. The file is not the one published."
            )
        click.echo("The SHA-256 matches the published digest.")
