"""`flask --app contest archive-export CONTEST_ID PATH` and `archive-import PATH`."""

import click

from contest.archive import archive, bp, importing
from contest.core.extensions import db
from contest.core.transaction import unit_of_work


@bp.cli.command("archive-export")
@click.argument("contest_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def archive_export_command(contest_id, path):
    """Write a contest's full archive (rows and files) to PATH as a zip."""
    try:
        archive.export_contest(db.session, db.metadata, contest_id, path)
    except archive.ArchiveError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Contest {contest_id} archived to {path}.")


@bp.cli.command("archive-import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--check", is_flag=True, help="Only say what would be imported and refused.")
def archive_import_command(path, check):
    """Restore a contest archive into this instance: the rows of its contest, with a report of
    what was refused and why (roles or links reaching past the contest, secrets)."""
    try:
        with unit_of_work(db.session):  # a check's reads end here; an import commits its own
            report = importing.import_archive(db.session, db.metadata, path, check_only=check)
    except archive.ArchiveError as error:
        raise click.ClickException(str(error)) from error
    click.echo("\n".join(report.lines()))
