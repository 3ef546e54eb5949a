"""Hand-written input validation whose rules also describe themselves as JSON Schema.

A :class:`Schema` is a tuple of :class:`Field` s; each field has a :class:`Check` that both
validates (and normalises) a value and reports its JSON Schema, so the OpenAPI document is built
from the very objects the handlers validate with. Every invalid field is reported, not just the
first one: ``InvalidInput({"url": "must be an http(s) URL", ...})``.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from webhook_studio.api.errors import InvalidInput
from webhook_studio.core.errors import CoreError
from webhook_studio.core.limits import Range


class Invalid(Exception):
    """One value is wrong; the message completes "<field> ..." (e.g. "must be a string")."""


@dataclass(frozen=True)
class Check:
    """``fn`` validates and returns the normalised value; ``schema`` describes it."""

    fn: Callable[[Any], Any]
    schema: dict[str, Any]

    def __call__(self, value: Any) -> Any:
        return self.fn(value)


@dataclass(frozen=True)
class Field:
    name: str
    check: Check
    required: bool = False
    nullable: bool = False
    description: str = ""
    #: Accepted for PATCH (False: create-only, like a subscription's secret).
    patchable: bool = True


@dataclass(frozen=True)
class Schema:
    name: str
    fields: tuple[Field, ...]
    #: Other names accepted for a field, e.g. seed 004's ``active`` for ``is_active``.
    aliases: dict[str, str] = field(default_factory=dict)

    def validate(self, body: Any, *, partial: bool = False) -> dict[str, Any]:
        """The normalised fields present in ``body``; raises InvalidInput naming each problem."""
        if not isinstance(body, dict):
            raise InvalidInput({"body": "must be a JSON object"})
        by_name = {f.name: f for f in self.fields}
        errors: dict[str, str] = {}
        out: dict[str, Any] = {}
        for raw_key, value in body.items():
            key: str = self.aliases.get(str(raw_key), str(raw_key))
            f = by_name.get(key)
            if f is None:
                errors[str(raw_key)] = "is not a known field"
                continue
            if partial and not f.patchable:
                errors[key] = "cannot be changed here"
                continue
            if key in out:
                errors[key] = f"given twice (as {key} and an alias)"
                continue
            if value is None and f.nullable:
                out[key] = None
                continue
            if value is None:
                errors[key] = "must not be null"
                continue
            try:
                out[key] = f.check(value)
            except Invalid as exc:
                errors[key] = str(exc)
        if not partial:
            for f in self.fields:
                if f.required and f.name not in out and f.name not in errors:
                    errors[f.name] = "is required"
        if errors:
            raise InvalidInput(errors)
        return out

    def json_schema(self, *, partial: bool = False) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for f in self.fields:
            if partial and not f.patchable:
                continue
            s = dict(f.check.schema)
            if f.nullable:
                s = {"anyOf": [s, {"type": "null"}]}
            if f.description:
                s["description"] = f.description
            props[f.name] = s
        out: dict[str, Any] = {"type": "object", "properties": props,
                               "additionalProperties": False}
        required = [f.name for f in self.fields if f.required]
        if required and not partial:
            out["required"] = required
        return out


# -- checks ----------------------------------------------------------------------------------

def string(*, min_len: int = 0, max_len: int = 2000, pattern: str | None = None,
           pattern_text: str = "") -> Check:
    rx = re.compile(pattern) if pattern else None

    def fn(v: Any) -> str:
        if not isinstance(v, str):
            raise Invalid("must be a string")
        if not min_len <= len(v) <= max_len:
            raise Invalid(f"must be {min_len} to {max_len} characters long")
        if rx is not None and not rx.fullmatch(v):
            raise Invalid(pattern_text or f"must match {pattern}")
        return v

    schema: dict[str, Any] = {"type": "string", "minLength": min_len, "maxLength": max_len}
    if pattern:
        schema["pattern"] = pattern
    return Check(fn, schema)


def http_url() -> Check:
    def fn(v: Any) -> str:
        if not isinstance(v, str) or len(v) > 2000:
            raise Invalid("must be an http(s) URL")
        try:
            parts = urlsplit(v)
            port = parts.port  # raises ValueError on a bad port
        except ValueError as exc:
            raise Invalid("must be an http(s) URL") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname or \
                any(c in v for c in " \r\n\t") or (port is not None and port == 0):
            raise Invalid("must be an http(s) URL")
        return v

    return Check(fn, {"type": "string", "format": "uri", "maxLength": 2000,
                      "pattern": "^https?://"})


def integer(lo: int, hi: int) -> Check:
    def fn(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise Invalid("must be an integer")
        if not lo <= v <= hi:
            raise Invalid(f"must be from {lo} to {hi}")
        return v

    return Check(fn, {"type": "integer", "minimum": lo, "maximum": hi})


def number(lo: float, hi: float, *, exclusive_lo: bool = False) -> Check:
    def fn(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise Invalid("must be a number")
        if not math.isfinite(v) or v > hi or v < lo or (exclusive_lo and v == lo):
            raise Invalid(f"must be {'more than' if exclusive_lo else 'at least'} {lo:g} "
                          f"and at most {hi:g}")
        return float(v)

    schema: dict[str, Any] = {"type": "number", "maximum": hi}
    schema["exclusiveMinimum" if exclusive_lo else "minimum"] = lo
    return Check(fn, schema)


def within(rng: Range) -> Check:
    """A number in one of the shared ranges of :mod:`webhook_studio.core.limits`."""
    if rng.whole:
        return integer(int(rng.low), int(rng.high))
    return number(rng.low, rng.high)


def any_json() -> Check:
    return Check(lambda v: v, {})


def boolean() -> Check:
    def fn(v: Any) -> bool:
        if not isinstance(v, bool):
            raise Invalid("must be true or false")
        return v

    return Check(fn, {"type": "boolean"})


def choice(values: Sequence[str]) -> Check:
    def fn(v: Any) -> str:
        if not isinstance(v, str) or v not in values:
            raise Invalid(f"must be one of: {', '.join(values)}")
        return v

    return Check(fn, {"type": "string", "enum": list(values)})


def core_text(parse: Callable[[str], Any], schema: dict[str, Any], max_len: int = 2000
              ) -> Check:
    """A string checked by a core parser; its CoreError sentence becomes the message."""
    def fn(v: Any) -> Any:
        if not isinstance(v, str) or len(v) > max_len:
            raise Invalid("must be a string")
        try:
            return parse(v)
        except CoreError as exc:
            raise Invalid(str(exc)) from exc

    return Check(fn, {"type": "string", "maxLength": max_len, **schema})


def array(item: Check, *, min_items: int = 0, max_items: int = 100,
          unique: bool = False) -> Check:
    def fn(v: Any) -> list[Any]:
        if not isinstance(v, list):
            raise Invalid("must be an array")
        if not min_items <= len(v) <= max_items:
            raise Invalid(f"must have {min_items} to {max_items} items")
        out = []
        for i, x in enumerate(v):
            try:
                out.append(item(x))
            except Invalid as exc:
                raise Invalid(f"item {i} {exc}") from exc
        if unique:
            out = list(dict.fromkeys(out))
        return out

    return Check(fn, {"type": "array", "items": item.schema, "minItems": min_items,
                      "maxItems": max_items})


_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def header_map(max_items: int = 50) -> Check:
    """``{"Name": "value"}`` with names that are HTTP tokens and values without line breaks."""
    def fn(v: Any) -> dict[str, str]:
        if not isinstance(v, dict):
            raise Invalid("must be an object of header names to string values")
        if len(v) > max_items:
            raise Invalid(f"must have at most {max_items} headers")
        for name, value in v.items():
            if not _TOKEN.match(name) or len(name) > 200:
                raise Invalid(f"has an invalid header name {name[:50]!r}")
            if not isinstance(value, str) or len(value) > 4000 or \
                    any(c in value for c in "\r\n\0"):
                raise Invalid(f"value of {name!r} must be a string without line breaks")
        return dict(v)

    return Check(fn, {"type": "object", "maxProperties": max_items,
                      "additionalProperties": {"type": "string", "maxLength": 4000}})


def cidr() -> Check:
    def fn(v: Any) -> str:
        if not isinstance(v, str) or len(v) > 100:
            raise Invalid("must be an IP address or CIDR network like 10.0.0.0/8")
        try:
            return str(ipaddress.ip_network(v, strict=False))
        except ValueError as exc:
            raise Invalid("must be an IP address or CIDR network like 10.0.0.0/8") from exc

    return Check(fn, {"type": "string", "maxLength": 100})


def nested(schema: Schema) -> Check:
    def fn(v: Any) -> dict[str, Any]:
        try:
            return schema.validate(v)
        except InvalidInput as exc:
            raise Invalid("; ".join(f"{k} {m}" for k, m in exc.fields.items())) from exc

    return Check(fn, schema.json_schema())


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
