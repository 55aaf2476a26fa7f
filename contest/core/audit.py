"""The audit trail: every state change an organizer or judge makes."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from contest.core.dbtypes import UTCDateTime, utcnow
from contest.core.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(100))
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[int | None] = mapped_column()
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def record(session, actor, action, subject, **data):
    """Add an audit event for `action` by `actor` (a User or None) on `subject` (a model row).

    The caller commits, so the event lands in the same transaction as the change it describes.
    """
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=type(subject).__tablename__,
        subject_id=subject.id,
        data=data,
    )
    session.add(event)
    return event
