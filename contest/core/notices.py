"""Dashboard notices: what a teacher (or any user) should see next time they sign in."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from contest.core.dbtypes import UTCDateTime, utcnow
from contest.core.extensions import db


class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR school_id IS NOT NULL", name="has_recipient"),
        CheckConstraint("message <> ''", name="message_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # For one person, or for everyone teaching at a school.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def notify(session, message, kind, user_id=None, school_id=None, entry_id=None):
    """Add a notice; the caller commits it with the change it reports."""
    notice = Notice(
        user_id=user_id, school_id=school_id, entry_id=entry_id, kind=kind, message=message
    )
    session.add(notice)
    return notice
