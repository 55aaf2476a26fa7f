"""Test helpers: CSRF-aware form posts and a real SMTP server."""

import re
import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from sqlalchemy import make_url

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, url):
    """The CSRF token of the form on the page at `url` (also sets the session cookie)."""
    page = client.get(url)
    assert page.status_code == 200, f"GET {url} gave {page.status_code}"
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def submit(client, url, data, page=None, **kwargs):
    """POST `data` to `url` with the CSRF token from the form at `page` (default `url`)."""
    token = csrf_token(client, page or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def page_text(response):
    return response.get_data(as_text=True)


class _Handler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """aiosmtpd on a free local port; `messages` holds (recipients, EmailMessage) pairs."""

    def __init__(self):
        self.handler = _Handler()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self):
        return self.handler.messages

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def last_body(self):
        assert self.messages, "no mail received"
        return self.messages[-1][1].get_content()

    def link_in_last(self, path_part):
        match = re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", self.last_body())
        assert match, f"no link with {path_part!r} in the last message"
        return match.group(0)


def fresh_postgres_database(base_url, worker_id, purpose="tests"):
    """Create (afresh) a database for this worker and purpose next to `base_url`'s; its URL."""
    import psycopg

    url = make_url(base_url)
    name = f"{url.database}_psa_{purpose}_{re.sub(r'[^a-z0-9]', '', worker_id)}"
    # The maintenance database, so the base database named in the URL need not exist.
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)
