"""Invitations: a signed, expiring, single-use link that grants a role, making the account if
need be; and the invitations an archive holds until the site administrator sends them."""

from datetime import timedelta

from sqlalchemy import select, update

from contest.auth.accounts import (
    authenticate,
    check_password_strength,
    create_user,
    grant_role,
    hash_password,
)
from contest.auth.tokens import load_token, serializer
from contest.core.dbtypes import utcnow
from contest.core.emails import parse_address
from contest.core.errors import ValidationError
from contest.core.models.accounts import Invitation, User
from contest.core.permissions import INSIDE_ROLES
from contest.core.statuses import Role


def invite(
    session,
    secret_key,
    email,
    role,
    invited_by,
    max_age_seconds,
    school_id=None,
    contest_id=None,
    district_id=None,
    now=None,
):
    """Record an invitation and return (invitation, token) for the link sent by mail."""
    email = parse_address(email)
    if role == "teacher" and school_id is None:
        raise ValidationError("auth.choose_school_teacher_submits", field="school")
    if role in (Role.ORGANIZER, Role.OBSERVER) and contest_id is None:
        raise ValidationError("auth.choose_contest_of_role", field="contest", role=role)
    if role == Role.COORDINATOR and district_id is None:
        raise ValidationError("auth.choose_district_coordinator", field="district")
    now = now or utcnow()
    invitation = Invitation(
        email=email,
        role=role,
        school_id=school_id if role == "teacher" else None,
        contest_id=contest_id if role in (Role.ORGANIZER, Role.OBSERVER, Role.JUDGE) else None,
        district_id=district_id if role == Role.COORDINATOR else None,
        invited_by_id=getattr(invited_by, "id", None),
        created_at=now,
        expires_at=now + timedelta(seconds=max_age_seconds),
        sent_at=now,
    )
    session.add(invitation)
    session.flush()
    return invitation, _invitation_token(secret_key, invitation, now)


def _invitation_token(secret_key, invitation, now):
    data = {"id": invitation.id, "email": invitation.email}
    return serializer(secret_key, "invitation", now).dumps(data)


def hold_invitation(session, email, role, contest_id, max_age_seconds, now=None):
    """Record an invitation to `role` in contest `contest_id` that nobody is sent yet (a role an
    archive proposes; the site administrator decides whether to `send_invitation`)."""
    email = parse_address(email)
    if role not in INSIDE_ROLES:
        raise ValueError(f"{role} roles are given at once, not held")
    now = now or utcnow()
    invitation = Invitation(
        email=email,
        role=role,
        contest_id=contest_id,
        created_at=now,
        expires_at=now + timedelta(seconds=max_age_seconds),
    )
    session.add(invitation)
    return invitation


def send_invitation(session, secret_key, invitation, max_age_seconds, now=None):
    """Make an open invitation's link good for `max_age_seconds` from now and return its token,
    for the mail: a held invitation's first sending, or another for a lost or expired mail.
    Links sent before stay good until they expire."""
    if invitation.accepted_at is not None:
        raise ValidationError("auth.invitation_already_been_used")
    now = now or utcnow()
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(seconds=max_age_seconds)
    session.flush()
    return _invitation_token(secret_key, invitation, now)


def read_invitation(session, secret_key, token, max_age_seconds, now=None):
    """The open invitation a token names; ValidationError if forged, expired or already used."""
    data = load_token(secret_key, "invitation", token, max_age_seconds, now)
    invitation = session.get(Invitation, data.get("id")) if isinstance(data, dict) else None
    # A held invitation was never sent: no link to it can be genuine.
    if invitation is None or invitation.email != data.get("email") or invitation.sent_at is None:
        raise ValidationError("auth.link_valid_check_copied")
    if invitation.accepted_at is not None:
        raise ValidationError("auth.invitation_already_been_used")
    if invitation.expires_at <= (now or utcnow()):
        raise ValidationError("auth.link_expired_ask_new")
    return invitation


def accept_invitation(session, invitation, password, name="", *, limit, window_seconds, now=None):
    """Create the invited account (or add the role to an existing one) and use up the invitation.

    For an existing account `password` must be its current password, checked and throttled like a
    sign-in (`limit` failures per `window_seconds`), so a leaked link can neither take the account
    over nor serve to guess its password. Raises Throttled or ValidationError; after a
    ValidationError the caller commits, to keep a failed attempt (nothing the refusal should undo
    is pending then).
    """
    now = now or utcnow()
    user = session.scalar(select(User).where(User.email == invitation.email))
    if user is None:
        user = create_user(session, invitation.email, password=password, name=name)
        _use_up(session, invitation, now)
    elif not user.active:
        raise ValidationError("auth.account_switched_off_ask")
    elif user.password_hash is None:
        check_password_strength(password, user.email)
        _use_up(session, invitation, now)
        user.password_hash = hash_password(password)
        user.name = name.strip() or user.name
    else:
        try:
            authenticate(session, user.email, password, limit, window_seconds, now, confirmed=False)
        except ValidationError as error:
            raise ValidationError(
                "auth.already_account_enter_password",
                field="password",
            ) from error
        _use_up(session, invitation, now)
    # The link came to this address: it is confirmed now if it was not before.
    user.email_confirmed_at = user.email_confirmed_at or now
    grant_role(
        user, invitation.role, invitation.school_id, invitation.contest_id, invitation.district_id
    )
    session.flush()
    invitation.accepted_by_id = user.id
    return user


def _use_up(session, invitation, now):
    """Mark the invitation accepted in one conditional UPDATE, so of two processes accepting it
    at once only one succeeds (a check on the loaded row would let both through)."""
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ValidationError("auth.invitation_already_been_used")
    invitation.accepted_at = now
