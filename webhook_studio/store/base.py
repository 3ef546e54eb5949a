"""The declarative base and column helpers shared by every model module."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, MetaData, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class JSONText(TypeDecorator[Any]):
    """JSON stored as TEXT, compact, order kept (header lists stay lists of pairs).

    Plain TEXT instead of the JSON type so that SQLite and PostgreSQL store the same thing and
    header pairs keep their order and duplicates.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(value)


class bytes_contain(FunctionElement[bool]):
    """``bytes_contain(column, needle)``: whether a binary column holds ``needle`` anywhere.

    SQLite spells it ``instr(col, x) > 0``, PostgreSQL ``position(x IN col) > 0`` on bytea;
    the Inbox search uses it on raw bodies, so it matches bytes, never decoded text.
    """

    type = Boolean()
    inherit_cache = True


@compiles(bytes_contain)
def _bytes_contain_default(element: bytes_contain, compiler: SQLCompiler, **kw: Any) -> str:
    column, needle = list(element.clauses)
    return f"(instr({compiler.process(column, **kw)}, {compiler.process(needle, **kw)}) > 0)"


@compiles(bytes_contain, "postgresql")
def _bytes_contain_pg(element: bytes_contain, compiler: SQLCompiler, **kw: Any) -> str:
    column, needle = list(element.clauses)
    return (f"(position({compiler.process(needle, **kw)} IN "
            f"{compiler.process(column, **kw)}) > 0)")


def apply_fields(row: Any, fields: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    """Set ``fields`` on a row, refusing names outside ``allowed``; stamps ``updated_at``."""
    import time

    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValueError(f"Unknown {what} field {unknown[0]!r}.")
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = time.time()
