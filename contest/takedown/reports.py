"""Takedowns: the public reports a video, organizers hide it (or not), teachers are told.

Plain functions: a session and values in, rows or domain errors (contest.core.errors) out; the
caller commits. Mail and the cached public pages' invalidation follow that commit.
"""

from sqlalchemy import select

from contest.core.audit import record
from contest.core.dbtypes import utcnow
from contest.core.emails import parse_address
from contest.core.errors import ValidationError
from contest.core.mail import queue_mail
from contest.core.models.accounts import RoleGrant, User
from contest.core.models.entries import Entry
from contest.core.models.takedowns import TakedownReport
from contest.core.permissions import EVERY_CONTEST
from contest.core.statuses import ReportReason, Role
from contest.submissions.entries import mail_school, tell_school
from contest.web.caching import invalidate_after_commit

DETAILS_MAX = 2000
REASON_MAX = 1000
EMAIL_MAX = TakedownReport.__table__.c.contact_email.type.length
NOT_AN_ADDRESS = "That is not an email address. Leave it empty if you prefer not to give one."
REASON_LABELS = {
    "privacy": "It shows private information about someone",
    "consent": "Someone in it did not agree to appear",
    "bullying": "It bullies or mocks someone",
    "copyright": "It uses someone else's work without permission",
    "inappropriate": "It is inappropriate for a school audience",
    "other": "Something else",
}


def _text(value, limit, field, what):
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError("takedown.keep_characters_fewer", field=field, what=what, limit=limit)
    return value


def _required(value, field="reason"):
    value = _text(value, REASON_MAX, field, "reason")
    if not value:
        raise ValidationError("takedown.give_reason_school_will", field=field)
    return value


def _contact_email(email):
    email = (email or "").strip()
    if not email:
        return ""
    if len(email) > EMAIL_MAX:
        raise ValidationError("takedown.email_address_too_long", field="contact_email")
    return parse_address(email, field="contact_email", lead=NOT_AN_ADDRESS)


def organizers(session, contest_id):
    """Active users who manage the contest (its organizers, the site administrators): they are
    told about each new report on one of its videos."""
    return session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            User.active,
            (RoleGrant.role == Role.ADMIN)
            | ((RoleGrant.role == Role.ORGANIZER) & (RoleGrant.contest_id == contest_id)),
        )
        .distinct()
        .order_by(User.id)
    ).all()


def file_report(session, entry, reason, details, contact_email, queue_url):
    """A report from the public about a video it can see; organizers are mailed `queue_url`.

    The caller has checked the entry is publicly visible (anything else is "not found").
    """
    if reason not in tuple(ReportReason):
        raise ValidationError("takedown.choose_why_video_should", field="reason")
    report = TakedownReport(
        entry_id=entry.id,
        reason=reason,
        details=_text(details, DETAILS_MAX, "details", "details"),
        contact_email=_contact_email(contact_email),
    )
    session.add(report)
    session.flush()
    # No reporter's address in the audit log: it is cleared from the report once resolved.
    record(session, None, "takedown.reported", report, entry_id=entry.id, reason=reason)
    body = (
        f"Someone reported the video “{entry.title}” (entry {entry.id}): "
        f"{REASON_LABELS[reason]}.\n\n{report.details or '(no details given)'}\n\n"
        f"Hide it or dismiss the report: {queue_url}"
    )
    for organizer in organizers(session, entry.contest_id):
        queue_mail(session, organizer.email, f"Video reported: {entry.title}", body)
    return report


def open_reports(session, entry_id=None, where=EVERY_CONTEST):
    """Unresolved reports, oldest first, with their entries: [(report, entry)]; `where` narrows
    them (permissions.managed_only)."""
    query = (
        select(TakedownReport, Entry)
        .join(Entry, Entry.id == TakedownReport.entry_id)
        .where(TakedownReport.resolved_at.is_(None), where)
        .order_by(TakedownReport.created_at, TakedownReport.id)
    )
    if entry_id is not None:
        query = query.where(TakedownReport.entry_id == entry_id)
    return session.execute(query).all()


def hidden_entries(session, where=EVERY_CONTEST):
    return session.scalars(
        select(Entry).where(Entry.hidden_at.is_not(None), where).order_by(Entry.hidden_at.desc())
    ).all()


def _resolve(session, organizer, report, outcome, note, entry_title, now):
    """Close a report; its reporter (if they left an address) hears the outcome, then the
    address is forgotten."""
    if report.contact_email:
        verdict = "took the video down" if outcome == "hidden" else "decided the video stays up"
        queue_mail(
            session,
            report.contact_email,
            "Your report was reviewed",
            f"Thank you for your report about “{entry_title}”. The organizers {verdict}.",
        )
    report.resolved_at, report.resolved_by_id = now, organizer.id
    report.outcome, report.note, report.contact_email = outcome, note, ""


def hide_entry(session, organizer, entry, reason, now=None):
    """Take the video off every public page at once; its open reports are resolved with it."""
    reason = _required(reason)
    if entry.hidden_at is not None:
        raise ValidationError("takedown.video_already_hidden")
    now = now or utcnow()
    entry.hidden_at, entry.hidden_reason = now, reason
    invalidate_after_commit(session, entry.contest_id)
    reports = [report for report, _ in open_reports(session, entry.id)]
    for report in reports:
        _resolve(session, organizer, report, "hidden", reason, entry.title, now)
    record(
        session, organizer, "entry.hidden", entry,
        reason=reason, report_ids=[report.id for report in reports],
    )  # fmt: skip
    message = f"The organizers took “{entry.title}” off the public site: {reason}"
    tell_school(session, entry, "entry.hidden", message)
    mail_school(session, entry, f"Video hidden: {entry.title}", message)
    return entry


def unhide_entry(session, organizer, entry, reason):
    """Put a hidden video back where the public could see it before."""
    reason = _required(reason)
    if entry.hidden_at is None:
        raise ValidationError("takedown.video_hidden")
    entry.hidden_at, entry.hidden_reason = None, None
    invalidate_after_commit(session, entry.contest_id)
    record(session, organizer, "entry.unhidden", entry, reason=reason)
    message = f"The organizers put “{entry.title}” back on the public site: {reason}"
    tell_school(session, entry, "entry.unhidden", message)
    mail_school(session, entry, f"Video shown again: {entry.title}", message)
    return entry


def dismiss_report(session, organizer, report, note, now=None):
    """Close a report without hiding the video; the note says why, for the other organizers."""
    note = _text(note, REASON_MAX, "note", "note")
    if not note:
        raise ValidationError("takedown.say_why_video_stays", field="note")
    if report.resolved_at is not None:
        raise ValidationError("takedown.report_already_been_dealt")
    entry = session.get(Entry, report.entry_id)
    _resolve(session, organizer, report, "dismissed", note, entry.title, now or utcnow())
    record(session, organizer, "takedown.dismissed", report, entry_id=entry.id, note=note)
    return report
