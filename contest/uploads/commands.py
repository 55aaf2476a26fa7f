"""Sweeping abandoned uploads: `flask --app contest uploads-cleanup`, or the job queue."""

import click
from flask import current_app
from huey import crontab

from contest import jobs
from contest.extensions import db
from contest.storage import get_storage
from contest.uploads import bp, services


def clean_up_expired_uploads(now=None):
    """End every expired upload (staged file or S3 parts, and its row) and delete staged files no
    upload owns; return (uploads ended, orphaned files removed). Needs an app context."""
    config = current_app.config
    folder = services.staging_dir(config)
    ended = services.remove_expired_uploads(db.session, get_storage(), folder, now=now)
    orphans = services.remove_orphaned_staged_files(
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
