"""Sending a stored file to the browser: a redirect to a presigned S3 link, or the local file
itself with HTTP range support so video seeking works.

No route here: the feature that shows a file decides who may see it, then calls `send_asset`.
"""

from flask import current_app, redirect, request
from werkzeug.exceptions import NotFound, RequestedRangeNotSatisfiable
from werkzeug.http import parse_range_header
from werkzeug.utils import send_file

from contest.core.storage import storage_for
from contest.core.storage.base import StorageError, content_disposition

# Browsers load a <track> only from the page's own origin (unless its <video> asks for CORS), so
# captions, small by rule, go through the app even when the store could serve them directly.
SAME_ORIGIN_TYPES = {"text/vtt"}


def send_asset(asset, download_name, as_attachment=False):
    """A response that gets `asset`'s bytes to the browser, named `download_name` (made safe
    here), shown inline or offered as a download; 404 if its local file has gone.

    S3: a 302 to a presigned GET link that carries the content type and disposition; captions
    (SAME_ORIGIN_TYPES) are read from the store and sent by the app instead.
    Local: the file with the asset's content type, nosniff, ETag and Last-Modified; a single
    `Range` gets 206 and exactly those bytes, one past the end gets 416.
    """
    storage = storage_for(asset)
    inline = not as_attachment
    if storage.direct and asset.content_type in SAME_ORIGIN_TYPES:
        return _passed_through(storage, asset, download_name, inline)
    url = storage.download_url(asset.key, download_name, asset.content_type, inline=inline)
    if url:
        response = redirect(url, code=302)
        # The link expires: never keep the redirect to it.
        response.headers["Cache-Control"] = "private, no-store"
        return response

    path = storage.path(asset.key)
    if not path.is_file():
        current_app.logger.error("%r: its file %s is missing", asset, path)
        raise NotFound()
    environ = request.environ
    asked = environ.get("HTTP_RANGE")
    served = _range_to_serve(asked, path.stat().st_size)
    if served != asked:
        environ = {name: value for name, value in environ.items() if name != "HTTP_RANGE"}
        if served:
            environ["HTTP_RANGE"] = served
    try:
        response = send_file(
            path,
            environ,
            mimetype=asset.content_type,
            conditional=True,
            etag=True,
            use_x_sendfile=current_app.config["USE_X_SENDFILE"],
            response_class=current_app.response_class,
        )
    except RequestedRangeNotSatisfiable:
        response = current_app.response_class(status=416)
        response.headers["Content-Range"] = f"bytes */{path.stat().st_size}"
    response.headers["Content-Disposition"] = content_disposition(download_name, inline=inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Accept-Ranges"] = "bytes"
    response.cache_control.private = True  # only for those the route let through
    return response


def _passed_through(storage, asset, download_name, inline):
    """The whole (small) object, read from `storage` and sent by the app."""
    try:
        with storage.open(asset.key) as stream:
            data = stream.read()
    except StorageError as error:
        current_app.logger.error("%r could not be read: %s", asset, error)
        raise NotFound() from error
    response = current_app.response_class(data, mimetype=asset.content_type)
    response.headers["Content-Disposition"] = content_disposition(download_name, inline=inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True  # only for those the route let through
    return response


def _range_to_serve(header, size):
    """The Range header werkzeug should answer for `header` (None: the whole file).

    Several ranges would need a multipart/byteranges answer: the whole file instead, as RFC 9110
    allows (browsers ask for one range at a time); so for units other than bytes, which it says
    to ignore. A suffix longer than the file means all of it (RFC 9110 14.1.3), where werkzeug
    would answer 416.
    """
    ranges = parse_range_header(header)
    if ranges is None:
        return header
    if ranges.units != "bytes" or len(ranges.ranges) > 1:
        return None
    start, end = ranges.ranges[0]
    if end is None and start < -size:
        return "bytes=0-"
    return header
