"""Sign in and out, passwords, invitations and resets. Thin: forms in, services, pages out."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from contest.auth import accounts, bp, invitations, mails
from contest.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ConfirmEmailForm,
    EndSessionsForm,
    ForgotPasswordForm,
    LoginForm,
    ResendConfirmationForm,
    ResetPasswordForm,
)
from contest.core import jobs, permissions
from contest.core.errors import Throttled, ValidationError
from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.core.transaction import unit_of_work
from contest.web.forms import on_form


def _safe_next(target):
    """Only same-site paths: an open redirect after sign-in is a phishing aid."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "\" as "/" and drop tabs and newlines, so "/\evil.example" would leave the
    # site; Werkzeug happens to percent-encode them in Location, but this does not rely on it.
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _too_many_attempts(error, template, **context):
    """The page again with status 429 and Retry-After, for a throttled sign-in."""
    flash(error.message, "error")
    response = current_app.make_response((render_template(template, **context), 429))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _home_for(user):
    if permissions.sees_any(user):
        return url_for("admin.index")
    if permissions.coordinates_any(user):
        return url_for("admin.district_schools")
    if user.has_role("judge"):
        return url_for("judging.index")
    if user.has_role("teacher"):
        return url_for("submissions.index")
    return url_for("gallery.index")


def _sign_in(user):
    session.clear()  # a fresh session at sign-in: nothing from before (fixation) survives
    login_user(user)


def _on_form(form):
    """Errors go on the form, but for throttling, which answers with its own 429 page."""
    show = on_form(form)
    return lambda error: None if isinstance(error, Throttled) else show(error)


def _password_check(form):
    """The unit of work of a step that checks a password: a wrong one is refused and kept, so
    throttling counts it; a throttled one changes nothing."""
    return unit_of_work(db.session, show=_on_form(form), keep=(ValidationError,))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        config = current_app.config
        with _password_check(form) as work:
            user = accounts.authenticate(
                db.session,
                form.email.data,
                form.password.data,
                limit=config["LOGIN_FAILURE_LIMIT"],
                window_seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"],
            )
        if isinstance(work.error, Throttled):
            return _too_many_attempts(work.error, "auth/login.html", form=form)
        if work.done:
            _sign_in(user)
            flash("You are signed in.", "success")
            return redirect(_safe_next(request.args.get("next")) or _home_for(user))
    return render_template("auth/login.html", form=form)


def _end_sessions_and_sign_out():
    """End every session of the signed-in person on the server, then this browser's."""
    if current_user.is_authenticated:
        with unit_of_work(db.session):
            accounts.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()


@bp.route("/logout", methods=["POST"])
def logout():
    # Ends the account's sessions on every device, not only this cookie: a copy of it (or a
    # session left open on a classroom computer) stops working too.
    _end_sessions_and_sign_out()
    flash("You are signed out.", "success")
    return redirect(url_for("gallery.index"))


@bp.route("/sessions/end", methods=["POST"])
@login_required
def end_sessions():
    form = EndSessionsForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.account"))
    _end_sessions_and_sign_out()
    flash("You are signed out on every device.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        if work.done:
            _sign_in(current_user._get_current_object())
            flash("Your password is changed.", "success")
            return redirect(_home_for(current_user))
    return render_template("auth/change_password.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Looked up and mailed by a job: the answer, in its words and its time, is the same
        # whether or not the address has an account.
        email = accounts.normalise_email(form.email.data)
        site = mails.request_site()
        with unit_of_work(db.session):
            jobs.enqueue_after_commit(db.session, mails.send_password_reset, email, site)
        # The same answer either way, so the form doesn't reveal who has an account.
        flash(
            "If an account uses that address, we have sent it a link to reset the password.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    config = current_app.config
    try:
        user = accounts.read_password_reset_token(
            db.session, config["SECRET_KEY"], token, config["PASSWORD_RESET_MAX_AGE_SECONDS"]
        )
    except ValidationError as error:
        return render_template("auth/link_problem.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            accounts.reset_password(db.session, user, form.password.data)
        if work.done:
            _sign_in(user)
            flash("Your new password is set and you are signed in.", "success")
            return redirect(_home_for(user))
    return render_template("auth/reset_password.html", form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    config = current_app.config
    try:
        invitation = invitations.read_invitation(
            db.session, config["SECRET_KEY"], token, config["INVITATION_MAX_AGE_SECONDS"]
        )
    except ValidationError as error:
        return render_template("auth/link_problem.html", message=error.message), 400
    existing = db.session.scalar(select(User).where(User.email == invitation.email))
    has_password = bool(existing and existing.password_hash)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        if not has_password and form.password.data != form.confirm.data:
            form.confirm.errors = ["The two passwords differ."]
        else:
            with _password_check(form) as work:
                user = invitations.accept_invitation(
                    db.session,
                    invitation,
                    form.password.data,
                    form.name.data or "",
                    limit=config["LOGIN_FAILURE_LIMIT"],
                    window_seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"],
                )
            if isinstance(work.error, Throttled):
                return _too_many_attempts(
                    work.error,
                    "auth/accept_invitation.html",
                    form=form,
                    invitation=invitation,
                    has_password=has_password,
                )
            if work.done:
                _sign_in(user)
                flash(f"Welcome! You now have the {invitation.role} role.", "success")
                return redirect(_home_for(user))
    return render_template(
        "auth/accept_invitation.html", form=form, invitation=invitation, has_password=has_password
    )


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token):
    config = current_app.config
    try:
        user = accounts.read_confirmation_token(
            db.session, config["SECRET_KEY"], token, config["CONFIRMATION_MAX_AGE_SECONDS"]
        )
    except ValidationError as error:
        return render_template("auth/link_problem.html", message=error.message), 400
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        with _password_check(form) as work:
            accounts.confirm_email(
                db.session,
                user,
                form.password.data,
                limit=config["LOGIN_FAILURE_LIMIT"],
                window_seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"],
            )
        if isinstance(work.error, Throttled):
            return _too_many_attempts(work.error, "auth/confirm_email.html", form=form, user=user)
        if work.done:
            _sign_in(user)
            flash("Your email address is confirmed and you are signed in.", "success")
            return redirect(_home_for(user))
    return render_template("auth/confirm_email.html", form=form, user=user)


@bp.route("/confirm", methods=["GET", "POST"])
def resend_confirmation():
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        with unit_of_work(db.session):
            user = accounts.waiting_for_confirmation(db.session, form.email.data)
            if user is not None:
                mails.confirmation(user, mails.account_links(user.email, mails.request_site()))
        # The same answer whether or not the address has an account waiting.
        flash(
            "If an account with that address is waiting for confirmation, we have sent it a "
            "new link.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/resend_confirmation.html", form=form)


@bp.route("/account")
@login_required
def account():
    return render_template("auth/account.html", end_sessions_form=EndSessionsForm())
