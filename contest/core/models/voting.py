"""People's Choice voters, their one-time codes and their votes."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contest.core.dbtypes import UTCDateTime, utcnow
from contest.core.extensions import db


class Voter(db.Model):
    """A person, known only by a keyed hash (HMAC) of their normalised email address."""

    __tablename__ = "voters"
    __table_args__ = (
        UniqueConstraint("contest_id", "email_hash"),
        CheckConstraint("length(email_hash) = 64", name="email_hash_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    email_hash: Mapped[str] = mapped_column(String(64))
    email_domain: Mapped[str] = mapped_column(String(254), default="")  # an anomaly signal
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoteCode(db.Model):
    """A one-time 6-digit code (and link) that confirms a voter's choice."""

    __tablename__ = "vote_codes"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("voters.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    network_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Vote(db.Model):
    """One vote per verified voter per contest, enforced by the database."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("contest_id", "voter_id"),
        CheckConstraint("(voided_at IS NULL) = (void_reason IS NULL)", name="voided_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("voters.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    receipt: Mapped[str] = mapped_column(String(64), unique=True)
    network_hash: Mapped[str] = mapped_column(String(64), default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(Text)
