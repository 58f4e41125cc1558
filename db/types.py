"""Column types shared by the models, and the one ordering that must not depend on the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python on every database; SQLite stores it naive, as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def aware_utc(value: Any) -> datetime | None:
    """A moment read past the column type (straight from the driver, or an aggregate) as an aware
    UTC datetime, as :class:`UTCDateTime` gives it: SQLite hands back naive UTC text."""
    if value is None:
        return None
    moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def stored_date(value: Any) -> date | None:
    """A date read past the column type: SQLite hands back ISO text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_type(enum_class: type[StrEnum]) -> SAEnum:
    """Store an enum by its value as a plain string column (no native type to migrate later)."""
    return SAEnum(
        enum_class,
        native_enum=False,
        length=24,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class code_point_order(FunctionElement[str]):  # noqa: N801 - used like a SQL function
    """``ORDER BY code_point_order(column)``: text in code-point order, as Python's ``sorted``.

    SQLite compares text by its bytes already. PostgreSQL follows the database's collation, which
    on a server set up in Chinese sorts 城关镇 before 东关镇 by pinyin and mixes "a1" and "B1"
    case-blind; ``COLLATE "C"`` (present on every PostgreSQL) makes it compare code points too,
    so a list reads the same whatever database and locale it came from.
    """

    type = String()
    name = "code_point_order"
    inherit_cache = True


@compiles(code_point_order)
def _as_is(element: code_point_order, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(code_point_order, "postgresql")
def _c_collation(element: code_point_order, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'
