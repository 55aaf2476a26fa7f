from flask import Blueprint

from contest.voting import messages  # noqa: F401  (the words of its error codes)

# cli_group=None: its commands are top-level (`flask --app contest votes-verify`).
bp = Blueprint("voting", __name__, url_prefix="/vote", cli_group=None)

from contest.voting import commands, manage_views, views  # noqa: E402, F401
