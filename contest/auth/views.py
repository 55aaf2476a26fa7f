"""Sign in and out, passwords, invitations and resets. Thin: forms in, services, pages out."""

import hmac
import logging
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from contest.auth import bp
from contest.auth import services as accounts
from contest.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from contest.auth.models import User
from contest.errors import Throttled, ValidationError
from contest.extensions import db, login_manager
from contest.mail import MailError, send_mail

log = logging.getLogger(__name__)


@login_manager.user_loader
def load_user(session_id):
    """The user a session names (see User.get_id), unless switched off or the password changed."""
    user_id, _, fingerprint = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active:
        return None
    return user if hmac.compare_digest(fingerprint, user.password_fingerprint) else None


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
    if user.has_role("organizer"):
        return url_for("admin.index")
    if user.has_role("judge"):
        return url_for("judging.index")
    if user.has_role("teacher"):
        return url_for("submissions.index")
    return url_for("gallery.index")


def _sign_in(user):
    session.clear()  # a fresh session at sign-in: nothing from before (fixation) survives
    login_user(user)


def _attach(form, error):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = accounts.authenticate(
                db.session,
                form.email.data,
                form.password.data,
                limit=config["LOGIN_FAILURE_LIMIT"],
                window_seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"],
            )
        except Throttled as error:
            db.session.rollback()
            return _too_many_attempts(error, "auth/login.html", form=form)
        except ValidationError as error:
            db.session.commit()  # keep the failure: throttling counts it
            _attach(form, error)
        else:
            db.session.commit()
            _sign_in(user)
            flash("You are signed in.", "success")
            return redirect(_safe_next(request.args.get("next")) or _home_for(user))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("gallery.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except ValidationError as error:
            _attach(form, error)
        else:
            db.session.commit()
            _sign_in(current_user._get_current_object())
            flash("Your password is changed.", "success")
            return redirect(_home_for(current_user))
    return render_template("auth/change_password.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = accounts.normalise_email(form.email.data)
        user = db.session.scalar(select(User).where(User.email == email))
        if user and user.active:
            token = accounts.password_reset_token(current_app.config["SECRET_KEY"], user)
            link = url_for("auth.reset_password", token=token, _external=True)
            hours = current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] // 3600 or 1
            try:
                send_mail(
                    user.email,
                    "Reset your PSA Contest password",
                    render_template("mail/password_reset.txt", user=user, link=link, hours=hours),
                )
            except MailError:
                # Logged by send_mail; a different answer here would tell who has an account.
                log.warning("password reset link for user %s was not sent", user.id)
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
        try:
            accounts.reset_password(db.session, user, form.password.data)
        except ValidationError as error:
            _attach(form, error)
        else:
            db.session.commit()
            _sign_in(user)
            flash("Your new password is set and you are signed in.", "success")
            return redirect(_home_for(user))
    return render_template("auth/reset_password.html", form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    config = current_app.config
    try:
        invitation = accounts.read_invitation(
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
            try:
                user = accounts.accept_invitation(
                    db.session,
                    invitation,
                    form.password.data,
                    form.name.data or "",
                    limit=config["LOGIN_FAILURE_LIMIT"],
                    window_seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"],
                )
            except Throttled as error:
                db.session.rollback()
                return _too_many_attempts(
                    error,
                    "auth/accept_invitation.html",
                    form=form,
                    invitation=invitation,
                    has_password=has_password,
                )
            except ValidationError as error:
                db.session.commit()  # keep a failed password: throttling counts it
                _attach(form, error)
            else:
                db.session.commit()
                _sign_in(user)
                flash(f"Welcome! You now have the {invitation.role} role.", "success")
                return redirect(_home_for(user))
    return render_template(
        "auth/accept_invitation.html", form=form, invitation=invitation, has_password=has_password
    )


@bp.route("/account")
@login_required
def account():
    return render_template("auth/account.html")
