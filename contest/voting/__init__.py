from flask import Blueprint

# cli_group=None: its commands are top-level (`flask --app contest votes-verify`).
bp = Blueprint("voting", __name__, url_prefix="/vote", cli_group=None)

from contest.voting import commands, manage_views, views  # noqa: E402, F401
