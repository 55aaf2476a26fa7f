"""Column types and constraint helpers shared by the models."""

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, Index, text, types


class UTCDateTime(types.TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite keeps no time zone, PostgreSQL does; this makes both behave the same and refuses
    naive datetimes, which are the usual source of off-by-hours deadline bugs.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow():
    return datetime.now(UTC)


def one_of(column, values, name=None):
    """A CHECK constraint that keeps `column` within `values` (enums as portable strings)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


def partial_unique(name, where, *columns):
    """A unique index over the rows matching `where`: unique constraints treat NULLs as distinct,
    so a scope with a NULL column needs its own index to be unique."""
    return Index(
        name, *columns, unique=True, sqlite_where=text(where), postgresql_where=text(where)
    )
