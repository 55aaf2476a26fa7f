"""Accounts, passwords, sign-in throttling, address confirmation and resets (invitations:
`invitations`).

Plain functions: values and a SQLAlchemy session in, users or domain errors out. Tokens are signed
with itsdangerous; single use comes from the database (an invitation's accepted_at, a
confirmation's email_confirmed_at, a reset token's fingerprint of the password hash it was issued
for).
"""

import math
from datetime import timedelta

from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from contest.auth.tokens import load_token, serializer
from contest.core.dbtypes import utcnow
from contest.core.emails import parse_address
from contest.core.errors import Throttled, ValidationError
from contest.core.models.accounts import LoginFailure, RoleGrant, User

MIN_PASSWORD_LENGTH = 10
# Checked when the email is unknown, so a wrong email costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class EmailNotConfirmed(ValidationError):
    """The right password for an account whose address is not confirmed yet."""


def normalise_email(email):
    """The form addresses are stored and looked up in (contest.core.emails.parse_address). What does
    not parse is only trimmed and lower-cased, for look-ups: it can match nothing but an account
    made before addresses were parsed. New addresses go through parse_address itself."""
    try:
        return parse_address(email)
    except ValidationError:
        return (email or "").strip().lower()


def hash_password(password):
    """A memory-hard scrypt hash (werkzeug's default parameters: n=2**15, r=8, p=1)."""
    return generate_password_hash(password, method="scrypt")


def check_password_strength(password, email=""):
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "auth.use_least_characters_password",
            field="password",
            MIN_PASSWORD_LENGTH=MIN_PASSWORD_LENGTH,
        )
    if email and password.lower() == normalise_email(email):
        raise ValidationError("auth.password_must_email_address", field="password")


def create_user(
    session, email, password=None, name="", roles=(), *, confirmed=False, password_hash=None
):
    """Make an account; `roles` holds (role, school_id) pairs. Raises if the email is taken.

    The address counts as the person's only when `confirmed` (an operator vouches for it);
    otherwise a link mailed to it must be used first. `password_hash` is a password the caller
    checked and hashed already."""
    email = parse_address(email)
    if session.scalar(select(User).where(User.email == email)):
        raise ValidationError("auth.account_already_exists", field="email", email=email)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=password_hash,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    if password is not None:
        check_password_strength(password, email)
        user.password_hash = hash_password(password)
    for role, school_id in roles:
        user.grants.append(RoleGrant(role=role, school_id=school_id))
    session.add(user)
    return user


def grant_role(user, role, school_id=None, contest_id=None, district_id=None):
    """Give `user` a role unless they already hold exactly it."""
    scope = (role, school_id, contest_id, district_id)
    for grant in user.grants:
        if (grant.role, grant.school_id, grant.contest_id, grant.district_id) == scope:
            return grant
    grant = RoleGrant(
        role=role, school_id=school_id, contest_id=contest_id, district_id=district_id
    )
    user.grants.append(grant)
    return grant


# --- sign-in and throttling -------------------------------------------------------------------


def retry_after_seconds(session, email, limit, window_seconds, now=None):
    """Seconds until `email` may try again, or 0 if fewer than `limit` recent failures."""
    now = now or utcnow()
    since = now - timedelta(seconds=window_seconds)
    times = session.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.email == email, LoginFailure.at > since)
        .order_by(LoginFailure.at)
    ).all()
    if len(times) < limit:
        return 0
    # The window must drop enough of the oldest failures to leave fewer than `limit`.
    free_at = times[len(times) - limit] + timedelta(seconds=window_seconds)
    return max(1, math.ceil((free_at - now).total_seconds()))


def authenticate(session, email, password, limit, window_seconds, now=None, confirmed=True):
    """Return the active user with this email and password.

    Raises Throttled after `limit` failures within the window (even for the right password),
    ValidationError for a wrong email or password, EmailNotConfirmed for the right password of
    an address not confirmed yet (unless `confirmed` is False: the caller is confirming it). The
    caller commits: failures are recorded.
    """
    now = now or utcnow()
    email = normalise_email(email)
    wait = retry_after_seconds(session, email, limit, window_seconds, now)
    if wait:
        minutes = math.ceil(wait / 60)
        raise Throttled(
            "auth.too_many_failed_sign",
            retry_after=wait,
            minutes=minutes,
            plural="s" if minutes != 1 else "",
        )
    user = session.scalar(select(User).where(User.email == email))
    stored_hash = user.password_hash if user and user.password_hash else _DUMMY_HASH
    if check_password_hash(stored_hash, password) and user and user.password_hash and user.active:
        if confirmed and not user.email_confirmed:
            raise EmailNotConfirmed(
                "auth.confirm_email_address_first",
                field="password",
            )
        session.execute(delete(LoginFailure).where(LoginFailure.email == email))
        user.last_login_at = now
        return user
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.email == email,
            LoginFailure.at <= now - timedelta(seconds=window_seconds),
        )
    )
    session.add(LoginFailure(email=email, at=now))
    raise ValidationError("auth.wrong_email_address_password", field="password")


def end_sessions(user):
    """End every session of `user`, on every device, from their next request: the generation
    the sessions carry moves on (contest/auth/sessions.py). One SQL increment, so two at once
    both count. The caller commits, then signs the person in again if they stay."""
    user.session_generation = User.session_generation + 1


def set_password(user, password):
    """A new password, which ends every session of the account (a thief's included)."""
    check_password_strength(password, user.email)
    user.password_hash = hash_password(password)
    end_sessions(user)


def change_password(user, current_password, new_password):
    if not user.password_hash or not check_password_hash(user.password_hash, current_password):
        raise ValidationError("auth.current_password_right", field="current_password")
    if current_password == new_password:
        raise ValidationError("auth.choose_password_used_here", field="password")
    set_password(user, new_password)


def confirmation_token(secret_key, email, now=None):
    """A signed link token that confirms the address `email` (with the account's password, once).

    It names the address, not an account: a registration decided later (off the request) can
    still be mailed a link made while the request was at hand."""
    return serializer(secret_key, "confirmation", now).dumps({"email": normalise_email(email)})


def read_confirmation_token(session, secret_key, token, max_age_seconds, now=None):
    """The unconfirmed account a confirmation token names; ValidationError if forged, expired or
    used (the address is confirmed already)."""
    data = load_token(secret_key, "confirmation", token, max_age_seconds, now)
    email = data.get("email") if isinstance(data, dict) else None
    user = (
        session.scalar(select(User).where(User.email == email)) if isinstance(email, str) else None
    )
    if user is None or not user.active:
        raise ValidationError("auth.link_valid_check_copied")
    if user.email_confirmed:
        raise ValidationError("auth.address_already_confirmed_sign")
    return user


def confirm_email(session, user, password, *, limit, window_seconds, now=None):
    """Confirm `user`'s address, given the password chosen at registration.

    The link alone is not enough: someone who registered another person's address could
    otherwise get that person to confirm an account whose password the registrant knows. The
    password is checked and throttled like a sign-in; single use is one conditional UPDATE.
    Raises Throttled or ValidationError (the caller commits after one, to keep the failure).
    """
    now = now or utcnow()
    try:
        authenticate(session, user.email, password, limit, window_seconds, now, confirmed=False)
    except ValidationError as error:  # Throttled is no ValidationError: it propagates as it is
        raise ValidationError("auth.password_chose_when_registering", field="password") from error
    claimed = session.execute(
        update(User)
        .where(User.id == user.id, User.email_confirmed_at.is_(None))
        .values(email_confirmed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ValidationError("auth.address_already_confirmed_sign")
    user.email_confirmed_at = now
    return user


def waiting_for_confirmation(session, email):
    """The active account with `email` whose address is not confirmed yet, or None."""
    return session.scalar(
        select(User).where(
            User.email == normalise_email(email),
            User.active,
            User.email_confirmed_at.is_(None),
        )
    )


def password_reset_token(secret_key, user, now=None):
    """A signed link token for `user`, worthless once their password changes."""
    return serializer(secret_key, "reset", now).dumps(
        {"id": user.id, "fp": user.password_fingerprint}
    )


def read_password_reset_token(session, secret_key, token, max_age_seconds, now=None):
    """The user a reset token was issued for; ValidationError if forged, expired or used."""
    data = load_token(secret_key, "reset", token, max_age_seconds, now)
    user = session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise ValidationError("auth.link_valid_check_copied")
    if data.get("fp") != user.password_fingerprint:
        raise ValidationError("auth.link_already_been_used")
    return user


def reset_password(session, user, new_password, now=None):
    set_password(user, new_password)
    # The link came by mail, which proves the address: confirmed (if it was not yet), and the
    # person is let straight back in.
    user.email_confirmed_at = user.email_confirmed_at or now or utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
