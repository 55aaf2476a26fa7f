"""Retention: `retention_days` after a contest's publication, every private file of its entries
goes: the original uploads and consent forms, current or replaced, and the captions, web videos
and posters the entries replaced. The entries' current web videos, posters and captions stay.

Files are found through their owner (`Asset.entry_id`), not the entries' current
pointers, so a replaced file is never forgotten; a file stored before owners were recorded is
still found through those pointers. A replaced file is kept until then (it is a record of what
the school sent); the web copies of a replaced video go as soon as the new one is ready.

`flask --app contest purge-originals [--contest ID] [--dry-run] [--now]` does it on demand, and
the worker does it daily, also for contests purged before, in case a school attached a file
since. Files are deleted from storage first and their rows after, so a storage failure leaves
the row (and so the file) for the next run to retry, never an orphan.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import click
from flask.cli import with_appcontext
from huey import crontab
from sqlalchemy import or_, select, union

from contest.core import jobs
from contest.core.audit import record
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry
from contest.core.storage import storage_for
from contest.core.storage.base import StorageError
from contest.core.transaction import unit_of_work

log = logging.getLogger(__name__)

# The Entry columns naming private files, through which files stored before owners were recorded
# are found; a pending upload is an original not processed yet.
PURGED_COLUMNS = ("original_video_asset_id", "consent_asset_id")
PRIVATE_COLUMNS = (*PURGED_COLUMNS, "pending_video_asset_id")
# The Entry columns naming published files: a file one of them names is never deleted.
PUBLISHED_COLUMNS = ("video_asset_id", "poster_asset_id", "captions_asset_id")


def purge_due_at(contest):
    """When the contest's originals are due for deletion, or None if never (unpublished, or no
    retention setting)."""
    if contest.published_at is None or contest.retention_days is None:
        return None
    return contest.published_at + timedelta(days=contest.retention_days)


def is_due(contest, now):
    """Whether the contest's first purge is due: its retention period has run out."""
    due = purge_due_at(contest)
    return contest.originals_purged_at is None and due is not None and due <= now


def retention_over(contest, now):
    """Whether the contest may hold no private file any more: its retention period has run out,
    or it was purged already (perhaps early, on demand). Never for an unpublished contest."""
    due = purge_due_at(contest)
    ended = contest.originals_purged_at is not None or (due is not None and due <= now)
    return contest.published_at is not None and ended


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


def _entry_ids(contest_id):
    return (
        select(Entry.id)
        .join(Category, Category.id == Entry.category_id)
        .where(Category.contest_id == contest_id)
    )


def _named_by(columns, entry_ids=None):
    """The asset ids the entries' `columns` name (every entry's, or those in `entry_ids`)."""
    selects = []
    for column in columns:
        named = select(getattr(Entry, column)).where(getattr(Entry, column).is_not(None))
        if entry_ids is not None:
            named = named.where(Entry.id.in_(entry_ids))
        selects.append(named)
    return union(*selects)


def private_files(session, contest_id):
    """[Asset] every file retention deletes from the contest, by id: those its entries own,
    except the ones an entry publishes now, and the private files its entries name."""
    entry_ids = _entry_ids(contest_id)
    owned = Asset.entry_id.in_(entry_ids)
    return session.scalars(
        select(Asset)
        .where(or_(owned, Asset.id.in_(_named_by(PRIVATE_COLUMNS, entry_ids))))
        # A file that is also published is never deleted, whatever else holds it.
        .where(Asset.id.not_in(_named_by(PUBLISHED_COLUMNS)))
        .order_by(Asset.id)
    ).all()


def _pointers(session, contest_id):
    """{asset id: [(entry, column)]}: where the contest's entries name each file."""
    entries = session.scalars(select(Entry).where(Entry.id.in_(_entry_ids(contest_id)))).all()
    found = defaultdict(list)
    for entry in entries:
        for column in PRIVATE_COLUMNS:
            if getattr(entry, column) is not None:
                found[getattr(entry, column)].append((entry, column))
    return found


def purge_contest(session, contest, dry_run=False, now=None):
    """Delete every private file of the contest (`private_files`); commit; return a PurgeResult.

    A file storage refuses to delete is reported in `failed` and kept (row and all) for the next
    run; the others go. `originals_purged_at` is set once nothing is left.
    """
    now = now or utcnow()
    result = PurgeResult(contest.id, contest.name)
    pointers = {} if dry_run else _pointers(session, contest.id)
    for asset in private_files(session, contest.id):
        if dry_run:
            result.deleted.append(asset.id)
            result.bytes += asset.size_bytes
            continue
        try:
            storage_for(asset).delete(asset.key)
        except StorageError as error:
            log.error("retention: %r of entry %s not deleted: %s", asset, asset.entry_id, error)
            result.failed.append((asset.id, str(error)))
            continue
        for entry, column in pointers.get(asset.id, ()):
            setattr(entry, column, None)
        session.delete(asset)
        result.deleted.append(asset.id)
        result.bytes += asset.size_bytes
    if dry_run or (contest.originals_purged_at and not (result.deleted or result.failed)):
        return result  # a dry run, or a purged contest with nothing left: nothing to record
    if result.complete and contest.originals_purged_at is None:
        contest.originals_purged_at = now
    if result.deleted or result.complete:  # a run that deleted nothing and failed is only logged
        record(
            session, None, "contest.originals_purged", contest,
            deleted=result.deleted, bytes=result.bytes,
            failed=[asset_id for asset_id, _ in result.failed],
        )  # fmt: skip
    return result


def purge_due_contests(session, now=None, dry_run=False):
    """Purge every contest whose retention is over; [PurgeResult], one per contest due for its
    first purge, and one per contest purged before that still held (and lost) a private file."""
    now = now or utcnow()
    contests = session.scalars(
        select(Contest)
        .where(Contest.published_at.is_not(None))
        .where(or_(Contest.retention_days.is_not(None), Contest.originals_purged_at.is_not(None)))
        .order_by(Contest.id)
    ).all()
    results = []
    for contest in contests:
        if not retention_over(contest, now):
            continue
        first = contest.originals_purged_at is None
        with unit_of_work(session):  # each contest kept on its own: one failing loses no other
            result = purge_contest(session, contest, dry_run=dry_run, now=now)
        if first or result.deleted or result.failed:
            results.append(result)
    return results


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
    """Delete the private files (original uploads, consent forms, replaced files) of contests
    past their retention period."""
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
        with unit_of_work(session):
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
