"""Reports from the public that a video should come down."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from contest.core.dbtypes import UTCDateTime, one_of, utcnow
from contest.core.extensions import db
from contest.core.statuses import ReportOutcome, ReportReason


class TakedownReport(db.Model):
    """A "report this video" submission and what an organizer did about it."""

    __tablename__ = "takedown_reports"
    __table_args__ = (
        one_of("reason", ReportReason),
        one_of("outcome", ReportOutcome),
        CheckConstraint("(resolved_at IS NULL) = (outcome IS NULL)", name="resolved_with_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    # Optional, so the organizers can answer; cleared once the report is resolved.
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
