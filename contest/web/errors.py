"""The error pages (and JSON errors) the site falls back on."""

import json

from flask import Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

PAGE_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    413: "File too large",
    429: "Too many attempts",
    500: "Something went wrong",
}

# What to tell people instead of werkzeug's generic descriptions (a view's own message wins).
MESSAGES = {
    400: "We could not understand what your browser sent. Go back, reload the page and try again.",
    403: (
        "Your account does not give you access to this page. If you think it should, "
        "ask the contest organizers."
    ),
    404: "There is no page at this address. Check the link, or start again from the home page.",
    405: "This page can't be used that way. Go back and use the page's own links and buttons.",
    413: "What you sent is too large for us to accept. Send a smaller file.",
    429: "Too many attempts in a short time. Wait a few minutes, then try again.",
    500: (
        "Something went wrong on our side and it has been logged. "
        "Please try again in a few minutes."
    ),
}
CSRF_MESSAGE = (
    "Your form expired or came from another site, so it was not saved. "
    "Go back, reload the page and send it again."
)


def _size(size):
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} bytes"


def describe(error):
    """A message for an HTTP error page: the one it was raised with, else ours for its code."""
    if error.description != type(error).description or error.code not in MESSAGES:
        return error.description
    message = MESSAGES[error.code]
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if error.code == 413 and limit:
        message = f"{message} We accept up to {_size(limit)} at a time."
    return message


def page_title(code):
    return PAGE_TITLES.get(code) or HTTP_STATUS_CODES.get(code, "Error")


def render_error(code, description):
    title = page_title(code)
    try:
        return render_template("errors/error.html", code=code, title=title, description=description)
    except Exception:
        # The layout itself failed (the database is down, say, and the nav needs the user):
        # a bare page still beats werkzeug's, and keeps the security headers.
        current_app.logger.exception("the error page could not be rendered")
        return (
            f"<!doctype html><html lang=en><title>{escape(title)}</title>"
            f"<main><h1>{escape(title)}</h1><p>{escape(description)}</p></main></html>"
        )


def wants_json():
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(status, message, headers=None):
    """A JSON error body, as the site's error pages give API clients."""
    body = {"status": status, "error": page_title(status), "message": message}
    return Response(json.dumps(body), status, headers or {}, mimetype="application/json")


def error_response(error, message):
    """The site's error page (or JSON for API clients) in the exception's own response.

    That response keeps the exception's headers (Allow on a 405, say); only the body changes.
    """
    response = error.get_response()
    if wants_json():
        body = {"status": error.code, "error": page_title(error.code), "message": message}
        response.set_data(json.dumps(body))
        response.mimetype = "application/json"
    else:
        response.set_data(render_error(error.code, message))
        response.mimetype = "text/html"
    return response


def handle_http_error(error):
    return error_response(error, describe(error))


def handle_csrf_error(error):
    return error_response(error, CSRF_MESSAGE)


def handle_unexpected_error(error):
    # Flask has logged the traceback; the person sees the site's page, never a stack trace.
    return error_response(error, describe(error))


def init_app(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
