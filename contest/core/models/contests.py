"""Contests, their phases and rules, and their categories."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.core.dbtypes import UTCDateTime, utcnow
from contest.core.extensions import db

DEFAULT_CATEGORIES = (
    ("Cyberbullying", "Recognising, preventing and standing up to online bullying."),
    (
        "Privacy, Plagiarism & Copyright",
        "Protecting personal information and respecting other people's work.",
    ),
    ("Online Predators", "Staying safe from adults who use the internet to harm young people."),
)
DEFAULT_LICENCE = "CC BY-NC-ND 4.0"


def _ordered(earlier, later):
    return CheckConstraint(
        f"{earlier} IS NULL OR {later} IS NULL OR {earlier} < {later}",
        name=f"{earlier}_before_{later}",
    )


class Contest(db.Model):
    """One year's contest. Phase dates are stored in UTC and shown in the contest's time zone."""

    __tablename__ = "contests"
    __table_args__ = (
        _ordered("submissions_open_at", "submissions_close_at"),
        _ordered("submissions_close_at", "judging_close_at"),
        _ordered("voting_open_at", "voting_close_at"),
        CheckConstraint("max_video_seconds > 0", name="max_video_seconds_positive"),
        CheckConstraint("max_bytes > 0", name="max_bytes_positive"),
        CheckConstraint("entries_per_school_per_category >= 1", name="entries_per_school_min"),
        CheckConstraint("judges_per_entry >= 1", name="judges_per_entry_min"),
        CheckConstraint(
            "retention_days IS NULL OR retention_days >= 0", name="retention_days_not_negative"
        ),
        CheckConstraint("slug <> ''", name="slug_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    description: Mapped[str] = mapped_column(Text, default="")

    submissions_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submissions_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    judging_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voting_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voting_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    max_video_seconds: Mapped[int] = mapped_column(default=120)
    # Up to 10 GB, past a 32-bit integer.
    max_bytes: Mapped[int] = mapped_column(BigInteger, default=500 * 1024 * 1024)
    entries_per_school_per_category: Mapped[int] = mapped_column(default=2)
    judges_per_entry: Mapped[int] = mapped_column(default=3)
    normalise_scores: Mapped[bool] = mapped_column(default=True)
    # Judges must have played the whole video before they can submit a score sheet.
    require_full_play: Mapped[bool] = mapped_column(default=False)
    # The public sees the People's Choice tally while voting is open (else only once published).
    show_live_tally: Mapped[bool] = mapped_column(default=False)
    licence: Mapped[str] = mapped_column(String(100), default=DEFAULT_LICENCE)
    # Days after publication before original uploads and consent forms are deleted; null keeps them.
    retention_days: Mapped[int | None] = mapped_column()
    # When original uploads and consent forms were deleted (published MP4s stay).
    originals_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cloned_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("contests.id", ondelete="SET NULL")
    )

    categories: Mapped[list["Category"]] = relationship(
        back_populates="contest",
        cascade="all, delete-orphan",
        order_by="Category.sort_order, Category.id",
    )

    def __repr__(self):
        return f"<Contest {self.slug}>"


class Category(db.Model):
    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("contest_id", "name"),
        CheckConstraint("name <> ''", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    contest: Mapped[Contest] = relationship(back_populates="categories")

    def __repr__(self):
        return f"<Category {self.name}>"
