"""Retention: a contest's original uploads and consent forms are deleted `retention_days` after
publication; the published MP4s, posters and captions stay.

`flask --app contest purge-originals [--contest ID] [--dry-run] [--now]` does it on demand, and
the worker does it daily. Files are deleted from storage first and their rows after, so a
storage failure leaves the row (and so the file) for the next run to retry, never an orphan.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

import click
from flask.cli import with_appcontext
from huey import crontab
from sqlalchemy import or_, select

from contest import jobs
from contest.audit import record
from contest.contests.models import Category, Contest
from contest.dbtypes import utcnow
from contest.extensions import db
from contest.storage import storage_for
from contest.storage.base import StorageError
from contest.storage.models import Asset
from contest.submissions.models import Entry

log = logging.getLogger(__name__)

# The Entry columns retention clears; the published video, poster and captions are not among them.
PURGED_COLUMNS = ("original_video_asset_id", "consent_asset_id")


def purge_due_at(contest):
    """When the contest's originals are due for deletion, or None if never (unpublished, or no
    retention setting)."""
    if contest.published_at is None or contest.retention_days is None:
        return None
    return contest.published_at + timedelta(days=contest.retention_days)


def is_due(contest, now):
    due = purge_due_at(contest)
    return contest.originals_purged_at is None and due is not None and due <= now


@dataclass
class PurgeResult:
    """What one contest's purge did (or, in a dry run, would do)."""

    contest_id: int
    contest_name: str
    deleted: list = field(default_factory=list)  # asset ids
    bytes: int = 0
    failed: list = field(default_factory=list)  # (asset id, error message)

    @property
    def complete(self):
        return not self.failed


def _originals(session, contest_id):
    """[(entry, column, asset)] for every original upload and consent form the contest holds."""
    entries = session.scalars(
        select(Entry)
        .join(Category, Category.id == Entry.category_id)
        .where(Category.contest_id == contest_id)
        .where(or_(*(getattr(Entry, column).is_not(None) for column in PURGED_COLUMNS)))
        .order_by(Entry.id)
    ).all()
    found = []
    for entry in entries:
        # An asset that is also a published file is never deleted, whatever else holds it.
        kept = {entry.video_asset_id, entry.poster_asset_id, entry.captions_asset_id}
        for column in PURGED_COLUMNS:
            asset_id = getattr(entry, column)
            if asset_id is not None and asset_id not in kept:
                found.append((entry, column, session.get(Asset, asset_id)))
    return found


def purge_contest(session, contest, dry_run=False, now=None):
    """Delete the contest's original uploads and consent forms; commit; return a PurgeResult.

    A file storage refuses to delete is reported in `failed` and kept (row and all) for the next
    run; the others go. `originals_purged_at` is set once nothing is left.
    """
    now = now or utcnow()
    result = PurgeResult(contest.id, contest.name)
    for entry, column, asset in _originals(session, contest.id):
        if dry_run:
            result.deleted.append(asset.id)
            result.bytes += asset.size_bytes
            continue
        try:
            storage_for(asset).delete(asset.key)
        except StorageError as error:
            log.error("retention: %r of entry %s not deleted: %s", asset, entry.id, error)
            result.failed.append((asset.id, str(error)))
            continue
        setattr(entry, column, None)
        session.delete(asset)
        result.deleted.append(asset.id)
        result.bytes += asset.size_bytes
    if dry_run or (contest.originals_purged_at and not (result.deleted or result.failed)):
        return result  # a dry run, or a purged contest with nothing left: nothing to record
    if result.complete:
        contest.originals_purged_at = now
    if result.deleted or result.complete:  # a run that deleted nothing and failed is only logged
        record(
            session, None, "contest.originals_purged", contest,
            deleted=result.deleted, bytes=result.bytes,
            failed=[asset_id for asset_id, _ in result.failed],
        )  # fmt: skip
    session.commit()
    return result


def purge_due_contests(session, now=None, dry_run=False):
    """Purge every contest whose retention period has run out; [PurgeResult], one per contest."""
    now = now or utcnow()
    contests = session.scalars(
        select(Contest)
        .where(Contest.published_at.is_not(None), Contest.retention_days.is_not(None))
        .where(Contest.originals_purged_at.is_(None))
        .order_by(Contest.id)
    ).all()
    return [
        purge_contest(session, contest, dry_run=dry_run, now=now)
        for contest in contests
        if is_due(contest, now)
    ]


def _describe(result, dry_run):
    verb = "would delete" if dry_run else "deleted"
    line = (
        f"{result.contest_name} (contest {result.contest_id}): {verb} {len(result.deleted)} "
        f"file(s), {result.bytes / 1048576:.1f} MB"
    )
    for asset_id, error in result.failed:
        line += f"\n  not deleted (retried next run): asset {asset_id}: {error}"
    return line


@click.command("purge-originals")
@click.option("--contest", "contest_id", type=int, help="Only this contest (its id).")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.option(
    "--now",
    "ignore_days",
    is_flag=True,
    help="With --contest: purge the published contest at once, whatever its retention setting.",
)
@with_appcontext
def purge_originals_command(contest_id, dry_run, ignore_days):
    """Delete original uploads and consent forms of contests past their retention period."""
    session = db.session
    if ignore_days and contest_id is None:
        raise click.UsageError("--now needs --contest: it purges one contest at a time.")
    if contest_id is None:
        results = purge_due_contests(session, dry_run=dry_run)
    else:
        contest = session.get(Contest, contest_id)
        if contest is None:
            raise click.ClickException(f"There is no contest {contest_id}.")
        if contest.published_at is None:
            raise click.ClickException(
                f"{contest.name} is not published: its originals and consent forms are kept."
            )
        if not ignore_days and not is_due(contest, utcnow()):
            due = purge_due_at(contest)
            when = f"due {due:%Y-%m-%d %H:%M} UTC" if due else "no retention setting"
            if contest.originals_purged_at:
                when = f"already purged {contest.originals_purged_at:%Y-%m-%d %H:%M} UTC"
            raise click.ClickException(
                f"{contest.name} is not due for purging ({when}); add --now to purge it anyway."
            )
        results = [purge_contest(session, contest, dry_run=dry_run)]
    if not results:
        click.echo("No contest is due for purging.")
    for result in results:
        click.echo(_describe(result, dry_run))
    if any(result.failed for result in results):
        raise click.ClickException("Some files could not be deleted; run the command again.")


@jobs.periodic(crontab(minute="41", hour="3"))
def purge_originals_daily():
    """Daily, in the worker (and `serve`): originals never outlive their contest's retention."""
    return purge_due_contests(db.session)
