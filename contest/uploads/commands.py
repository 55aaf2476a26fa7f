"""Sweeping abandoned uploads (`flask --app contest uploads-cleanup`, or the job queue) and
finishing uploads whose request failed after every byte arrived."""

import click
from flask import current_app
from huey import crontab

from contest.core import jobs
from contest.core.extensions import db
from contest.core.storage import get_storage
from contest.uploads import arrival, bp, lifecycle


def clean_up_expired_uploads(now=None):
    """Finish uploads a failure stopped after their bytes came, end every expired upload
    (staged file or S3 parts, and its row) and delete staged files no upload owns; return
    (uploads ended, orphaned files removed). Needs an app context."""
    config = current_app.config
    folder = lifecycle.staging_dir(config)
    arrival.finish_arrived(db.session, get_storage(), folder)
    ended = lifecycle.remove_expired_uploads(db.session, get_storage(), folder, now=now)
    orphans = lifecycle.remove_orphaned_staged_files(
        db.session, folder, config["UPLOAD_EXPIRY_SECONDS"], now=now
    )
    return ended, orphans


@bp.cli.command("uploads-cleanup")
def uploads_cleanup_command():
    """Remove uploads abandoned for longer than UPLOAD_EXPIRY_SECONDS."""
    ended, orphans = clean_up_expired_uploads()
    click.echo(f"Removed {ended} expired upload(s) and {orphans} orphaned staged file(s).")


@jobs.periodic(crontab(minute="17"))
def sweep_abandoned_uploads():
    """Hourly, in the worker (and `serve`): abandoned uploads never pile up on disk or in S3."""
    return clean_up_expired_uploads()


def _report_unfinished(upload_id, error=None):
    current_app.logger.error("upload %s: arrived, still not finished: %s", upload_id, error)


@jobs.task(on_final_failure=_report_unfinished)
def finish_arrived_upload(upload_id):
    """Finish an upload whose request failed after its bytes arrived (retried by the queue)."""
    folder = lifecycle.staging_dir(current_app.config)
    waiting = arrival.unfinished_but_arrived(db.session, [upload_id])
    if waiting and not arrival.finish_arrived(db.session, get_storage(), folder, [upload_id]):
        raise RuntimeError(f"upload {upload_id} not finished yet")


def retry_hand_over(upload_id):
    """Queue `finish_arrived_upload` (a queue that is down too is logged: the hourly sweep and
    the worker's start finish the upload then)."""
    try:
        jobs.enqueue(finish_arrived_upload, upload_id)
    except Exception:
        current_app.logger.exception("upload %s: its finishing could not be queued", upload_id)


@jobs.on_consumer_start
def finish_arrived_uploads():
    """When a worker starts: finish uploads a crash or failure stopped after their bytes came."""
    folder = lifecycle.staging_dir(current_app.config)
    return arrival.finish_arrived(db.session, get_storage(), folder)
