"""People's Choice voting pages."""

from flask import render_template

from contest.gallery.services import current_contest
from contest.voting import bp


@bp.route("/")
def index():
    return render_template("voting/index.html", contest=current_contest())
