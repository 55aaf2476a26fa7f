"""People, the roles they hold, invitations and failed sign-ins."""

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.core.dbtypes import UTCDateTime, one_of, partial_unique, utcnow
from contest.core.extensions import db
from contest.core.statuses import Role


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    # Null until the person accepts an invitation and chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the address was shown to be the person's (a link mailed to it was used, or an
    # operator made the account). Null: the account cannot sign in yet.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sessions carry the generation they began in; raising it (sign-out, "sign out of every
    # device", a new password) ends them all. Apart from the password, so it also serves
    # accounts that sign in through a school's identity provider.
    session_generation: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self):
        return self.active

    @property
    def email_confirmed(self):
        return self.email_confirmed_at is not None

    @property
    def password_fingerprint(self):
        """Changes whenever the password does: a used reset link stops working."""
        return hashlib.sha256((self.password_hash or "unset").encode()).hexdigest()[:20]

    def get_id(self):
        # What the session keeps: the id and the session generation, so a session ends for good
        # when the generation moves on (contest/auth/sessions.py), though its cookie lives on.
        return f"{self.id}:{self.session_generation}"

    def has_role(self, *roles, school_id=None):
        """True if the user holds any of `roles` (for a teacher, at `school_id` when given)."""
        return any(
            grant.role in roles and (school_id is None or grant.school_id == school_id)
            for grant in self.grants
        )

    @property
    def school_ids(self):
        return {grant.school_id for grant in self.grants if grant.role == "teacher"}

    def __repr__(self):
        return f"<User {self.email}>"


class RoleGrant(db.Model):
    """One role a user holds. A person may hold several: a teacher who also judges, say."""

    __tablename__ = "role_grants"
    __table_args__ = (
        one_of("role", Role),
        CheckConstraint("role <> 'teacher' OR school_id IS NOT NULL", name="teacher_has_school"),
        CheckConstraint("role = 'teacher' OR school_id IS NULL", name="school_only_for_teacher"),
        CheckConstraint(
            "role NOT IN ('organizer', 'observer') OR contest_id IS NOT NULL",
            name="role_names_contest",
        ),
        CheckConstraint("role <> 'admin' OR contest_id IS NULL", name="admin_of_every_contest"),
        CheckConstraint(
            "(role = 'coordinator') = (district_id IS NOT NULL)", name="coordinator_of_district"
        ),
        # NULLs are distinct in a unique constraint, so each scope gets its own partial index.
        UniqueConstraint("user_id", "role", "contest_id", "school_id"),
        partial_unique(
            "uq_role_grants_everywhere",
            "contest_id IS NULL AND school_id IS NULL AND district_id IS NULL",
            "user_id",
            "role",
        ),
        partial_unique(
            "uq_role_grants_district", "district_id IS NOT NULL", "user_id", "role", "district_id"
        ),
        partial_unique(
            "uq_role_grants_contest",
            "contest_id IS NOT NULL AND school_id IS NULL",
            "user_id",
            "role",
            "contest_id",
        ),
        partial_unique(
            "uq_role_grants_school",
            "contest_id IS NULL AND school_id IS NOT NULL",
            "user_id",
            "role",
            "school_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    # Null: the role holds for every contest (the site administrator, returning judges); an
    # organizer's grant always names its contest.
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    # A district coordinator's district (and nobody else's grant has one).
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")


class Invitation(db.Model):
    """A signed, expiring, single-use link that grants a role (a teacher's at a school, an
    organizer's of a contest), making the account if need be."""

    __tablename__ = "invitations"
    __table_args__ = (
        one_of("role", Role),
        CheckConstraint("role <> 'teacher' OR school_id IS NOT NULL", name="teacher_has_school"),
        CheckConstraint(
            "role NOT IN ('organizer', 'observer') OR contest_id IS NOT NULL",
            name="role_names_contest",
        ),
        CheckConstraint(
            "(role = 'coordinator') = (district_id IS NOT NULL)", name="coordinator_of_district"
        ),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(20))
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None until mailed: an archive's organizer and observer roles wait here for the site
    # administrator to send them.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class LoginFailure(db.Model):
    """A failed sign-in, kept in the database so throttling holds across app processes."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
