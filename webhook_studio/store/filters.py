"""Filter terms (core/filter_syntax.py) as SQL conditions on captures and deliveries.

Portable SQL only: the same conditions run on SQLite and PostgreSQL. Two choices follow:
- Text matches (paths, event types, header lines) compare ``lower(column)`` with ``LIKE`` on
  a lower-cased pattern, because ``LIKE`` ignores ASCII case on SQLite and not on PostgreSQL.
- Body search looks for the raw bytes with a small construct compiled per dialect
  (``instr`` on SQLite/MySQL, ``position(… in …)`` on PostgreSQL): bodies are bytes, and a
  search must find a byte string in a binary body too.

Every condition is NULL-safe (a missing status is "not 5xx", never "unknown"), so a negated
term (``-status:5xx``) keeps the rows the positive one leaves out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from webhook_studio.core.filter_syntax import (
    FilterKind,
    NumberRange,
    Term,
    choices,
    header_parts,
    number_range,
    parse_filter,
)
from webhook_studio.core.vocabulary import CaptureState, DeliveryState
from webhook_studio.store.database import Store
from webhook_studio.store.receiver_models import Capture, Endpoint
from webhook_studio.store.receiver_queries import CaptureFilter
from webhook_studio.store.sender_models import Attempt, Delivery, Subscription


class bytes_position(FunctionElement[int]):
    """1-based position of ``needle`` in ``haystack`` (bytes), 0 when absent."""

    type = Integer()
    inherit_cache = True
    name = "bytes_position"


@compiles(bytes_position)
def _instr(element: bytes_position, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = list(element.clauses)
    return f"instr({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)})"


@compiles(bytes_position, "postgresql")
def _position(element: bytes_position, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = list(element.clauses)
    return f"position({compiler.process(needle, **kw)} in {compiler.process(haystack, **kw)})"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ascii_lower(text: str) -> str:
    """What SQLite's lower() does (ASCII only), so a pattern matches what the column becomes."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def glob_pattern(glob: str, *, encode: Callable[[str], str] = lambda s: s) -> str:
    """A LIKE pattern (escape ``\\``) for a glob where ``*`` matches any run of characters."""
    return "%".join(_like_escape(encode(part)) for part in _ascii_lower(glob).split("*"))


def _like(column: Any, pattern: str) -> ColumnElement[bool]:
    return and_(column.is_not(None), func.lower(column).like(pattern, escape="\\"))


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    return _like(column, f"%{_like_escape(_ascii_lower(text))}%")


def _in_range(column: Any, rng: NumberRange) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = [column.is_not(None)]
    if rng.low is not None:
        parts.append(column >= rng.low)
    if rng.high is not None:
        parts.append(column <= rng.high)
    return and_(*parts)


def _json_inner(text: str) -> str:
    """``text`` as it appears inside a JSON string in the stored header list."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _header(value: str) -> ColumnElement[bool]:
    name, wanted = header_parts(value)
    head = f'["{_like_escape(_json_inner(_ascii_lower(name)))}",'
    if wanted is None:
        return _like(Capture.headers, f"%{head}%")
    inner = glob_pattern(wanted, encode=_json_inner)
    return _like(Capture.headers, f'%{head}"{inner}"]%')


def _body_or_path(text: str) -> ColumnElement[bool]:
    needle = text.encode("utf-8")
    return or_(_contains(Capture.path, text), bytes_position(Capture.body, needle) > 0)


def _endpoint(value: str) -> ColumnElement[bool]:
    if value.strip().isdigit():
        return and_(Capture.endpoint_id.is_not(None), Capture.endpoint_id == int(value))
    pattern = glob_pattern(value)
    ids = select(Endpoint.id).where(or_(func.lower(Endpoint.path).like(pattern, escape="\\"),
                                        func.lower(Endpoint.name).like(pattern, escape="\\")))
    return and_(Capture.endpoint_id.is_not(None), Capture.endpoint_id.in_(ids))


_VERDICTS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "valid": lambda: Capture.verify_valid.is_(True),
    "invalid": lambda: Capture.verify_valid.is_(False),
    "unverified": lambda: and_(Capture.verify_valid.is_(None),
                               Capture.state != CaptureState.REJECTED),
    "rejected": lambda: Capture.state == CaptureState.REJECTED,
}


def capture_condition(term: Term) -> ColumnElement[bool]:
    """The SQL condition of one capture term (negation included)."""
    key, value = term.key, term.value
    cond: ColumnElement[bool]
    if key is None:
        cond = _body_or_path(value) if value else true()
    elif key == "method":
        cond = Capture.method.in_([m.upper() for m in choices(value)])
    elif key == "status":
        cond = _in_range(Capture.response_status, number_range(value))
    elif key == "verdict":
        cond = or_(*(_VERDICTS[v]() for v in choices(value)))
    elif key == "header":
        cond = _header(value)
    elif key == "path":
        cond = _like(Capture.path, glob_pattern(value))
    elif key == "endpoint":
        cond = _endpoint(value)
    elif key == "id":
        cond = _in_range(Capture.id, number_range(value))
    elif key == "size":
        cond = _in_range(Capture.body_size, number_range(value, units=True))
    elif key == "is":
        flags = {"duplicate": Capture.duplicate_of.is_not(None),
                 "edited": Capture.edited_from.is_not(None)}
        cond = or_(*(flags[v] for v in choices(value)))
    else:  # the parser only lets known keys through
        raise ValueError(f"No capture filter key {key!r}.")
    return not_(cond) if term.negated else cond


def _latest_status() -> Any:
    return (select(Attempt.response_status).where(Attempt.delivery_id == Delivery.id)
            .order_by(Attempt.number.desc()).limit(1).scalar_subquery())


_STATES: dict[str, Callable[[], ColumnElement[bool]]] = {
    "dead": lambda: and_(Delivery.state == DeliveryState.FAILED,
                         Delivery.source_capture_id.is_(None)),
}


def delivery_condition(term: Term) -> ColumnElement[bool]:
    """The SQL condition of one delivery term (negation included)."""
    key, value = term.key, term.value
    cond: ColumnElement[bool]
    if key is None:
        cond = (or_(_contains(Delivery.id, value), _contains(Delivery.event_type, value),
                    _contains(Delivery.target_url, value)) if value else true())
    elif key == "state":
        cond = or_(*(_STATES[s]() if s in _STATES else Delivery.state == s
                     for s in choices(value)))
    elif key == "target":
        cond = (_like(Delivery.target_url, glob_pattern(value)) if "*" in value
                else _contains(Delivery.target_url, value))
    elif key == "event":
        cond = _like(Delivery.event_type, glob_pattern(value))
    elif key == "status":
        cond = _in_range(_latest_status(), number_range(value))
    elif key == "kind":
        kinds = choices(value)
        cond = or_(*((Delivery.source_capture_id.is_not(None) if k == "replay"
                      else Delivery.source_capture_id.is_(None)) for k in kinds))
    elif key == "subscription":
        cond = Delivery.subscription_id == value
    elif key == "tries":
        cond = _in_range(Delivery.attempt_count, number_range(value))
    else:
        raise ValueError(f"No delivery filter key {key!r}.")
    return not_(cond) if term.negated else cond


def where(terms: tuple[Term, ...], kind: FilterKind) -> ColumnElement[bool]:
    """All terms at once (AND); ``true()`` for none."""
    make = capture_condition if kind is FilterKind.CAPTURES else delivery_condition
    conditions = [make(t) for t in terms]
    return and_(true(), *conditions) if conditions else true()


@dataclass(frozen=True)
class SyntaxFilter:
    """A typed filter ready to narrow any ``select`` over its table (``.apply``), as
    ``receiver_queries.CaptureFilter`` does; ``extra`` holds conditions from other widgets
    (the Inbox's endpoint box)."""

    text: str = ""
    kind: FilterKind = FilterKind.CAPTURES
    terms: tuple[Term, ...] = ()
    extra: tuple[ColumnElement[bool], ...] = field(default=(), compare=False)

    @classmethod
    def parse(cls, text: str, kind: FilterKind = FilterKind.CAPTURES,
              extra: tuple[ColumnElement[bool], ...] = ()) -> SyntaxFilter:
        """Raises ``FilterSyntaxError`` with a sentence for text that cannot be read."""
        return cls(text, kind, parse_filter(text, kind), extra)

    def condition(self) -> ColumnElement[bool]:
        return and_(where(self.terms, self.kind), *self.extra)

    def apply(self, query: Select[Any]) -> Select[Any]:
        if not self.terms and not self.extra:
            return query
        return query.where(self.condition())


def count_matching(store: Store, flt: SyntaxFilter) -> int:
    table = Capture if flt.kind is FilterKind.CAPTURES else Delivery
    with store.session() as session:
        return int(session.scalar(flt.apply(select(func.count(table.id)))) or 0)


def matching_ids(store: Store, flt: SyntaxFilter, limit: int = 200) -> list[Any]:
    """Newest first (captures by id, deliveries by creation)."""
    if flt.kind is FilterKind.CAPTURES:
        query = flt.apply(select(Capture.id)).order_by(Capture.id.desc())
    else:
        query = flt.apply(select(Delivery.id)).order_by(Delivery.created_at.desc(), Delivery.id)
    with store.session() as session:
        return list(session.scalars(query.limit(limit)))


#: How many recent rows the completion reads header names and values from.
RECENT = 500


def known_values(store: Store, kind: FilterKind) -> dict[str, tuple[str, ...]]:
    """Values worth offering while a key is typed, read from recent rows (cheap at 1M: a
    primary-key range and small DISTINCT queries)."""
    out: dict[str, tuple[str, ...]] = {}
    with store.session() as session:
        if kind is FilterKind.CAPTURES:
            names: dict[str, None] = {}
            newest = int(session.scalar(select(func.max(Capture.id))) or 0)
            for headers in session.scalars(select(Capture.headers)
                                           .where(Capture.id > newest - RECENT)):
                for pair in headers or ():
                    if pair and isinstance(pair[0], str) and not pair[0].startswith("["):
                        names[pair[0].lower()] = None
            out["header"] = tuple(sorted(names))
            rows = session.execute(select(Endpoint.path, Endpoint.name)).all()
            out["endpoint"] = tuple(sorted({p for p, _ in rows} | {n for _, n in rows if n}))
            out["path"] = tuple(sorted({p for p, _ in rows}))
        else:
            out["event"] = tuple(session.scalars(
                select(Delivery.event_type).distinct().order_by(Delivery.event_type).limit(50)))
            out["target"] = tuple(session.scalars(
                select(Delivery.target_url).distinct().order_by(Delivery.target_url).limit(50)))
            out["subscription"] = tuple(session.scalars(
                select(Subscription.id).where(Subscription.adhoc.is_(False))
                .order_by(Subscription.id).limit(50)))
    return out


__all__ = ["SyntaxFilter", "bytes_position", "capture_condition", "count_matching",
           "delivery_condition", "glob_pattern", "known_values", "matching_ids",
           "where"]


@dataclass(frozen=True)
class CaptureQuery(CaptureFilter):
    """The Inbox's whole filter: its boxes (endpoint, method, verdict…) and the typed text."""

    syntax: SyntaxFilter | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        query = super().apply(query)
        return self.syntax.apply(query) if self.syntax is not None else query
