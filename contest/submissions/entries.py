"""The rules of entries: who may change what until when, limits, consent, review decisions.

Plain functions: a session and values in, rows or domain errors (contest.core.errors) out. Mail and
notices are queued here too, so every decision reaches the teacher the same way whichever
screen (or CLI) made it.
"""

import logging
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from contest.core import rules
from contest.core.audit import record
from contest.core.dbtypes import utcnow
from contest.core.errors import NotAllowed, PhaseClosed, ValidationError
from contest.core.mail import queue_mail
from contest.core.models.accounts import RoleGrant, User
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry, School, SchoolExtension
from contest.core.notices import notify
from contest.core.statuses import FINAL_ENTRY_STATUSES, ConsentStatus, EntryStatus, SchoolStatus

log = logging.getLogger(__name__)

# Entries a teacher may no longer change (a withdrawn one may be entered again as a new one).
# Words that start a group's name rather than a person's: "Team Pixel", "Room 12 Media Club".
GROUP_WORDS = {
    "team", "club", "class", "room", "crew", "group", "grade", "year", "students", "the",
    "media", "film", "studio", "squad", "period", "homeroom",
}  # fmt: skip
TITLE_LENGTH = Entry.__table__.c.title.type.length
CREDIT_LENGTH = Entry.__table__.c.credit_line.type.length


@dataclass
class EntryDraft:
    """What a teacher fills in for an entry."""

    category_id: int
    title: str
    description: str = ""
    credit_line: str = ""
    full_names_allowed: bool = False


# --- who and when -----------------------------------------------------------------------------


def contest_of(session, entry):
    return session.get(Contest, session.get(Category, entry.category_id).contest_id)


def _extension(session, contest, school_id):
    return session.scalar(
        select(SchoolExtension.until).where(
            SchoolExtension.contest_id == contest.id, SchoolExtension.school_id == school_id
        )
    )


def submission_deadline(session, contest, school_id):
    """When this school's entries close: the contest's deadline or the school's extension."""
    return rules.submission_deadline(contest, _extension(session, contest, school_id))


def submissions_open(session, contest, school_id, now=None):
    """The call for entries is open for this school at `now` (its extension counted)."""
    return rules.submissions_open(contest, now, _extension(session, contest, school_id))


def check_submissions_open(session, contest, school_id, now=None):
    """PhaseClosed unless the call for entries is open for this school at `now`."""
    now = now or utcnow()
    if submissions_open(session, contest, school_id, now):
        return
    if contest.submissions_open_at is None or now < contest.submissions_open_at:
        raise PhaseClosed("submissions.entries_open_yet", name=contest.name)
    raise PhaseClosed("submissions.deadline_passed_entries_longer", name=contest.name)


def check_teacher_of(session, user, school_id):
    """Raise unless `user` teaches at `school_id` and an organizer has approved the school: the
    one rule every entry, upload, consent form and caption change passes through."""
    if not user.has_role("teacher", school_id=school_id):
        raise NotAllowed("submissions.only_school_s_teachers")
    if session.scalar(select(School.status).where(School.id == school_id)) != SchoolStatus.APPROVED:
        raise NotAllowed("submissions.school_s_registration_waiting")


def check_can_change_entry(session, user, entry, now=None):
    """Raise unless `user` may change `entry` now: a teacher of its school, entry still open,
    before the school's deadline."""
    check_teacher_of(session, user, entry.school_id)
    if entry.status in FINAL_ENTRY_STATUSES:
        raise NotAllowed("submissions.entry_longer_changed", status_value=entry.status)
    check_submissions_open(session, contest_of(session, entry), entry.school_id, now)


def check_can_upload_video(session, user, entry, size, now=None):
    """Raise unless `user` may upload a video of `size` bytes for `entry` now."""
    check_can_change_entry(session, user, entry, now)
    check_video_size(contest_of(session, entry), size)


def check_video_size(contest, size):
    if size is None or size <= 0:
        raise ValidationError("submissions.file_empty", field="video")
    if size > contest.max_bytes:
        raise ValidationError(
            "submissions.video_contest_accepts_videos",
            field="video",
            megabytes=_megabytes(size),
            megabytes2=_megabytes(contest.max_bytes),
        )


def _megabytes(size):
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} bytes"


# --- entries --------------------------------------------------------------------------------


def public_credit(entry):
    """The entry's credit line as the public may see it (pages, certificates): full names of
    minors only when the teacher said the forms allow them and an organizer approved those
    forms; otherwise a credit that looks like full names is left off rather than shown."""
    full_names = entry.full_names_allowed and entry.consent_status == ConsentStatus.APPROVED
    credit = entry.credit_line.strip()
    return credit if credit_line_problem(credit, full_names) is None else ""


def credit_line_problem(credit, full_names_allowed):
    """Why a student credit line may not be used (a ValidationError to raise), or None.

    Without the consent form's permission only first names or a team name may appear: a part
    (between commas, "and" or "&") of two or more capitalised words that is not a group's name
    looks like a minor's full name and is refused.
    """
    if len(credit) > CREDIT_LENGTH:
        return ValidationError(
            "submissions.credit_too_long", field="credit_line", limit=CREDIT_LENGTH
        )
    if full_names_allowed:
        return None
    for part in re.split(r",|&|\band\b", credit):
        words = part.split()
        if len(words) < 2 or words[0].lower() in GROUP_WORDS:
            continue
        if any(word.lower() in GROUP_WORDS for word in words):
            continue
        if all(word[:1].isupper() for word in words if word[:1].isalpha()):
            return ValidationError(
                "submissions.credit_full_name", field="credit_line", part=part.strip()
            )
    return None


def _check_draft(session, draft, school_id, entry=None):
    title = (draft.title or "").strip()
    if not title:
        raise ValidationError("submissions.give_entry_title", field="title")
    if len(title) > TITLE_LENGTH:
        raise ValidationError(
            "submissions.keep_title_characters_fewer", "title", TITLE_LENGTH=TITLE_LENGTH
        )
    category = session.get(Category, draft.category_id)
    if category is None:
        raise ValidationError("submissions.choose_one_contest_s", field="category")
    credit = (draft.credit_line or "").strip()
    problem = credit_line_problem(credit, draft.full_names_allowed)
    if problem:
        raise problem
    contest = session.get(Contest, category.contest_id)
    if entry is None or entry.category_id != category.id:
        taken = session.scalar(
            select(func.count(Entry.id)).where(
                Entry.category_id == category.id,
                Entry.school_id == school_id,
                Entry.status != EntryStatus.WITHDRAWN,
                Entry.id != (entry.id if entry else -1),
            )
        )
        if taken >= contest.entries_per_school_per_category:
            raise ValidationError(
                "submissions.school_already_entr_contest",
                field="category",
                taken=taken,
                plural="y" if taken == 1 else "ies",
                name=category.name,
                entries_per_school_per_category=contest.entries_per_school_per_category,
            )
    return title, category, contest, credit


def create_entry(session, user, school_id, draft, now=None):
    """A new draft entry for `school_id` by a teacher of that school, while entries are open."""
    check_teacher_of(session, user, school_id)
    title, category, contest, credit = _check_draft(session, draft, school_id)
    check_submissions_open(session, contest, school_id, now)
    entry = Entry(
        category_id=category.id,
        school_id=school_id,
        submitted_by_id=user.id,
        title=title,
        description=(draft.description or "").strip(),
        credit_line=credit,
        full_names_allowed=draft.full_names_allowed,
        status=EntryStatus.DRAFT,
    )
    session.add(entry)
    session.flush()
    record(session, user, "entry.created", entry, title=title)
    return entry


def update_entry(session, user, entry, draft, now=None):
    check_can_change_entry(session, user, entry, now)
    title, category, contest, credit = _check_draft(session, draft, entry.school_id, entry)
    if category.contest_id != contest_of(session, entry).id:
        raise ValidationError("submissions.choose_one_contest_s_2", field="category")
    entry.category_id = category.id
    entry.title = title
    entry.description = (draft.description or "").strip()
    entry.credit_line = credit
    entry.full_names_allowed = draft.full_names_allowed
    record(session, user, "entry.updated", entry)
    return entry


def withdraw_entry(session, user, entry, reason=""):
    """A teacher takes an entry out of the contest (a parent withdrew consent, say). Final."""
    check_teacher_of(session, user, entry.school_id)
    if entry.status == EntryStatus.WITHDRAWN:
        raise ValidationError("submissions.entry_already_withdrawn")
    if entry.status == EntryStatus.DISQUALIFIED:
        raise NotAllowed("submissions.entry_was_disqualified_t")
    entry.status = EntryStatus.WITHDRAWN
    entry.status_reason = reason.strip() or None
    record(session, user, "entry.withdrawn", entry, reason=reason.strip())
    return entry


def school_teachers(session, school_id):
    return session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == "teacher", RoleGrant.school_id == school_id, User.active)
    ).all()


def tell_school(session, entry, kind, message):
    """A dashboard notice for the entry's school (its teachers see it)."""
    return notify(session, message, kind, school_id=entry.school_id, entry_id=entry.id)


def mail_school(session, entry, subject, body):
    """Mail every teacher of the entry's school once `session` commits (queued: retried, never
    fatal, and nothing is sent for a change that rolls back)."""
    for teacher in school_teachers(session, entry.school_id):
        queue_mail(session, teacher.email, subject, body)


def receive_video(session, user, entry, asset, started_at, now=None):
    """A finished upload becomes the entry's video: the entry counts as submitted (a receipt goes
    to the school) and processing starts. An upload started before the deadline is accepted even
    if it finishes after it, so a slow uplink never costs a school its entry."""
    check_can_change_entry(session, user, entry, now=started_at)
    now = now or utcnow()
    first = entry.submitted_at is None
    if first:
        entry.submitted_at = now
    if entry.status in (EntryStatus.DRAFT, EntryStatus.REJECTED):
        entry.status = EntryStatus.SUBMITTED
    record(session, user, "entry.video_received", entry, asset_id=asset.id, size=asset.size_bytes)
    message = (
        f"We received the video for “{entry.title}” ({asset.size_bytes / 1048576:.1f} MB) on "
        f"{now:%d %b %Y at %H:%M} UTC. We will tell you when it has been processed."
    )
    tell_school(session, entry, "entry.received", message)
    mail_school(session, entry, f"Receipt: {entry.title}", message)
    from contest.submissions.pipeline import video_uploaded

    return video_uploaded(session, entry, asset, now=now)
