"""Results frozen at publication."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contest.core.dbtypes import UTCDateTime, one_of, partial_unique, utcnow
from contest.core.extensions import db
from contest.core.statuses import Award


class Result(db.Model):
    """A place in a category, or the overall People's Choice (no category), with its figures."""

    __tablename__ = "results"
    __table_args__ = (
        one_of("award", Award),
        CheckConstraint("award <> 'place' OR (place BETWEEN 1 AND 3)", name="place_range"),
        CheckConstraint("award <> 'place' OR category_id IS NOT NULL", name="place_has_category"),
        CheckConstraint(
            "award <> 'peoples_choice' OR category_id IS NULL", name="peoples_choice_overall"
        ),
        UniqueConstraint("contest_id", "entry_id", "award"),
        partial_unique("uq_results_place", "award = 'place'", "contest_id", "category_id", "place"),
        partial_unique("uq_results_peoples_choice", "award = 'peoples_choice'", "contest_id"),
        CheckConstraint("length(digest) = 64", name="digest_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    award: Mapped[str] = mapped_column(String(30))
    place: Mapped[int | None] = mapped_column()
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="RESTRICT"))
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    # SHA-256 of the published data set, so anyone can check the frozen results.
    digest: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Publication(db.Model):
    """One publication of a contest's results: the canonical document exactly as published
    (canonical JSON) and its SHA-256. Kept when the results are withdrawn (`withdrawn_at`), so
    every digest ever published can still be checked against its document."""

    __tablename__ = "publications"
    __table_args__ = (
        CheckConstraint("length(digest) = 64", name="digest_length"),
        partial_unique("uq_publications_in_force", "withdrawn_at IS NULL", "contest_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), index=True
    )
    document: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
