"""Contests, their phases and rules, their categories and their judging rounds."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    or_,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.core.dbtypes import UTCDateTime, one_of, utcnow
from contest.core.extensions import db
from contest.core.statuses import AdvanceRule, AtTheCut, RoundMode

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
        _ordered("voting_open_at", "voting_close_at"),
        CheckConstraint("max_video_seconds > 0", name="max_video_seconds_positive"),
        CheckConstraint("max_bytes > 0", name="max_bytes_positive"),
        CheckConstraint("entries_per_school_per_category >= 1", name="entries_per_school_min"),
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
    voting_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voting_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    max_video_seconds: Mapped[int] = mapped_column(default=120)
    # Up to 10 GB, past a 32-bit integer.
    max_bytes: Mapped[int] = mapped_column(BigInteger, default=500 * 1024 * 1024)
    entries_per_school_per_category: Mapped[int] = mapped_column(default=2)
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
    rounds: Mapped[list["Round"]] = relationship(
        back_populates="contest", cascade="all, delete-orphan", order_by="Round.position"
    )

    @property
    def final_round(self):
        """The round whose result gives the places."""
        return self.rounds[-1] if self.rounds else None

    @hybrid_property
    def judging_close_at(self):
        """When the contest's judging closes: when its final round ends (setting it sets that
        round's planned close)."""
        return self.final_round.ends_at if self.rounds else None

    @judging_close_at.inplace.setter
    def _judging_close_at_setter(self, value):
        self.final_round.closes_at = value

    @judging_close_at.inplace.expression
    @classmethod
    def _judging_close_at_expression(cls):
        return (
            select(Round.ends_at)
            .where(Round.contest_id == cls.id)
            .order_by(Round.position.desc())
            .limit(1)
            .scalar_subquery()
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


class Round(db.Model):
    """One judging round of a contest, in order: its window (in UTC, shown in the contest's
    zone), its mode and how many judges see each entry. Every contest has at least one."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("contest_id", "position"),
        one_of("mode", RoundMode),
        _ordered("opens_at", "closes_at"),
        CheckConstraint("position >= 1", name="position_min"),
        CheckConstraint("judges_per_entry >= 1", name="judges_per_entry_min"),
        CheckConstraint("name <> ''", name="name_not_empty"),
        one_of("rule", AdvanceRule),
        one_of("at_the_cut", AtTheCut),
        CheckConstraint("rule <> 'top' OR rule_top >= 1", name="top_names_how_many"),
        CheckConstraint("rule <> 'threshold' OR rule_threshold IS NOT NULL", name="threshold_set"),
        CheckConstraint("closed_at IS NULL OR closed_by_id IS NOT NULL", name="closed_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(120))
    mode: Mapped[str] = mapped_column(String(20), default=RoundMode.RUBRIC)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    judges_per_entry: Mapped[int] = mapped_column(default=3)
    # Who moves on when the round closes (the final round's result gives the places instead).
    rule: Mapped[str] = mapped_column(String(20), default=AdvanceRule.TOP)
    rule_top: Mapped[int | None] = mapped_column(default=3)
    rule_threshold: Mapped[float | None] = mapped_column()
    at_the_cut: Mapped[str] = mapped_column(String(20), default=AtTheCut.CHAIN)
    # Closed by the organizers with its advancement decided (early, before closes_at, with a
    # reason in the audit log).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contest: Mapped[Contest] = relationship(back_populates="rounds")

    @hybrid_property
    def ends_at(self):
        """When the round ends: its planned close, or earlier if the organizers closed it."""
        closed, planned = self.closed_at, self.closes_at
        return closed if closed is not None and (planned is None or closed < planned) else planned

    @ends_at.inplace.expression
    @classmethod
    def _ends_at_expression(cls):
        early = and_(
            cls.closed_at.is_not(None), or_(cls.closes_at.is_(None), cls.closed_at < cls.closes_at)
        )
        return case((early, cls.closed_at), else_=cls.closes_at)

    def __repr__(self):
        return f"<Round {self.position} of contest {self.contest_id}>"


class Advancement(db.Model):
    """Whether an entry moved on from a round, as the organizers decided when closing it: the
    rule's proposal, or their change with its reason."""

    __tablename__ = "advancements"
    __table_args__ = (
        UniqueConstraint("round_id", "entry_id"),
        CheckConstraint("NOT changed OR reason <> ''", name="change_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    advances: Mapped[bool] = mapped_column()
    proposed: Mapped[str] = mapped_column(String(200), default="")  # the rule's words
    changed: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def final_round_id(contest_id):
    """The id of the contest's final round, as an SQL expression: a query over its sheets asks
    for it without loading the rounds."""
    return (
        select(Round.id)
        .where(Round.contest_id == contest_id)
        .order_by(Round.position.desc())
        .limit(1)
        .scalar_subquery()
    )
