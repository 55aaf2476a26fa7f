"""Security headers on every response."""

from flask import current_app


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


def init_app(app):
    """Install the headers; call after the storage is set up (its origin joins the CSP)."""
    storage = app.extensions.get("storage")
    app.extensions["csp"] = content_security_policy(storage.browser_origin() if storage else None)
    app.after_request(add_security_headers)
