"""Rubrics and their criteria, judge assignments, score sheets and conflicts of interest."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.core.dbtypes import UTCDateTime, one_of, partial_unique, utcnow
from contest.core.extensions import db
from contest.core.statuses import SheetStatus

CONFLICT_SOURCES = ("automatic", "declared")


class Rubric(db.Model):
    """A versioned rubric for a contest, or for one category when it overrides the contest's."""

    __tablename__ = "rubrics"
    __table_args__ = (
        UniqueConstraint("contest_id", "category_id", "version"),
        partial_unique(
            "uq_rubrics_contest_version", "category_id IS NULL", "contest_id", "version"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="rubric",
        cascade="all, delete-orphan",
        order_by="Criterion.sort_order, Criterion.id",
    )


class Criterion(db.Model):
    __tablename__ = "criteria"
    __table_args__ = (
        UniqueConstraint("rubric_id", "name"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("max_points > min_points", name="scale_ordered"),
        CheckConstraint("min_points >= 0", name="min_not_negative"),
        CheckConstraint("name <> ''", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    guidance: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(default=1.0)
    min_points: Mapped[int] = mapped_column(default=1)
    max_points: Mapped[int] = mapped_column(default=5)
    # One descriptor per level, from min_points to max_points.
    level_descriptors: Mapped[list] = mapped_column(JSON, default=list)
    sort_order: Mapped[int] = mapped_column(default=0)

    rubric: Mapped[Rubric] = relationship(back_populates="criteria")


class JudgeCategory(db.Model):
    """A category a judge may judge. A judge with none may judge every category."""

    __tablename__ = "judge_categories"
    __table_args__ = (UniqueConstraint("judge_id", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))


class Assignment(db.Model):
    """An entry given to a judge in one round (a judge may see an entry again in a later one)."""

    __tablename__ = "assignments"
    # Entry before judge: a round's sheets are looked up by entry (the results), a judge's by
    # ix_assignments_judge_id.
    __table_args__ = (UniqueConstraint("round_id", "entry_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    # A calibration anchor every judge scores first; it does not count toward the entry's K.
    calibration: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sheet: Mapped["ScoreSheet | None"] = relationship(back_populates="assignment")


class ScoreSheet(db.Model):
    """A judge's scores for one assigned entry; locked once submitted until an organizer reopens."""

    __tablename__ = "score_sheets"
    __table_args__ = (
        one_of("status", SheetStatus),
        CheckConstraint(
            f"status <> '{SheetStatus.SUBMITTED}' OR submitted_at IS NOT NULL",
            name="submitted_has_time",
        ),
        CheckConstraint(
            f"status <> '{SheetStatus.REOPENED}' OR reopen_reason IS NOT NULL",
            name="reopened_has_reason",
        ),
        CheckConstraint("watched_seconds >= 0", name="watched_not_negative"),
        CheckConstraint(
            "watched_fraction >= 0 AND watched_fraction <= 1", name="watched_fraction_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), unique=True
    )
    # The rubric version this sheet is scored on; a later rubric edit leaves it alone.
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default=SheetStatus.DRAFT)
    comment: Mapped[str] = mapped_column(Text, default="")  # for the organizers only
    feedback: Mapped[str] = mapped_column(Text, default="")  # for the school
    # Watch evidence from the player: seconds of distinct video played and that as a fraction.
    watched_seconds: Mapped[float] = mapped_column(default=0.0)
    watched_fraction: Mapped[float] = mapped_column(default=0.0)
    # The [start, end] second ranges the player reported, merged: evidence across sessions.
    watched_ranges: Mapped[list] = mapped_column(JSON, default=list)
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignment: Mapped[Assignment] = relationship(back_populates="sheet")
    scores: Mapped[list["Score"]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan"
    )


class Score(db.Model):
    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("sheet_id", "criterion_id"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="RESTRICT"))
    points: Mapped[int] = mapped_column()

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")


class Conflict(db.Model):
    """A judge who must not score a school's entries (or any school's in a district)."""

    __tablename__ = "conflicts"
    __table_args__ = (
        one_of("source", CONFLICT_SOURCES),
        CheckConstraint(
            "school_id IS NOT NULL OR district_id IS NOT NULL", name="names_school_or_district"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    district = relationship("District")
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
