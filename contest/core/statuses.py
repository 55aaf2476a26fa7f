"""Every status a row can be in, as enums whose values also make the CHECK constraints.

A StrEnum member compares equal to its value, so rows, templates and JSON keep the plain
strings they always had; code names the member, never the string.
"""

from enum import StrEnum


class EntryStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PROCESSING = "processing"
    READY = "ready"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DISQUALIFIED = "disqualified"


# Withdrawn or disqualified: final, nothing about the entry changes any more.
FINAL_ENTRY_STATUSES = (EntryStatus.WITHDRAWN, EntryStatus.DISQUALIFIED)
# Out of the running: neither judged, ranked, counted nor awarded.
OUT_OF_RUNNING = (*FINAL_ENTRY_STATUSES, EntryStatus.REJECTED)
# Refused by someone, with a reason the constraint requires.
REFUSED_ENTRY_STATUSES = (EntryStatus.REJECTED, EntryStatus.DISQUALIFIED)


class ConsentStatus(StrEnum):
    MISSING = "missing"
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


class SchoolStatus(StrEnum):
    """A self-registered school waits for an organizer (a refused one is deleted)."""

    PENDING = "pending"
    APPROVED = "approved"


class SheetStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REOPENED = "reopened"


# A sheet the judge can still change.
OPEN_SHEET_STATUSES = (SheetStatus.DRAFT, SheetStatus.REOPENED)


class RoundMode(StrEnum):
    """How a round's judges judge (each mode has its own tables and its own mathematics)."""

    RUBRIC = "rubric"  # a score sheet per entry on the contest's rubric


class AdvanceRule(StrEnum):
    """Which entries of a round move on (contest.judging.advancement)."""

    TOP = "top"  # the best N of each category
    THRESHOLD = "threshold"  # every entry scoring at least the threshold
    PICK = "pick"  # the organizers choose each entry, with a reason


class AtTheCut(StrEnum):
    """How a tie at a top-N cut is settled."""

    CHAIN = "chain"  # the mode's tie-break chain; a tie it cannot separate advances whole
    ALL_TIED = "all_tied"  # every entry level on score with the last one in advances


class Role(StrEnum):
    ORGANIZER = "organizer"  # of one contest
    TEACHER = "teacher"
    JUDGE = "judge"
    ADMIN = "admin"  # the site administrator: every contest, the people, the schools
    OBSERVER = "observer"  # of one contest: sees, changes nothing (a sponsor, a board member)
    COORDINATOR = "coordinator"  # of one district: approves its schools, sees their entries

    @property
    def label(self):
        return {Role.ADMIN: "site administrator", Role.COORDINATOR: "district coordinator"}.get(
            self, self.value
        )


class Award(StrEnum):
    PLACE = "place"
    PEOPLES_CHOICE = "peoples_choice"
    HONOURABLE_MENTION = "honourable_mention"


class AssetKind(StrEnum):
    ORIGINAL_VIDEO = "original_video"
    VIDEO = "video"
    POSTER = "poster"
    CAPTIONS = "captions"
    CONSENT = "consent"


class Backend(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class ReportReason(StrEnum):
    PRIVACY = "privacy"
    CONSENT = "consent"
    BULLYING = "bullying"
    COPYRIGHT = "copyright"
    INAPPROPRIATE = "inappropriate"
    OTHER = "other"


class ReportOutcome(StrEnum):
    HIDDEN = "hidden"
    DISMISSED = "dismissed"


class UploadPurpose(StrEnum):
    VIDEO = "video"


class Processing(StrEnum):
    """What processing an uploaded video came to (submissions.pipeline.process_upload)."""

    READY = "ready"  # the entry's video is ready
    REJECTED = "rejected"  # not a usable video: the school is told why
    SUPERSEDED = "superseded"  # the entry no longer waits on this upload
    DEFERRED = "deferred"  # the worker was busy with other heavy videos: nothing changed
