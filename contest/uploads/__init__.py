"""Resumable video uploads: tus 1.0 through the app, or presigned multipart straight to S3."""

from flask import Blueprint

from contest.uploads import messages  # noqa: F401  (the words of its error codes)

# cli_group=None: its commands are top-level (`flask --app contest uploads-cleanup`).
bp = Blueprint("uploads", __name__, url_prefix="/uploads", cli_group=None)

from contest.uploads import commands, direct, page, views  # noqa: E402, F401
