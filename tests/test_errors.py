"""Error pages: the site's layout, the right status, a message that helps, never a stack trace."""

import re

from flask import abort

from tests.helpers import FAILURE_DETAIL, add_failing_route, exceed_sign_in_limit, page_text

SKIP_LINK = '<a class="skip-link" href="#main">Skip to main content</a>'
SITE_HEADER = '<header class="site-header">'


def assert_in_layout(response, status):
    text = page_text(response)
    assert response.status_code == status, text
    assert response.mimetype == "text/html"
    assert SKIP_LINK in text
    assert SITE_HEADER in text
    assert "Traceback" not in text
    assert 'File "' not in text
    return text


def assert_error_page(response, status, title, message):
    text = assert_in_layout(response, status)
    assert f"<title>{title} · PSA Contest</title>" in text
    assert f"<h1>{title}</h1>" in text
    assert f"Error {status}" in text
    assert message in text
    assert 'href="/">Go to the home page</a>' in text
    return text


def test_bad_request(client):
    response = client.post("/auth/login", data={"email": "a@example.org", "password": "x"})
    assert_error_page(
        response,
        400,
        "Bad request",
        "Your form expired or came from another site, so it was not saved.",
    )


def test_forbidden(app, login_as):
    response = login_as("judge").get("/admin/")
    assert_error_page(
        response, 403, "Not allowed", "Your account does not give you access to this page."
    )


def test_not_found(client):
    response = client.get("/no-such-page")
    assert_error_page(response, 404, "Page not found", "There is no page at this address.")


def test_not_found_for_a_missing_row(app, login_as):
    response = login_as("organizer").get("/admin/contests/987654321")
    assert_error_page(response, 404, "Page not found", "There is no page at this address.")


def test_method_not_allowed(client):
    response = client.get("/auth/logout")
    assert_error_page(response, 405, "Method not allowed", "This page can&#39;t be used that way.")
    assert "POST" in response.headers["Allow"]


def test_too_large(make_app):
    small = make_app(MAX_CONTENT_LENGTH=1024)
    response = small.test_client().post("/auth/login", data={"email": "x" * 2048})
    text = assert_error_page(
        response, 413, "File too large", "What you sent is too large for us to accept."
    )
    assert "We accept up to 1 KB at a time." in text


def test_too_many_sign_in_attempts(app, client, people):
    response = exceed_sign_in_limit(app, client, people["teacher_a"].email)
    text = assert_in_layout(response, 429)
    assert "Too many failed sign-ins for this address." in text
    retry_after = response.headers["Retry-After"]
    assert re.fullmatch(r"[0-9]+", retry_after), retry_after
    assert 0 < int(retry_after) <= app.config["LOGIN_FAILURE_WINDOW_SECONDS"]


def test_server_error(make_app, caplog):
    failing = make_app(PROPAGATE_EXCEPTIONS=False)
    path = add_failing_route(failing)
    response = failing.test_client().get(path)
    text = assert_error_page(
        response, 500, "Something went wrong", "Something went wrong on our side"
    )
    assert FAILURE_DETAIL not in text
    assert "RuntimeError" not in text
    assert FAILURE_DETAIL in caplog.text  # the page's "it has been logged" is true


def test_a_message_given_with_the_error_is_kept(make_app):
    strict = make_app()
    strict.add_url_rule(
        "/test-only/closed", "closed", lambda: abort(403, "Entries for this contest are closed.")
    )
    response = strict.test_client().get("/test-only/closed")
    assert_error_page(response, 403, "Not allowed", "Entries for this contest are closed.")


def test_api_clients_get_json_errors(client):
    response = client.get("/auth/logout", headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.get_json() == {
        "status": 405,
        "error": "Method not allowed",
        "message": "This page can't be used that way. Go back and use the page's own links and "
        "buttons.",
    }


def test_a_refused_csrf_token_is_explained_to_api_clients(client):
    response = client.post("/auth/login", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["message"].startswith("Your form expired or came from another site")


def test_error_page_survives_a_broken_layout(make_app, caplog):
    """When the layout can't render (the database is down, say), a bare page still goes out."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/broken-layout")
    def broken_layout():
        raise RuntimeError("boom")

    @app.context_processor
    def database_down():
        raise RuntimeError("database unreachable")

    response = app.test_client().get("/broken-layout")

    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "boom" not in body
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "the error page could not be rendered" in caplog.text
