"""The full contest archive: every row and file of a contest in one zip, and back."""

from flask import Blueprint

# cli_group=None: its commands are top-level (`flask --app contest archive-export`).
bp = Blueprint("archive", __name__, url_prefix="/admin/archive", cli_group=None)

from contest.archive import commands, views  # noqa: E402, F401
