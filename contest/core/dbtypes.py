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


MAX_INTEGER = 2**31 - 1  # the largest value an INTEGER column holds (ids, on PostgreSQL)
MAX_BIGINT = 2**63 - 1


def whole_number(text, limit=MAX_INTEGER):
    """`text` (a form field, header or URL value) as a whole number written in plain digits, up
    to `limit`; None for anything else. str.isdigit() alone lets "²" through to int(), which
    refuses it, as it refuses 5,000 digits; and SQLite's driver can't bind an int past 2**63."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()):
        return None
    if len(text.lstrip("0")) > len(str(limit)) or int(text) > limit:
        return None
    return int(text)


def one_of(column, values, name=None):
    """A CHECK constraint that keeps `column` within `values`, an enum (its members in order) or
    a tuple of strings: enums as portable strings."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


def partial_unique(name, where, *columns):
    """A unique index over the rows matching `where`: unique constraints treat NULLs as distinct,
    so a scope with a NULL column needs its own index to be unique."""
    return Index(
        name, *columns, unique=True, sqlite_where=text(where), postgresql_where=text(where)
    )
