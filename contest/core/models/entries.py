"""Districts, schools and their entries."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, and_, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.core.dbtypes import UTCDateTime, one_of, partial_unique, utcnow
from contest.core.extensions import db
from contest.core.models.contests import Category, Contest
from contest.core.statuses import (
    OUT_OF_RUNNING,
    REFUSED_ENTRY_STATUSES,
    ConsentStatus,
    EntryStatus,
    SchoolStatus,
)


class District(db.Model):
    """A school district: its schools, the email domains its teachers' addresses end in (a
    registration from one is routed to the district), its coordinators."""

    __tablename__ = "districts"
    __table_args__ = (CheckConstraint("name <> ''", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name case-folded with its spaces collapsed: one district however its name is typed.
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    domains: Mapped[list["DistrictDomain"]] = relationship(
        back_populates="district",
        cascade="all, delete-orphan",
        order_by="DistrictDomain.domain",
        lazy="selectin",
    )

    def __repr__(self):
        return f"<District {self.name}>"


class DistrictDomain(db.Model):
    """An email domain whose addresses belong to one district (teachers' school accounts)."""

    __tablename__ = "district_domains"
    __table_args__ = (CheckConstraint("domain = lower(domain)", name="domain_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    district: Mapped[District] = relationship(back_populates="domains")


class School(db.Model):
    __tablename__ = "schools"
    __table_args__ = (
        UniqueConstraint("name", "district_id"),
        partial_unique("uq_schools_name_no_district", "district_id IS NULL", "name"),
        CheckConstraint("name <> ''", name="name_not_empty"),
        one_of("status", SchoolStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # None when the school belongs to no district; conflicts of interest key on it.
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL"), index=True
    )
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Only an approved school's teachers may enter videos (submissions.entries.check_teacher_of).
    # Schools an organizer or the demo makes are approved; self-registration makes them pending.
    status: Mapped[str] = mapped_column(
        String(20), default=SchoolStatus.APPROVED, server_default=SchoolStatus.APPROVED.value
    )

    district: Mapped[District | None] = relationship(lazy="joined")

    @property
    def approved(self):
        return self.status == SchoolStatus.APPROVED

    @property
    def district_name(self):
        return self.district.name if self.district else ""

    def __repr__(self):
        return f"<School {self.name}>"


class SchoolExtension(db.Model):
    """A later submission deadline an organizer grants one school in one contest."""

    __tablename__ = "school_extensions"
    __table_args__ = (
        UniqueConstraint("contest_id", "school_id"),
        CheckConstraint("reason <> ''", name="reason_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Entry(db.Model):
    """A PSA video a teacher submits for a school in one category.

    Hiding (a takedown) is kept apart from the status so that un-hiding restores the entry as it
    was; `hidden_at` set means hidden everywhere public.
    """

    __tablename__ = "entries"
    __table_args__ = (
        one_of("status", EntryStatus),
        one_of("consent_status", ConsentStatus),
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint(
            "duration_seconds IS NULL OR duration_seconds >= 0", name="duration_not_negative"
        ),
        CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)", name="hidden_with_reason"),
        CheckConstraint(
            f"status NOT IN ({', '.join(repr(str(s)) for s in REFUSED_ENTRY_STATUSES)}) "
            "OR status_reason IS NOT NULL",
            name="refusal_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    school_id: Mapped[int] = mapped_column(
        ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # First names or a team name only, unless the consent form allows full names of minors.
    credit_line: Mapped[str] = mapped_column(String(300), default="")
    full_names_allowed: Mapped[bool] = mapped_column(default=False)
    # Calibration: an anchor entry every judge of the contest scores before their own assignments.
    calibration_anchor: Mapped[bool] = mapped_column(default=False)

    status: Mapped[str] = mapped_column(String(20), default=EntryStatus.DRAFT)
    status_reason: Mapped[str | None] = mapped_column(Text)
    consent_status: Mapped[str] = mapped_column(String(20), default=ConsentStatus.MISSING)
    consent_reason: Mapped[str | None] = mapped_column(Text)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # The school shares the judges' feedback on the public winners page (its choice, after results).
    feedback_public: Mapped[bool] = mapped_column(default=False)

    video_asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    pending_video_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL")
    )
    original_video_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL")
    )
    poster_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL")
    )
    captions_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL")
    )
    consent_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL")
    )
    duration_seconds: Mapped[float | None] = mapped_column()

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    category: Mapped[Category] = relationship()
    # Entry -> category -> contest, read-only: an entry's contest is its category's.
    contest: Mapped[Contest] = relationship(
        secondary="categories",
        primaryjoin="Entry.category_id == Category.id",
        secondaryjoin="Category.contest_id == Contest.id",
        viewonly=True,
    )
    school: Mapped[School] = relationship()
    video = relationship("Asset", foreign_keys=[video_asset_id])
    poster = relationship("Asset", foreign_keys=[poster_asset_id])

    # --- the rules of which entries count, in Python and in SQL ----------------------------

    @hybrid_property
    def contest_id(self):
        """The contest the entry belongs to (through its category)."""
        return self.category.contest_id

    @contest_id.inplace.expression
    @classmethod
    def _contest_id(cls):
        return (
            select(Category.contest_id)
            .where(Category.id == cls.category_id)
            .correlate_except(Category)
            .scalar_subquery()
        )

    @hybrid_property
    def in_running(self):
        """Not withdrawn, disqualified or rejected: judged, ranked and counted."""
        return self.status not in OUT_OF_RUNNING

    @in_running.inplace.expression
    @classmethod
    def _in_running(cls):
        return cls.status.not_in(OUT_OF_RUNNING)

    @hybrid_property
    def judgeable(self):
        """Judges score it: its video is ready and it is not taken down."""
        return self.status == EntryStatus.READY and self.hidden_at is None

    @judgeable.inplace.expression
    @classmethod
    def _judgeable(cls):
        return and_(cls.status == EntryStatus.READY, cls.hidden_at.is_(None))

    @hybrid_property
    def shown(self):
        """The public may see it (while voting is open, or once it has won): judgeable and its
        consent approved."""
        return self.judgeable and self.consent_status == ConsentStatus.APPROVED

    @shown.inplace.expression
    @classmethod
    def _shown(cls):
        return and_(cls.judgeable, cls.consent_status == ConsentStatus.APPROVED)

    @hybrid_property
    def awardable(self):
        """It may win a place, a mention or the People's Choice: shown, and not a calibration
        anchor (every judge scored it to calibrate, it was never in the running)."""
        return self.shown and not self.calibration_anchor

    @awardable.inplace.expression
    @classmethod
    def _awardable(cls):
        return and_(cls.shown, cls.calibration_anchor.is_(False))

    def __repr__(self):
        return f"<Entry {self.id} {self.title!r}>"
