"""Uploads in progress: tus uploads through the app, or presigned multipart uploads to S3."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, and_, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from contest.core.dbtypes import UTCDateTime, one_of, utcnow
from contest.core.extensions import db
from contest.core.statuses import Backend, UploadPurpose


class Upload(db.Model):
    """One resumable upload. Its id is a random token: it names the upload in URLs."""

    __tablename__ = "uploads"
    __table_args__ = (
        one_of("purpose", UploadPurpose),
        one_of("backend", Backend),
        CheckConstraint("length > 0", name="length_positive"),
        CheckConstraint("upload_offset >= 0 AND upload_offset <= length", name="offset_in_range"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20), default="video")
    backend: Mapped[str] = mapped_column(String(20), default="local")
    length: Mapped[int] = mapped_column(BigInteger)
    upload_offset: Mapped[int] = mapped_column(BigInteger, default=0)
    # The name the browser gave, for display only: never used as a path.
    filename: Mapped[str] = mapped_column(String(255), default="")
    upload_metadata: Mapped[dict] = mapped_column(JSON, default=dict)
    staging_key: Mapped[str] = mapped_column(String(500))
    multipart_id: Mapped[str | None] = mapped_column(String(255))
    # The Asset the finished bytes became, committed before the entry is told (`completed_at`):
    # a failure between the two leaves a stored upload that is handed over again, never lost.
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @hybrid_property
    def unfinished(self):
        """Bytes still arriving (or abandoned): nothing stored from them yet."""
        return self.asset_id is None and self.completed_at is None

    @unfinished.inplace.expression
    @classmethod
    def _unfinished(cls):
        return and_(cls.asset_id.is_(None), cls.completed_at.is_(None))

    @hybrid_property
    def arrived_unfinished(self):
        """Every byte arrived but finishing stopped half-way (stored but the entry not told, or
        staged whole but not stored): a failure left it, a retry ends it (`arrival`)."""
        staged_whole = self.backend == "local" and self.upload_offset == self.length
        return self.completed_at is None and (self.asset_id is not None or staged_whole)

    @arrived_unfinished.inplace.expression
    @classmethod
    def _arrived_unfinished(cls):
        staged_whole = and_(cls.backend == "local", cls.upload_offset == cls.length)
        return and_(cls.completed_at.is_(None), or_(cls.asset_id.is_not(None), staged_whole))
