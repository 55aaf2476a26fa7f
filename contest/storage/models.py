"""Stored files. Each row names its backend, so files stay readable after a backend switch."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contest.dbtypes import UTCDateTime, one_of, utcnow
from contest.extensions import db

BACKENDS = ("local", "s3")


class Asset(db.Model):
    __tablename__ = "assets"
    __table_args__ = (
        one_of("backend", BACKENDS),
        UniqueConstraint("backend", "key"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
        CheckConstraint("sha256 IS NULL OR length(sha256) = 64", name="sha256_length"),
        CheckConstraint("key <> ''", name="key_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    # What probing found (codecs, duration, width, height), for videos.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self):
        return f"<Asset {self.backend}:{self.key}>"
