"""Public pages: the contest home, each published contest's winners, and a page per winning
video with its share link, card tags and download. Thin: the rules are in winners.py."""

from flask import Response, abort, render_template
from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.models.contests import Contest
from contest.core.rules import current_contest
from contest.core.rules import phase as contest_phase
from contest.core.storage.serving import send_asset
from contest.gallery import bp
from contest.results import publication
from contest.results import published as winners
from contest.web.caching import cached, cached_page
from contest.web.clocks import clock_for_slug


@bp.route("/")
def index():
    contest = current_contest()
    past = []
    if contest is not None:
        past = db.session.scalars(
            select(Contest).where(Contest.id != contest.id).order_by(Contest.created_at.desc())
        ).all()
    phase = contest_phase(contest) if contest else None
    return render_template(
        "gallery/index.html",
        contest=contest,
        phase=phase,
        past=past,
        is_published=winners.is_published,
    )


def _published_or_404(slug):
    contest = winners.published_contest(db.session, slug)
    if contest is None:
        abort(404)  # never say whether draft results exist
    return contest


@bp.route("/contests/<slug>/winners")
def winners_page(slug):
    clock = clock_for_slug(slug)  # no database query while the page is cached
    if clock is None or not winners.is_published(clock):
        abort(404)  # never say whether draft results exist

    def render():
        contest = db.session.get(Contest, clock.id)
        page = cached(contest.id, "winners", lambda: winners.winners_page(db.session, contest))
        return render_template("gallery/winners.html", page=page)

    return cached_page(clock.id, "winners", render)


@bp.route("/contests/<slug>/results.json")
def results_json(slug):
    """The published document, byte for byte what its SHA-256 was taken of."""
    contest = _published_or_404(slug)
    published = publication.current_publication(db.session, contest)
    if published is None:
        abort(404)
    return Response(
        published.document.encode("utf-8"),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{contest.slug}-results.json"'},
    )


def _video_or_404(entry_id):
    found = winners.published_video(db.session, entry_id)
    if found is None:
        abort(404)
    return found


@bp.route("/videos/<int:entry_id>")
def video(entry_id):
    card, contest = _video_or_404(entry_id)
    return cached_page(
        contest.id,
        f"video:{entry_id}",
        lambda: render_template(
            "gallery/video.html",
            card=card,
            contest=contest,
            licence_url=winners.licence_url(contest.licence),
        ),
    )


@bp.route("/videos/<int:entry_id>/download")
def download(entry_id):
    card, contest = _video_or_404(entry_id)
    asset = db.session.get(Asset, card["video_asset_id"]) if card["video_asset_id"] else None
    if asset is None:
        abort(404)
    return send_asset(asset, winners.download_name(contest, card), as_attachment=True)
