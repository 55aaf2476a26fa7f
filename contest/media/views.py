from flask import abort
from flask_login import current_user

from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.storage.serving import send_asset
from contest.media import bp
from contest.media.visibility import may_view

EXTENSIONS = {"video/mp4": "mp4", "image/jpeg": "jpg", "text/vtt": "vtt", "application/pdf": "pdf"}


@bp.route("/<int:asset_id>")
def asset(asset_id):
    """A stored file, to those who may see it; 404 to everyone else, so ids reveal nothing."""
    entry = may_view(db.session, current_user, asset_id)
    asset = db.session.get(Asset, asset_id) if entry else None
    if asset is None:
        abort(404)
    extension = EXTENSIONS.get(asset.content_type, "bin")
    return send_asset(asset, download_name=f"entry-{entry.id}.{extension}")
