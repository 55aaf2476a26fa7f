"""The mails about an account. Each is queued, so it leaves after the commit and no answer waits
for (or depends on) the mail server. Answers that must not tell whether an address has an account
queue a job that decides (`send_password_reset`, registration's job): a job has no request, so
its links are built from the site the request came to (`request_site`, `external_url`)."""

from flask import current_app, render_template, request
from sqlalchemy import select

from contest.auth import accounts
from contest.core import jobs
from contest.core.extensions import db
from contest.core.mail import queue_mail
from contest.core.models.accounts import User
from contest.core.transaction import unit_of_work


def request_site():
    """Where the current request came in, for links a job builds later."""
    return {"scheme": request.scheme, "host": request.host, "root": request.script_root}


def external_url(site, endpoint, **values):
    """An absolute link to `endpoint` on `site` (SERVER_NAME, when set, wins over the host the
    request named: a forged Host header must not put its own host into a mailed link)."""
    host = current_app.config.get("SERVER_NAME") or site["host"]
    adapter = current_app.url_map.bind(
        host, script_name=site["root"] or "/", url_scheme=site["scheme"]
    )
    return adapter.build(endpoint, values, force_external=True)


def account_links(email, site):
    """The links a mail about the account at `email` may carry: confirm it, sign in, reset."""
    token = accounts.confirmation_token(current_app.config["SECRET_KEY"], email)
    return {
        "confirm": external_url(site, "auth.confirm_email", token=token),
        "login": external_url(site, "auth.login"),
        "forgot": external_url(site, "auth.forgot_password"),
    }


@jobs.task()
def send_password_reset(email, site):
    """The job behind "forgot your password": a reset link if an active account has `email`."""
    user = db.session.scalar(select(User).where(User.email == email, User.active))
    if user is None:
        return
    token = accounts.password_reset_token(current_app.config["SECRET_KEY"], user)
    with unit_of_work(db.session):
        queue_mail(
            db.session,
            user.email,
            "Reset your PSA Contest password",
            render_template(
                "mail/password_reset.txt",
                user=user,
                link=external_url(site, "auth.reset_password", token=token),
                hours=current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] // 3600 or 1,
            ),
        )


def confirmation(user, links):
    """The link that confirms `user`'s address (with their password)."""
    queue_mail(
        db.session,
        user.email,
        "Confirm your email address for PSA Contest",
        render_template(
            "mail/confirm_email.txt",
            user=user,
            link=links["confirm"],
            hours=current_app.config["CONFIRMATION_MAX_AGE_SECONDS"] // 3600 or 1,
        ),
    )


def address_taken(user, links):
    """Tell the owner of an address that someone tried to register a school with it, and how to
    get in; an owner who has not confirmed it yet gets a new confirmation link too."""
    queue_mail(
        db.session,
        user.email,
        "Someone tried to register with your PSA Contest address",
        render_template("mail/address_taken.txt", user=user, links=links),
    )
    if not user.email_confirmed:
        confirmation(user, links)
