"""Security headers on every response, a CSP the templates can live with, CSRF, cookie flags."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import ProductionConfig
from contest import create_app
from contest.core.extensions import db
from contest.core.models.accounts import Invitation
from contest.core.models.contests import Contest
from tests.factories import contest_form, make_route_values
from tests.helpers import (
    ROLES,
    add_failing_route,
    app_routes,
    csrf_token,
    exceed_sign_in_limit,
    page_text,
    role_client,
    route_url,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
HSTS = "max-age=31536000; includeSubDomains"

# What a Content-Security-Policy of 'self' without 'unsafe-inline' would block in a browser.
INLINE_CODE = {
    "an inline <script> body": re.compile(r"<script\b[^>]*>(?!\s*</script>)", re.IGNORECASE),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
    "an on*= event attribute": re.compile(r"<[a-z][^<>]*?\son[a-z]+\s*=", re.IGNORECASE),
    "a style= attribute": re.compile(r"<[a-z][^<>]*?\sstyle\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


class SecureConfig(ProductionConfig):
    """Production settings with a key, on a database the requests below never touch."""

    SECRET_KEY = "production-secret-key-for-tests-0123456789abcdef"
    SQLALCHEMY_DATABASE_URI = "sqlite://"


@pytest.fixture
def production_app(tmp_path):
    return create_app(SecureConfig, INSTANCE_DIR=tmp_path)


def csp_directives(response):
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"no Content-Security-Policy on {response.request.path}"
    directives = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *sources = directive.split()
        directives[name] = sources
    return directives


def assert_security_headers(response):
    where = f"{response.request.method} {response.request.path} ({response.status_code})"
    csp = csp_directives(response)
    for name, sources in {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "frame-ancestors": ["'none'"],
    }.items():
        assert csp.get(name) == sources, f"{where}: CSP {name} is {csp.get(name)}"
    unsafe = [s for sources in csp.values() for s in sources if s.startswith("'unsafe-")]
    assert not unsafe, f"{where}: CSP allows {unsafe}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where


def inline_code(html):
    """The kinds of inline code (see INLINE_CODE) found in `html`."""
    return [kind for kind, pattern in INLINE_CODE.items() if pattern.search(html)]


# --- headers on every response -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_page_sends_security_headers_and_no_inline_code(app, login_as, role):
    values = make_route_values(app)
    client = role_client(app, login_as, role)
    checked = 0
    for endpoint, method, rule in app_routes(app):
        if method != "GET":
            continue
        response = client.get(route_url(app, rule, values))
        assert_security_headers(response)
        if response.mimetype == "text/html":
            found = inline_code(page_text(response))
            assert not found, f"{endpoint} as {role} has {found}"
            assert response.headers["Cache-Control"] == "no-store", endpoint
        response.close()
        checked += 1
    assert checked >= 15, f"only {checked} GET routes checked"


def test_not_found_sends_security_headers(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_security_headers(response)


def test_forbidden_sends_security_headers(app, login_as):
    response = login_as("teacher_a").get("/admin/")
    assert response.status_code == 403
    assert_security_headers(response)


def test_method_not_allowed_sends_security_headers(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert_security_headers(response)


def test_too_many_attempts_sends_security_headers(app, client, people):
    response = exceed_sign_in_limit(app, client, people["judge"].email)
    assert response.status_code == 429
    assert_security_headers(response)


def test_server_error_sends_security_headers(make_app):
    failing = make_app(PROPAGATE_EXCEPTIONS=False)
    path = add_failing_route(failing)
    response = failing.test_client().get(path)
    assert response.status_code == 500
    assert_security_headers(response)


def test_refused_csrf_token_sends_security_headers(client):
    response = client.post("/auth/login", data={})
    assert response.status_code == 400
    assert_security_headers(response)


def test_too_large_sends_security_headers(make_app):
    small = make_app(MAX_CONTENT_LENGTH=1024)
    response = small.test_client().post("/auth/login", data={"email": "x" * 2048})
    assert response.status_code == 413
    assert_security_headers(response)


def test_static_file_sends_security_headers(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert_security_headers(response)
    response.close()


def test_strict_transport_security_only_when_cookies_are_secure(client, production_app):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    secure = production_app.test_client()
    for path, status in (("/auth/login", 200), ("/no-such-page", 404)):
        response = secure.get(path)
        assert response.status_code == status
        assert response.headers.get("Strict-Transport-Security") == HSTS, path
        assert_security_headers(response)


# --- templates: the CSP enforced at the source -----------------------------------------------


def test_templates_hold_no_inline_script_or_style():
    templates = sorted(path for path in TEMPLATES.rglob("*") if path.is_file())
    assert len(templates) >= 15, f"only {len(templates)} templates under {TEMPLATES}"
    found = {
        str(path.relative_to(TEMPLATES)): inline_code(path.read_text())
        for path in templates
        if inline_code(path.read_text())
    }
    assert not found, f"inline code the CSP would block: {found}"


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<script defer>\n document.title = 'x'\n</script>",
        "<style>p { color: red }</style>",
        '<button type="button" onclick="go()">Go</button>',
        '<p class="x"\n   style="color: red">',
        '<a href="javascript:go()">Go</a>',
    ],
)
def test_the_template_scan_catches_inline_code(html):
    assert inline_code(html)


def test_the_template_scan_lets_external_scripts_and_classes_through():
    html = '<script src="/static/js/site.js" defer></script><p class="on-time styled">x</p>'
    assert inline_code(html) == []


# --- CSRF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "organizer"])
def test_every_post_route_refuses_a_post_without_csrf_token(app, login_as, role):
    values = make_route_values(app)
    client = role_client(app, login_as, role)
    posts = [(endpoint, rule) for endpoint, method, rule in app_routes(app) if method == "POST"]
    assert posts, "no POST route found"
    for endpoint, rule in posts:
        response = client.post(route_url(app, rule, values), data={})
        text = page_text(response)
        assert response.status_code == 400, f"{endpoint}: {response.status_code}"
        assert 'class="error-page"' in text, endpoint
        assert "Your form expired or came from another site, so it was not saved." in text
    if role != "anonymous":  # the POST to auth.logout did not sign the organizer out
        assert client.get("/auth/account").status_code == 200


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


CONTEST_FORM = contest_form(name="Safe Streets 2027", slug="safe-streets-2027")


def test_a_contest_form_without_csrf_token_saves_nothing(app, login_as):
    organizer = login_as("organizer")
    refused = organizer.post("/admin/contests/new", data=CONTEST_FORM)
    assert refused.status_code == 400
    assert count(app, Contest) == 0
    # The same form with its token goes through: the token alone made the difference.
    token = csrf_token(organizer, "/admin/contests/new")
    saved = organizer.post("/admin/contests/new", data={**CONTEST_FORM, "csrf_token": token})
    assert saved.status_code == 302, page_text(saved)
    assert count(app, Contest) == 1


def test_an_invitation_without_csrf_token_is_not_sent(app, login_as, people):
    organizer = login_as("organizer")
    form = {"email": "new.judge@example.org", "role": "judge", "school": "0"}
    refused = organizer.post("/admin/people", data=form)
    assert refused.status_code == 400
    assert count(app, Invitation) == 0
    token = csrf_token(organizer, "/admin/people")
    sent = organizer.post("/admin/people", data={**form, "csrf_token": token})
    assert sent.status_code == 302, page_text(sent)
    assert count(app, Invitation) == 1


# --- the session cookie --------------------------------------------------------------------------


def session_cookie(response):
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return [part.strip() for part in cookies[0].split(";")]


def test_session_cookie_is_http_only_and_same_site_lax(client):
    flags = session_cookie(client.get("/auth/login"))
    assert "HttpOnly" in flags
    assert "SameSite=Lax" in flags


def test_session_cookie_is_secure_in_production(production_app):
    flags = session_cookie(production_app.test_client().get("/auth/login"))
    assert "Secure" in flags
    assert "HttpOnly" in flags
    assert "SameSite=Lax" in flags
