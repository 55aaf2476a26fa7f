"""Schools that teachers register themselves, and the organizers' decision on them.

A registration makes a pending school and an account whose address is not confirmed yet: the
teacher confirms it through a mailed link (with the password chosen here), and an organizer
approves the school before its teachers may enter anything (entries.check_teacher_of).

The answer to a registration must not tell whether the address or the school is known, in its
words or in its time. So the request only checks what the form says on its own, hashes the
password and queues `decide_registration`; the job looks things up, makes the rows or not, and
mails the address's owner what happened. Every request does the same work whatever is stored.
"""

from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import render_template
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from contest.auth import accounts
from contest.auth import mails as account_mails
from contest.core import districts, jobs
from contest.core.audit import AuditEvent, record
from contest.core.dbtypes import utcnow
from contest.core.errors import ValidationError
from contest.core.extensions import db
from contest.core.mail import queue_mail
from contest.core.models.accounts import RoleGrant, User
from contest.core.models.entries import School
from contest.core.notices import notify
from contest.core.permissions import EVERY_CONTEST
from contest.core.statuses import Role, SchoolStatus
from contest.core.transaction import unit_of_work

NEW, KNOWN_ADDRESS, KNOWN_SCHOOL = "new", "known address", "known school"
# Mails about refused registrations, per address (to its owner) or per school (to whoever
# tried), within the window: more attempts are audited but mail nobody.
REFUSAL_MAILS = {KNOWN_ADDRESS: 1, KNOWN_SCHOOL: 3}
REFUSAL_MAIL_WINDOW = timedelta(hours=1)


@dataclass
class SchoolRegistration:
    """What a teacher fills in to register a school."""

    school_name: str
    district: str
    name: str
    email: str
    password: str


@dataclass
class Registered:
    """What a registration did: `kind` is NEW (the school and account made), KNOWN_ADDRESS
    (`user` already has the address) or KNOWN_SCHOOL (`school` is registered already).
    `tell` is False when the mail about it would be one too many (see REFUSAL_MAILS)."""

    kind: str
    user: User | None = None
    school: School | None = None
    tell: bool = True


def checked(registration):
    """The registration tidied, or ValidationError for what the form gets wrong on its own
    (never for anything stored: that would tell what is stored)."""
    tidy = SchoolRegistration(
        school_name=registration.school_name.strip(),
        district=registration.district.strip(),
        name=registration.name.strip(),
        email=accounts.normalise_email(registration.email),
        password=registration.password,
    )
    if not tidy.school_name:
        raise ValidationError("submissions.give_school_s_name", field="school_name")
    accounts.check_password_strength(tidy.password, tidy.email)
    return tidy


def queue_registration(session, registration):
    """Check the form's values, hash the password and queue the decision (sent when `session`
    commits). The same work for every registration; see the module's docstring."""
    registration = checked(registration)
    fields = asdict(registration) | {"password": None}
    password_hash = accounts.hash_password(registration.password)
    links = account_mails.account_links(registration.email, account_mails.request_site())
    jobs.enqueue_after_commit(session, decide_registration, fields, password_hash, links)


@jobs.task()
def decide_registration(fields, password_hash, links):
    """The job behind a registration: register the school, or tell the address's owner why not."""
    registration = SchoolRegistration(**fields)
    with unit_of_work(db.session):
        registered = register_school(db.session, registration, password_hash)
        _mail(registered, registration, links)
        if registered.kind == NEW:
            _tell_coordinators(db.session, registered.school, links["login"])


def register_school(session, registration, password_hash):
    """Register a pending school and its teacher's unconfirmed account (password already hashed),
    unless the address or the school is known already; see Registered."""
    email, name = registration.email, registration.school_name
    known = _known(session, email, name, _district(session, registration))
    if known is not None:
        return _refused(session, known, name)
    try:
        with session.begin_nested():  # a registration racing this one for the name or address
            district = _district(session, registration, create=True)
            school = School(
                name=name,
                district=district,
                contact_name=registration.name,
                contact_email=email,
                status=SchoolStatus.PENDING,
            )
            session.add(school)
            session.flush()
            user = accounts.create_user(
                session,
                email,
                name=registration.name,
                roles=[("teacher", school.id)],
                password_hash=password_hash,
            )
            session.flush()
    except IntegrityError:
        known = _known(session, email, name, _district(session, registration))
        if known is None:
            raise
        return _refused(session, known, name)
    record(session, user, "school.registered", school, name=name, district=school.district_name)
    return Registered(NEW, user=user, school=school)


def _refused(session, known, name):
    """Audit a registration that made nothing: organizers can see attempts on a known address
    or school (no address of the person trying is kept). The audit trail also bounds the mails
    such attempts cause, so registering again and again cannot flood a mailbox."""
    subject = known.user if known.kind == KNOWN_ADDRESS else known.school
    limit = REFUSAL_MAILS[known.kind]
    earlier = session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "school.registration_refused",
            AuditEvent.subject_type == type(subject).__tablename__,
            AuditEvent.subject_id == subject.id,
            AuditEvent.at > utcnow() - REFUSAL_MAIL_WINDOW,
        )
    )
    known.tell = earlier < limit
    if known.kind == KNOWN_ADDRESS:
        record(session, None, "school.registration_refused", subject, school_name=name)
    else:
        record(session, None, "school.registration_refused", subject)
    return known


def _district(session, registration, create=False):
    """The school's district: the one whose email domain the teacher's address is in, else the
    one the teacher named (in any case and spacing), made if `create` and there is none."""
    by_domain = districts.for_email(session, registration.email)
    if by_domain is not None or not create:
        return by_domain or districts.find(session, registration.district)
    return districts.find_or_create(session, registration.district)


def _known(session, email, name, district):
    user = session.scalar(select(User).where(User.email == email))
    if user is not None:
        return Registered(KNOWN_ADDRESS, user=user)
    district_id = getattr(district, "id", None)
    school = session.scalar(
        select(School).where(School.name == name, School.district_id == district_id)
    )
    return Registered(KNOWN_SCHOOL, school=school) if school is not None else None


def _mail(registered, registration, links):
    """What the address's owner learns, by mail: only they see it."""
    if not registered.tell:
        return
    if registered.kind == NEW:
        account_mails.confirmation(registered.user, links)
    elif registered.kind == KNOWN_ADDRESS:
        if registered.user.active:
            account_mails.address_taken(registered.user, links)
    else:
        queue_mail(
            db.session,
            registration.email,
            "Your school is registered already",
            render_template(
                "mail/school_taken.txt",
                name=registration.name,
                school=registered.school,
                links=links,
            ),
        )


def coordinators(session, district_id):
    """The active coordinators of a district, who approve the schools registering in it."""
    if district_id is None:
        return []
    return session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.role == Role.COORDINATOR,
            RoleGrant.district_id == district_id,
            User.active,
        )
        .order_by(User.id)
    ).all()


def _tell_coordinators(session, school, login_link):
    """A school registered in a district goes to the district's coordinators for approval."""
    for coordinator in coordinators(session, school.district_id):
        queue_mail(
            session,
            coordinator.email,
            f"{school.name} registered in {school.district_name}",
            render_template(
                "mail/school_registered.txt", name=coordinator.name, school=school,
                link=login_link,
            ),
        )  # fmt: skip


def pending_schools(session, where=EVERY_CONTEST):
    """Schools waiting for approval, oldest first, each with its teachers; `where` narrows them
    (permissions.districts_only)."""
    schools = session.scalars(
        select(School)
        .where(School.status == SchoolStatus.PENDING, where)
        .order_by(School.created_at, School.id)
    ).all()
    return [(school, _teachers(session, school)) for school in schools]


def _teachers(session, school):
    return session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == "teacher", RoleGrant.school_id == school.id)
        .order_by(User.id)
    ).all()


def _check_pending(school):
    if school.status != SchoolStatus.PENDING:
        raise ValidationError("submissions.waiting_approval", name=school.name)


def approve_school(session, organizer, school):
    """Let the school's teachers enter videos; returns the teachers to tell."""
    _check_pending(school)
    school.status = SchoolStatus.APPROVED
    record(session, organizer, "school.approved", school, name=school.name)
    notify(
        session,
        f"{school.name} is approved: you can now enter your students' videos.",
        "school.approved",
        school_id=school.id,
    )
    return _teachers(session, school)


def reject_school(session, organizer, school, reason=""):
    """Remove a pending school, and the accounts made with it that hold no other role, so its
    name and their addresses are free again. Returns the (email, name) pairs to tell."""
    _check_pending(school)
    teachers = _teachers(session, school)
    told = [(teacher.email, teacher.name) for teacher in teachers]
    record(
        session, organizer, "school.rejected", school,
        name=school.name, district=school.district_name, reason=reason.strip(),
        teachers=[email for email, _ in told],
    )  # fmt: skip
    only_here = [
        teacher.id
        for teacher in teachers
        if all(grant.role == "teacher" and grant.school_id == school.id for grant in teacher.grants)
    ]
    session.delete(school)
    session.flush()  # the school's grants go with it (ON DELETE CASCADE)
    if only_here:
        session.execute(delete(User).where(User.id.in_(only_here)))
    return told
