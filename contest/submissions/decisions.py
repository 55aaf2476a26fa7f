"""The organizers' decisions on entries: consent forms approved or returned, disqualification,
deadline extensions."""

from datetime import UTC

from sqlalchemy import select

from contest.core.audit import record
from contest.core.errors import ValidationError
from contest.core.models.entries import Entry, SchoolExtension
from contest.core.notices import notify
from contest.core.permissions import EVERY_CONTEST
from contest.core.statuses import FINAL_ENTRY_STATUSES, ConsentStatus, EntryStatus
from contest.submissions.entries import mail_school, tell_school

# --- the organizers' review -------------------------------------------------------------------


def review_queue(session, where=EVERY_CONTEST):
    """Entries whose consent form waits for an organizer's check, oldest first; `where` narrows
    them (permissions.managed_only)."""
    return session.scalars(
        select(Entry)
        .where(
            Entry.consent_status == ConsentStatus.PENDING,
            Entry.status.not_in(FINAL_ENTRY_STATUSES),
            where,
        )
        .order_by(Entry.updated_at)
    ).all()


def _decide(session, organizer, entry, action, kind, subject, message, **data):
    record(session, organizer, action, entry, **data)
    tell_school(session, entry, kind, message)
    mail_school(session, entry, subject, message)


def _reason(reason, field="reason"):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("submissions.give_reason_school_will", field=field)
    return reason


def approve_consent(session, organizer, entry):
    if entry.consent_status != ConsentStatus.PENDING or entry.consent_asset_id is None:
        raise ValidationError("submissions.entry_consent_form_waiting")
    entry.consent_status = ConsentStatus.APPROVED
    entry.consent_reason = None
    _decide(
        session, organizer, entry, "entry.consent_approved", "consent.approved",
        f"Consent approved: {entry.title}",
        f"The organizers approved the consent form for “{entry.title}”.",
    )  # fmt: skip


def return_consent(session, organizer, entry, reason):
    reason = _reason(reason)
    if entry.consent_status != ConsentStatus.PENDING:
        raise ValidationError("submissions.entry_consent_form_waiting")
    entry.consent_status = ConsentStatus.RETURNED
    entry.consent_reason = reason
    _decide(
        session, organizer, entry, "entry.consent_returned", "consent.returned",
        f"Consent form sent back: {entry.title}",
        f"The organizers sent back the consent form for “{entry.title}”: {reason} "
        "Please upload a corrected form.",
        reason=reason,
    )  # fmt: skip


def disqualify(session, organizer, entry, reason):
    reason = _reason(reason)
    if entry.status in FINAL_ENTRY_STATUSES:
        raise ValidationError("submissions.entry_already", status_value=entry.status)
    entry.status = EntryStatus.DISQUALIFIED
    entry.status_reason = reason
    _decide(
        session, organizer, entry, "entry.disqualified", "entry.disqualified",
        f"Entry disqualified: {entry.title}",
        f"The organizers disqualified “{entry.title}”: {reason}",
        reason=reason,
    )  # fmt: skip


def grant_extension(session, organizer, contest, school, until, reason):
    """Let one school submit until `until` (replaces an earlier extension)."""
    reason = _reason(reason)
    try:
        until = until.astimezone(UTC)
    except OverflowError:  # the last minute of 9999 west of UTC is in the year 10000
        raise ValidationError("submissions.choose_deadline_our_time", field="until") from None
    if contest.submissions_close_at and until <= contest.submissions_close_at:
        raise ValidationError("submissions.extension_must_end_after", field="until")
    extension = session.scalar(
        select(SchoolExtension).where(
            SchoolExtension.contest_id == contest.id, SchoolExtension.school_id == school.id
        )
    ) or SchoolExtension(contest_id=contest.id, school_id=school.id)
    extension.until, extension.reason, extension.granted_by_id = until, reason, organizer.id
    session.add(extension)
    session.flush()
    record(
        session, organizer, "school.extension_granted", school,
        contest_id=contest.id, until=until.isoformat(), reason=reason,
    )  # fmt: skip
    notify(
        session,
        f"The organizers extended {school.name}'s deadline for {contest.name}.",
        "school.extension",
        school_id=school.id,
    )
    return extension
