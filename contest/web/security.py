"""Security headers on every response; requests carrying NUL characters refused."""

from flask import abort, current_app, request


def content_security_policy(storage_origin=None):
    """'self' only; a storage that browsers reach directly (S3 presigned URLs) is allowed for
    the requests that go there: uploads (connect), video playback (media) and posters (img)."""
    extra = f" {storage_origin}" if storage_origin else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data:{extra}",
            f"media-src 'self' blob:{extra}",
            "font-src 'self'",
            f"connect-src 'self'{extra}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Sent only when cookies are Secure, i.e. the site is served over HTTPS: a year, subdomains too.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def add_security_headers(response):
    """Set the headers above (a view may override one) on `response`, whatever its status."""
    response.headers.setdefault("Content-Security-Policy", current_app.extensions["csp"])
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    if response.mimetype == "text/html":
        # Pages can show personal data (minors' entries, judges' scores): never cache them shared.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL_MESSAGE = (
    "What you sent contains a NUL character (0x00), which no text here can hold. "
    "Remove it and send it again."
)


def _strings(value):
    """Every string in a parsed JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def refuse_nul_characters():
    """400 for a URL, form field or JSON body holding a NUL character: PostgreSQL text cannot
    store one (its driver raises, which would be a 500) and nobody types it. Other bodies (tus
    chunks, S3 parts) are left unread, so they still stream."""
    texts = [
        *(value for value in (request.view_args or {}).values() if isinstance(value, str)),
        *(part for pair in request.args.items(multi=True) for part in pair),
    ]
    if request.mimetype in FORM_TYPES:
        texts += [part for pair in request.form.items(multi=True) for part in pair]
        texts += [upload.filename or "" for _, upload in request.files.items(multi=True)]
    elif request.is_json:
        texts += _strings(request.get_json(silent=True))
    if any("\x00" in text for text in texts):
        abort(400, NUL_MESSAGE)


def init_app(app):
    """Install the headers and the NUL check; call after the storage is set up (its origin joins
    the CSP)."""
    storage = app.extensions.get("storage")
    app.extensions["csp"] = content_security_policy(storage.browser_origin() if storage else None)
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
