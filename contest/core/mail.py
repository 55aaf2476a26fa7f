"""Outgoing mail: SMTP when MAIL_URL names a server, else an outbox folder and the log.

MAIL_URL forms: `outbox` (the embedded default, for the demo and offline use),
`smtp://[user:password@]host[:port]` (plain, for a local relay), `smtp+starttls://...`
and `smtps://...` (TLS from the start).
"""

import logging
import os
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

from config import ConfigError
from contest.core import jobs
from contest.core.emails import parse_address
from contest.core.errors import ValidationError
from contest.core.text import is_single_line

log = logging.getLogger(__name__)

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


@dataclass(frozen=True)
class MailServer:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


def _redacted(url):
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def parse_mail_url(url):
    """Return a MailServer for an SMTP URL, or None for the outbox; ValueError if malformed.

    Messages show the URL with its password hidden: they end up in logs.
    """
    if url in (None, "", "outbox"):
        return None
    parts = urlsplit(url)
    url = _redacted(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(f"MAIL_URL scheme must be one of outbox, {', '.join(SCHEMES)}: {url!r}")
    if not parts.hostname:
        raise ValueError(f"MAIL_URL has no host: {url!r}")
    try:
        port = parts.port
    except ValueError as exc:  # not a number, or out of range
        raise ValueError(f"MAIL_URL has a bad port ({exc}): {url!r}") from exc
    return MailServer(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or SCHEMES[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def one_line(text):
    """`text` as one header line: line breaks and other control characters become spaces, so
    nothing user-written (a title in a subject, text saved before forms refused it) can add or
    end a header."""
    return " ".join("".join(" " if not is_single_line(c) else c for c in text).split())


def build_message(to, subject, body, sender):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = one_line(to)
    message["Subject"] = one_line(subject)
    message["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message["Message-ID"] = make_msgid(domain="psa-contest.local")
    message.set_content(body)
    return message


class NotOneRecipient(MailError):
    """`to` is not exactly one plain address: nothing was sent, and retrying cannot help."""


def send_mail(to, subject, body):
    """Send a plain-text message to one address; raise MailError if it cannot be delivered.

    `to` must parse as exactly one plain address (contest.core.emails), else NotOneRecipient and
    nothing goes out: no list, group or name that could reach a second mailbox. The parsed
    address is the envelope recipient, never read back from the headers.
    """
    try:
        to = parse_address(to, field="to")
    except ValidationError as error:
        log.error("mail %r not sent: its recipient is not one email address", subject)
        raise NotOneRecipient(f"The recipient is not one email address. {error.message}") from None
    config = current_app.config
    message = build_message(to, subject, body, config["MAIL_SENDER"])
    server = parse_mail_url(config["MAIL_URL"])
    if server is None:
        try:
            return _write_to_outbox(message, Path(config["INSTANCE_DIR"]) / "outbox")
        except OSError as exc:
            log.error("mail %r not written to the outbox: %s", subject, exc)
            raise MailError(f"The message could not be written to the outbox: {exc}") from exc
    try:
        _send_smtp(server, message, to)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("mail %r failed: %s", subject, exc)
        raise MailError(f"The mail server did not accept the message: {exc}") from exc
    # No address in the log: voters' addresses must not be kept anywhere in clear.
    log.info("mail sent: %s", subject)
    return message


def _send_smtp(server, message, recipient):
    timeout = 20
    if server.scheme == "smtps":
        client = smtplib.SMTP_SSL(
            server.host, server.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with client:
        if server.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if server.username:
            client.login(server.username, server.password or "")
        client.send_message(message, to_addrs=[recipient])


def _report_undelivered(to, subject, body, error=None):
    log.error("mail %r not delivered after every retry: %s", subject, error)


@jobs.task(on_final_failure=_report_undelivered)
def deliver_mail(to, subject, body):
    """The job that sends a queued message; a MailError makes the queue try again later, but
    for a recipient that is not one address (logged by send_mail): it would fail the same way."""
    try:
        send_mail(to, subject, body)
    except NotOneRecipient:
        return


def queue_mail(session, to, subject, body):
    """Send the message once `session` commits, as a job the queue retries; nothing if it rolls
    back. The request neither waits for the mail server nor fails with it."""
    jobs.enqueue_after_commit(session, deliver_mail, to, subject, body)


def send_now(to, subject, body):
    """Send in the request and say whether the message went: for the one message whose
    recipient must be kept nowhere, a voter's code (docs/privacy.md). A queued job would store
    the address, the code and the link that casts the vote. Call it after the commit; False
    (logged by send_mail) tells the caller to say so and let the person try again."""
    try:
        send_mail(to, subject, body)
    except MailError:
        return False
    return True


def _write_to_outbox(message, folder):
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    # The random part keeps two processes writing in the same microsecond apart.
    path = folder / f"{stamp}-{secrets.token_hex(4)}.eml"
    # Written aside, then renamed: whoever reads the outbox never sees half a message.
    partial = path.with_name(f".{path.name}.part")
    with partial.open("xb") as file:
        file.write(bytes(message))
    os.replace(partial, path)
    log.info(
        "mail to %s written to %s\nSubject: %s\n\n%s",
        message["To"],
        path,
        message["Subject"],
        message.get_content(),
    )
    return message


def init_app(app):
    """Refuse to start with a malformed MAIL_URL rather than fail at the first message."""
    try:
        parse_mail_url(app.config["MAIL_URL"])
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
