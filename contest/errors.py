"""Domain exceptions that services raise, and the error pages views fall back on."""

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


class ContestError(Exception):
    """Base of the errors a service raises; the message is safe to show to the user."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(ContestError):
    """The input breaks a rule; `field` names the form field to attach the message to."""


class NotAllowed(ContestError):
    """The user may not do this."""


class PhaseClosed(ContestError):
    """The contest is not in the phase this action needs (a deadline has passed, say)."""


class Throttled(ContestError):
    """Too many attempts; try again after `retry_after` seconds."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


PAGE_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    413: "File too large",
    429: "Too many attempts",
    500: "Something went wrong",
}


def render_error(code, description):
    title = PAGE_TITLES.get(code, "Error")
    return render_template("errors/error.html", code=code, title=title, description=description)


def handle_http_error(error):
    response = error.get_response()
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return error
    response.set_data(render_error(error.code, error.description))
    response.mimetype = "text/html"
    return response


def handle_csrf_error(error):
    description = (
        "Your form expired or came from another site, so it was not saved. "
        "Go back, reload the page and send it again."
    )
    return render_error(400, description), 400


def handle_unexpected_error(error):
    # Flask logs the traceback; the user sees the site's page, never a stack trace.
    wrapped = InternalServerError(original_exception=error)
    return render_error(500, wrapped.description), 500


def init_app(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
