"""Query parameters of the API's routes; request bodies are the record specs of
:mod:`webhook_studio.core.specs_records` (re-exported here for the route tables).

A :class:`Param` parses a query string value and reports its JSON Schema, so the OpenAPI
document lists each route's parameters from the objects that parse them. Every invalid
parameter is reported, not just the first one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from webhook_studio.api.errors import InvalidInput
from webhook_studio.core.specs import Check, Invalid, Schema, SpecError, choice

__all__ = ["Check", "Invalid", "Param", "Schema", "SpecError", "choice", "parse_query",
           "q_bool", "q_int", "q_str"]


# -- query parameters ------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """A query parameter: ``parse`` turns the text into a value or raises Invalid."""

    name: str
    parse: Callable[[str], Any]
    schema: dict[str, Any]
    default: Any = None
    description: str = ""


def q_int(name: str, lo: int, hi: int, default: int | None = None,
          description: str = "") -> Param:
    def parse(text: str) -> int:
        if not re.fullmatch(r"-?[0-9]{1,12}", text):
            raise Invalid("must be an integer")
        value = int(text)
        if not lo <= value <= hi:
            raise Invalid(f"must be from {lo} to {hi}")
        return value

    return Param(name, parse, {"type": "integer", "minimum": lo, "maximum": hi},
                 default, description)


def q_bool(name: str, description: str = "") -> Param:
    def parse(text: str) -> bool:
        low = text.lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
        raise Invalid("must be true or false")

    return Param(name, parse, {"type": "boolean"}, None, description)


def q_str(name: str, check: Check, description: str = "") -> Param:
    def parse(text: str) -> Any:
        return check(text)

    return Param(name, parse, check.schema, None, description)


def parse_query(params: Sequence[Param], query: Any) -> dict[str, Any]:
    """Values for every declared parameter (default when absent); unknown ones are ignored."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for p in params:
        text = query.get(p.name)
        if text is None:
            out[p.name] = p.default
            continue
        try:
            out[p.name] = p.parse(text)
        except Invalid as exc:
            errors[p.name] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return out
