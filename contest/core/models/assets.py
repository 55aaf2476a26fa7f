"""Stored files. Each row names its backend, so files stay readable after a backend switch, and
the entry that owns it and what it is, so retention finds every private file of a contest, a
replaced one too, without going through the entry's current pointers."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contest.core.dbtypes import UTCDateTime, one_of, utcnow
from contest.core.extensions import db
from contest.core.statuses import AssetKind, Backend

# What an entry's file is: the upload as the school sent it, the web copies made from it, and
# the files the school attached. Retention (contest.retention) deletes every file an entry owns
# but the video, poster and captions it publishes now: so original uploads (a phone's location,
# minors) and consent forms (signed releases) all go, current or replaced.


class Asset(db.Model):
    __tablename__ = "assets"
    __table_args__ = (
        one_of("backend", Backend),
        UniqueConstraint("backend", "key"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
        CheckConstraint("sha256 IS NULL OR length(sha256) = 64", name="sha256_length"),
        CheckConstraint("key <> ''", name="key_not_empty"),
        one_of("kind", AssetKind),
        CheckConstraint("entry_id IS NULL OR kind IS NOT NULL", name="owned_has_kind"),
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
    # The owner, set where the file is made and never changed by a replacement. Entries point at
    # assets too: use_alter breaks the cycle for table sorting, and the check waits for the
    # commit, so an archive's rows may go in in any order. No ON DELETE: an entry that still
    # owns files cannot be deleted, so no private file is left without its owner.
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("entries.id", use_alter=True, deferrable=True, initially="DEFERRED"),
        index=True,
    )
    kind: Mapped[str | None] = mapped_column(String(20))

    def __repr__(self):
        return f"<Asset {self.backend}:{self.key}>"
