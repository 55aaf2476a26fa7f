"""Account services against the database: passwords, throttling, invitations and reset tokens.

Time is passed in as `now`, never slept through.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from contest.auth import accounts, invitations
from contest.core.errors import Throttled, ValidationError
from contest.core.extensions import db
from contest.core.models.accounts import Invitation, LoginFailure, User
from contest.core.models.entries import School
from tests import factories
from tests.helpers import tamper

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LIMIT = 3
WINDOW = 600  # seconds
KEY = "test-secret-key-that-is-long-enough-0123456789"
DAY = 24 * 3600
NEW_PASSWORD = "a brand new pass phrase"


def sign_in(session, email, password, now=NOW):
    return accounts.authenticate(session, email, password, LIMIT, WINDOW, now=now)


def fail(session, email, times, now=NOW):
    """Fail to sign in `times` times at `now`, each a refused password."""
    for _ in range(times):
        with pytest.raises(ValidationError):
            sign_in(session, email, "not the password", now)


def failures(session, email):
    return session.scalar(select(func.count()).where(LoginFailure.email == email))


@pytest.fixture
def person(session):
    return factories.add_user(session, email="person@example.org")


@pytest.fixture
def school(session):
    school = School(name="Adams High", district=factories.district_row("North"))
    session.add(school)
    session.flush()
    return school


def invitation_for(session, email, role="teacher", school=None, max_age=14 * DAY, now=NOW):
    return invitations.invite(
        session,
        KEY,
        email,
        role,
        invited_by=None,
        max_age_seconds=max_age,
        school_id=getattr(school, "id", None),
        now=now,
    )


def read(session, token, max_age=14 * DAY, now=NOW, key=KEY):
    return invitations.read_invitation(session, key, token, max_age, now=now)


def accept(session, invitation, password, name="", now=NOW):
    return invitations.accept_invitation(
        session, invitation, password, name, limit=LIMIT, window_seconds=WINDOW, now=now
    )


# --- accounts and passwords --------------------------------------------------------------------


def test_create_user_normalises_the_email_and_hashes_the_password_with_scrypt(session):
    user = accounts.create_user(session, "  Ada@Example.ORG ", password=NEW_PASSWORD, name=" Ada ")
    session.flush()

    assert (user.email, user.name) == ("ada@example.org", "Ada")
    assert user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, NEW_PASSWORD)


def test_create_user_refuses_an_email_already_taken_whatever_its_case(session, person):
    with pytest.raises(ValidationError, match="already exists") as caught:
        accounts.create_user(session, "PERSON@example.org", password=NEW_PASSWORD)
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 10 characters"), ("new@example.org", "must not be your email")],
)
def test_create_user_refuses_a_weak_password(session, password, message):
    with pytest.raises(ValidationError, match=message) as caught:
        accounts.create_user(session, "new@example.org", password=password)
    assert caught.value.field == "password"


def test_change_password_needs_the_current_password(person):
    with pytest.raises(ValidationError, match="current password is not right") as caught:
        accounts.change_password(person, "not the password", NEW_PASSWORD)
    assert caught.value.field == "current_password"
    assert check_password_hash(person.password_hash, factories.PASSWORD)


def test_change_password_refuses_a_short_or_unchanged_password(person):
    with pytest.raises(ValidationError, match="at least 10 characters"):
        accounts.change_password(person, factories.PASSWORD, "short")
    with pytest.raises(ValidationError, match="not used here"):
        accounts.change_password(person, factories.PASSWORD, factories.PASSWORD)
    assert check_password_hash(person.password_hash, factories.PASSWORD)


def test_after_change_password_only_the_new_password_signs_in(session, person):
    accounts.change_password(person, factories.PASSWORD, NEW_PASSWORD)

    with pytest.raises(ValidationError, match="Wrong email address or password"):
        sign_in(session, person.email, factories.PASSWORD)
    assert sign_in(session, person.email, NEW_PASSWORD) is person


# --- sign-in and throttling ---------------------------------------------------------------------


def test_authenticate_returns_the_user_and_records_the_time(session, person):
    assert sign_in(session, " Person@Example.org ", factories.PASSWORD) is person
    assert person.last_login_at == NOW


@pytest.mark.parametrize(
    ("email", "password", "fields"),
    [
        ("person@example.org", "not the password", {}),
        ("nobody@example.org", factories.PASSWORD, {}),
        ("person@example.org", factories.PASSWORD, {"active": False}),
        ("person@example.org", factories.PASSWORD, {"password_hash": None}),
    ],
    ids=["wrong-password", "unknown-email", "inactive", "no-password-yet"],
)
def test_authenticate_refuses_with_one_message_and_counts_the_failure(
    session, email, password, fields
):
    factories.add_user(session, email="person@example.org", **fields)

    with pytest.raises(ValidationError) as caught:
        sign_in(session, email, password)

    assert caught.value.message == "Wrong email address or password."
    assert caught.value.field == "password"
    assert failures(session, email) == 1


def test_after_the_limit_even_the_right_password_waits_for_the_window(session, person):
    fail(session, "PERSON@example.org", LIMIT)  # counted per address, whatever the case

    with pytest.raises(Throttled, match="Too many failed sign-ins") as caught:
        sign_in(session, person.email, factories.PASSWORD, now=NOW + timedelta(seconds=1))
    assert caught.value.retry_after == WINDOW - 1

    almost = NOW + timedelta(seconds=WINDOW - 1)
    with pytest.raises(Throttled) as caught:
        sign_in(session, person.email, factories.PASSWORD, now=almost)
    assert caught.value.retry_after == 1

    after = NOW + timedelta(seconds=WINDOW)
    assert sign_in(session, person.email, factories.PASSWORD, now=after) is person


def test_retry_after_counts_from_the_oldest_failure_that_must_expire(session, person):
    for step in range(LIMIT):
        fail(session, person.email, 1, now=NOW + timedelta(seconds=100 * step))
    later = NOW + timedelta(seconds=250)

    wait = accounts.retry_after_seconds(session, person.email, LIMIT, WINDOW, now=later)

    # The first failure (at NOW) leaves the window at NOW + WINDOW, which frees a try.
    assert wait == WINDOW - 250
    assert accounts.retry_after_seconds(session, "other@example.org", LIMIT, WINDOW, later) == 0


def test_throttled_message_rounds_the_wait_up_to_minutes(session, person):
    fail(session, person.email, LIMIT)
    with pytest.raises(Throttled, match="Try again in 10 minutes"):
        sign_in(session, person.email, factories.PASSWORD)
    with pytest.raises(Throttled, match="Try again in 1 minute,"):
        sign_in(session, person.email, factories.PASSWORD, now=NOW + timedelta(seconds=WINDOW - 5))


def test_a_throttled_attempt_is_not_counted_as_another_failure(session, person):
    fail(session, person.email, LIMIT)
    with pytest.raises(Throttled):
        sign_in(session, person.email, "not the password")
    assert failures(session, person.email) == LIMIT


def test_a_success_clears_the_failure_count(session, person):
    fail(session, person.email, LIMIT - 1)
    sign_in(session, person.email, factories.PASSWORD)
    assert failures(session, person.email) == 0

    fail(session, person.email, LIMIT - 1)
    assert sign_in(session, person.email, factories.PASSWORD) is person


def test_failures_older_than_the_window_are_pruned(session, person):
    fail(session, person.email, 2)
    fail(session, person.email, 1, now=NOW + timedelta(seconds=WINDOW + 1))
    assert failures(session, person.email) == 1


def test_throttling_holds_across_app_processes(app, make_app, person, session):
    """Failures recorded by one app process stop the right password in another."""
    fail(session, person.email, LIMIT)
    session.commit()
    other = make_app()

    with other.app_context(), pytest.raises(Throttled):
        accounts.authenticate(db.session, person.email, factories.PASSWORD, LIMIT, WINDOW, NOW)


# --- invitations --------------------------------------------------------------------------------


def test_invite_needs_a_school_for_a_teacher_and_drops_it_for_others(session, school):
    with pytest.raises(ValidationError, match="Choose the school") as caught:
        invitation_for(session, "t@example.org", role="teacher")
    assert caught.value.field == "school"

    judge_invitation, _ = invitation_for(session, "J@Example.org", role="judge", school=school)
    assert (judge_invitation.email, judge_invitation.school_id) == ("j@example.org", None)
    assert judge_invitation.expires_at == NOW + timedelta(days=14)


def test_accepting_an_invitation_makes_the_account_with_the_role_and_school(session, school):
    invitation, token = invitation_for(session, "teacher@example.org", school=school)

    opened = read(session, token, now=NOW + timedelta(days=1))
    user = accept(session, opened, NEW_PASSWORD, name="Tess Teacher", now=NOW + timedelta(days=1))
    session.flush()

    assert opened is invitation
    assert (user.email, user.name) == ("teacher@example.org", "Tess Teacher")
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    assert [(g.role, g.school_id) for g in user.grants] == [("teacher", school.id)]
    assert invitation.accepted_at == NOW + timedelta(days=1)
    assert invitation.accepted_by_id == user.id


def test_an_invitation_refuses_a_weak_password_and_stays_open(session, school):
    invitation, token = invitation_for(session, "teacher@example.org", school=school)

    with pytest.raises(ValidationError, match="at least 10 characters"):
        accept(session, invitation, "short")

    assert invitation.accepted_at is None
    assert session.scalar(select(User).where(User.email == "teacher@example.org")) is None
    assert read(session, token) is invitation


@pytest.mark.parametrize(
    ("max_age", "opened_at"),
    [(14 * DAY, NOW + timedelta(days=14)), (3600, NOW + timedelta(hours=1, seconds=1))],
    ids=["past-expires-at", "signature-older-than-max-age"],
)
def test_an_expired_invitation_is_refused(session, max_age, opened_at):
    _, token = invitation_for(session, "judge@example.org", role="judge")
    with pytest.raises(ValidationError, match="This link has expired. Ask for a new one."):
        read(session, token, max_age=max_age, now=opened_at)


def test_an_invitation_works_once(session):
    invitation, token = invitation_for(session, "judge@example.org", role="judge")
    accept(session, read(session, token), NEW_PASSWORD)
    session.flush()

    with pytest.raises(ValidationError, match="already been used. Sign in instead"):
        read(session, token)


def test_two_processes_accepting_one_invitation_at_once_only_one_succeeds(app, make_app, session):
    """Each process read the open invitation before the other used it up."""
    _, token = invitation_for(session, "judge@example.org", role="judge")
    session.commit()
    opened_here = read(session, token)
    other = make_app()
    with other.app_context():
        accept(db.session, read(db.session, token), NEW_PASSWORD)
        db.session.commit()

    with pytest.raises(ValidationError, match="already been used"):
        accept(session, opened_here, NEW_PASSWORD)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(User)) == 1


def _sign(payload, key=KEY, purpose="invitation"):
    return factories.signed_token(key, purpose, payload)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda token, invitation: tamper(token), id="tampered-signature"),
        pytest.param(lambda token, invitation: token + "0", id="extended"),
        pytest.param(
            lambda token, invitation: _sign(
                {"id": invitation.id, "email": invitation.email}, key="another-secret-key" * 3
            ),
            id="other-secret-key",
        ),
        pytest.param(
            lambda token, invitation: _sign(
                {"id": invitation.id, "email": invitation.email}, purpose="reset"
            ),
            id="signed-for-reset",
        ),
        pytest.param(
            lambda token, invitation: _sign({"id": invitation.id, "email": "mallory@example.org"}),
            id="email-mismatch",
        ),
        pytest.param(
            lambda token, invitation: _sign(
                {"id": invitation.id + 1000, "email": invitation.email}
            ),
            id="no-such-invitation",
        ),
        pytest.param(lambda token, invitation: _sign([invitation.id]), id="not-a-mapping"),
        pytest.param(lambda token, invitation: "", id="empty"),
    ],
)
def test_a_forged_invitation_is_refused(session, forge):
    invitation, token = invitation_for(session, "judge@example.org", role="judge")
    with pytest.raises(ValidationError, match="This link is not valid"):
        invitations.read_invitation(session, KEY, forge(token, invitation), 14 * DAY)


def test_a_token_for_another_invitation_is_refused(session):
    """Each link names its own invitation: a token made for one cannot open another."""
    first, _ = invitation_for(session, "first@example.org", role="judge")
    second, second_token = invitation_for(session, "second@example.org", role="judge")
    crossed = factories.signed_token(
        KEY, "invitation", {"id": first.id, "email": second.email}, NOW
    )

    with pytest.raises(ValidationError, match="not valid"):
        read(session, crossed)
    assert read(session, second_token) is second


def test_an_existing_account_must_give_its_password_to_add_the_role(session, school):
    teacher = factories.add_user(session, roles=[("teacher", school.id)], email="t@example.org")
    invitation, _ = invitation_for(session, "t@example.org", role="judge")

    with pytest.raises(ValidationError, match="enter its password") as caught:
        accept(session, invitation, "not the password")
    assert caught.value.field == "password"
    assert not teacher.has_role("judge")
    assert invitation.accepted_at is None

    assert accept(session, invitation, factories.PASSWORD, name="Another Name") is teacher
    assert teacher.has_role("judge")
    assert teacher.has_role("teacher", school_id=school.id)
    assert check_password_hash(teacher.password_hash, factories.PASSWORD)  # unchanged
    assert teacher.name != "Another Name"
    assert invitation.accepted_by_id == teacher.id


def test_an_invitation_cannot_be_used_to_guess_an_accounts_password(session):
    """Wrong passwords through an invitation count as failed sign-ins; past the limit, even the
    right one waits."""
    person = factories.add_user(session, roles=["judge"], email="judge@example.org")
    invitation, _ = invitation_for(session, person.email, role="admin")
    for _ in range(LIMIT):
        with pytest.raises(ValidationError):
            accept(session, invitation, "a guessed password")

    with pytest.raises(Throttled):
        accept(session, invitation, factories.PASSWORD)
    assert not person.has_role("admin")
    with pytest.raises(Throttled):
        sign_in(session, person.email, factories.PASSWORD)


def test_an_account_without_a_password_chooses_one_when_accepting(session):
    person = factories.add_user(session, email="new@example.org", password_hash=None, name="")
    invitation, _ = invitation_for(session, person.email, role="judge")

    assert accept(session, invitation, NEW_PASSWORD, name="Nia") is person
    assert check_password_hash(person.password_hash, NEW_PASSWORD)
    assert (person.name, person.has_role("judge")) == ("Nia", True)


def test_a_switched_off_account_cannot_accept_an_invitation(session):
    person = factories.add_user(session, email="gone@example.org", active=False)
    invitation, _ = invitation_for(session, person.email, role="judge")

    with pytest.raises(ValidationError, match="switched off"):
        accept(session, invitation, factories.PASSWORD)
    assert not person.has_role("judge")
    assert invitation.accepted_at is None


# --- password resets ----------------------------------------------------------------------------


def test_a_reset_token_names_its_user_until_the_password_changes(session, person):
    token = accounts.password_reset_token(KEY, person, now=NOW)
    assert accounts.read_password_reset_token(session, KEY, token, 3600, now=NOW) is person

    accounts.reset_password(session, person, NEW_PASSWORD)

    assert check_password_hash(person.password_hash, NEW_PASSWORD)
    with pytest.raises(ValidationError, match="already been used. Ask for a new one"):
        accounts.read_password_reset_token(session, KEY, token, 3600, now=NOW)


def test_a_reset_token_expires(session, person):
    token = accounts.password_reset_token(KEY, person, now=NOW)
    late = NOW + timedelta(seconds=3601)
    with pytest.raises(ValidationError, match="This link has expired"):
        accounts.read_password_reset_token(session, KEY, token, 3600, now=late)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda token, user: tamper(token), id="tampered-signature"),
        pytest.param(
            lambda token, user: _sign(
                {"id": user.id, "fp": user.password_fingerprint},
                key="another-secret-key" * 3,
                purpose="reset",
            ),
            id="other-secret-key",
        ),
        pytest.param(
            lambda token, user: _sign({"id": user.id, "email": user.email}),
            id="invitation-token",
        ),
        pytest.param(
            lambda token, user: _sign({"id": user.id + 1000, "fp": "0"}, purpose="reset"),
            id="no-such-user",
        ),
    ],
)
def test_a_forged_reset_token_is_refused(session, person, forge):
    token = accounts.password_reset_token(KEY, person)
    with pytest.raises(ValidationError, match="This link is not valid"):
        accounts.read_password_reset_token(session, KEY, forge(token, person), 3600)


def test_a_reset_token_of_a_switched_off_account_is_refused(session, person):
    token = accounts.password_reset_token(KEY, person)
    person.active = False
    with pytest.raises(ValidationError, match="not valid"):
        accounts.read_password_reset_token(session, KEY, token, 3600)


def test_reset_password_checks_strength_and_lets_a_throttled_person_back_in(session, person):
    fail(session, person.email, LIMIT)
    with pytest.raises(ValidationError, match="at least 10"):
        accounts.reset_password(session, person, "short")

    accounts.reset_password(session, person, NEW_PASSWORD)

    assert failures(session, person.email) == 0
    assert sign_in(session, person.email, NEW_PASSWORD) is person


def test_invitation_rows_keep_who_accepted(session):
    invitation, token = invitation_for(session, "judge@example.org", role="judge")
    user = accept(session, read(session, token), NEW_PASSWORD)
    session.commit()

    stored = session.scalar(select(Invitation).where(Invitation.email == "judge@example.org"))
    assert (stored.accepted_by_id, stored.accepted_at) == (user.id, NOW)
