"""Record specs: rules that validate a value *and* describe themselves as JSON Schema.

A :class:`Schema` is a tuple of :class:`Field` s; each field has a :class:`Check` that both
validates (and normalises) a value and reports its JSON Schema. The API validates request bodies
with them and publishes them in its OpenAPI document; the editors, the CLI and profile parsing
run the same schemas (see :mod:`webhook_studio.core.specs_records`), so a record one door
accepts the others accept too. Every invalid field is reported, not just the first one:
``SpecError({"url": "must be an http(s) URL ...", ...})``.

Hand-written rather than pydantic or msgspec: docs/benchmarks.md ("Spec library choice") has
the numbers. In short, pydantic costs ~95 ms on every CLI start and ~10 MB installed, msgspec
stops at the first error and has no hook for rules like "this secret can sign", and this module
costs nothing and already says which field, what was wrong and the allowed range.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from webhook_studio.core import limits
from webhook_studio.core.errors import CoreError
from webhook_studio.core.limits import Range


class Invalid(CoreError):
    """One value is wrong; the message completes "<field> ..." (e.g. "must be a string"), or
    is a whole sentence (capitalised) when a core parser said it."""


class SpecError(CoreError):
    """A record broke its spec; ``fields`` maps each invalid field to what is wrong with it."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k} {m}" for k, m in fields.items()))
        self.fields = fields


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
    #: How an editor's sentence names the field: "The timeout must be ...".
    label: str = ""


@dataclass(frozen=True)
class Schema:
    name: str
    fields: tuple[Field, ...]
    #: Other names accepted for a field, e.g. seed 004's ``active`` for ``is_active``.
    aliases: dict[str, str] = field(default_factory=dict)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def validate(self, body: Any, *, partial: bool = False) -> dict[str, Any]:
        """The normalised fields present in ``body``; raises SpecError naming each problem."""
        if not isinstance(body, dict):
            raise SpecError({"body": "must be a JSON object"})
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
            raise SpecError(errors)
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

    def sentence(self, name: str, message: str) -> str:
        """An editor's sentence for a field's message: "The timeout must be ... to 300."."""
        by_name = {f.name: f for f in self.fields}
        label = by_name[name].label if name in by_name and by_name[name].label else \
            f"The {name.replace('_', ' ')}"
        if item := re.fullmatch(r"item (\d+): (.*)", message, re.DOTALL):
            label, message = f"{label}, item {int(item[1]) + 1}:", item[2]
            if not message[:1].islower():
                return f"{label} {message}"
        elif message[:1].isupper():
            return message
        return f"{label} {message.rstrip('.')}."


def range_predicate(rng: Range, unit: str = "") -> str:
    """"must be a number of seconds from 0.1 to 300": the one wording of a range."""
    kind = "a whole number" if rng.whole else "a number"
    return f"must be {kind}{' ' + unit if unit else ''} {rng.text()}"


# -- checks ----------------------------------------------------------------------------------

def string(*, min_len: int = 0, max_len: int = 2000, pattern: str | None = None,
           pattern_text: str = "") -> Check:
    rx = re.compile(pattern) if pattern else None

    def fn(v: Any) -> str:
        if not isinstance(v, str):
            raise Invalid("must be a string")
        if not min_len <= len(v) <= max_len:
            raise Invalid(f"must be from {min_len:,} to {max_len:,} characters long "
                          f"(this one is {len(v):,})")
        if rx is not None and not rx.fullmatch(v):
            raise Invalid(pattern_text or f"must match {pattern}")
        return v

    schema: dict[str, Any] = {"type": "string", "minLength": min_len, "maxLength": max_len}
    if pattern:
        schema["pattern"] = pattern
    return Check(fn, schema)


def url_problem(text: str) -> str | None:
    """Why ``text`` is not an http(s) URL we can send to, as a sentence; None when it is."""
    if len(text) > limits.URL_CHARS:
        return f"The URL must be at most {limits.URL_CHARS:,} characters long."
    if any(c in text for c in " \r\n\t\0"):
        return "The URL must not contain spaces or line breaks."
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return "The port in the URL is not a number from 1 to 65535."
    if parts.scheme not in ("http", "https"):
        return "Enter a full http:// or https:// URL."
    if not parts.hostname:
        return "The URL needs a host, e.g. http://localhost:3000/webhook."
    if port == 0:
        return "The port in the URL is not a number from 1 to 65535."
    return None


def http_url() -> Check:
    def fn(v: Any) -> str:
        if not isinstance(v, str):
            raise Invalid("must be an http(s) URL as a string")
        if problem := url_problem(v):
            raise Invalid(problem)
        return v

    return Check(fn, {"type": "string", "format": "uri", "maxLength": limits.URL_CHARS,
                      "pattern": "^https?://"})


def within(rng: Range, unit: str = "") -> Check:
    """A number in one of the shared ranges of :mod:`webhook_studio.core.limits`."""
    predicate = range_predicate(rng, unit)

    def fn(v: Any) -> float | int:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise Invalid(predicate)
        if rng.whole and not isinstance(v, int):
            raise Invalid(predicate)
        if not math.isfinite(v) or v not in rng:
            raise Invalid(predicate)
        return v if rng.whole else float(v)

    if rng.whole:
        return Check(fn, {"type": "integer", "minimum": int(rng.low), "maximum": int(rng.high)})
    return Check(fn, {"type": "number", "minimum": rng.low, "maximum": rng.high})


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
        if not isinstance(v, str):
            raise Invalid("must be a string")
        if len(v) > max_len:
            raise Invalid(f"must be at most {max_len:,} characters long")
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
            raise Invalid(f"must have from {min_items:,} to {max_items:,} items "
                          f"(this one has {len(v):,})")
        out = []
        for i, x in enumerate(v):
            try:
                out.append(item(x))
            except Invalid as exc:
                raise Invalid(f"item {i}: {exc}") from exc
        if unique:
            out = list(dict.fromkeys(out))
        return out

    return Check(fn, {"type": "array", "items": item.schema, "minItems": min_items,
                      "maxItems": max_items})


TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def header_problem(name: Any, value: Any) -> str | None:
    """The one header rule (subscriptions' custom headers, endpoint answers, edited requests):
    an HTTP token name, a one-line value."""
    if not isinstance(name, str) or not TOKEN.fullmatch(name) or \
            len(name) > limits.HEADER_NAME_CHARS:
        return (f"Header name {str(name)[:60]!r} is not a valid HTTP header name (letters, "
                f"digits and !#$%&'*+-.^_`|~, at most {limits.HEADER_NAME_CHARS} characters).")
    if not isinstance(value, str) or any(c in value for c in "\r\n\0") or \
            len(value) > limits.HEADER_VALUE_CHARS:
        return (f"The value of header {name!r} must be text on one line of at most "
                f"{limits.HEADER_VALUE_CHARS:,} characters.")
    return None


def method_problem(method: Any) -> str | None:
    if not isinstance(method, str) or not TOKEN.fullmatch(method) or \
            len(method) > limits.METHOD_CHARS:
        return (f"The method must be a word like POST, PUT or PATCH (at most "
                f"{limits.METHOD_CHARS} letters).")
    return None


def header_map(max_items: int = limits.MAX_HEADERS) -> Check:
    """``{"Name": "value"}`` with names that are HTTP tokens and values without line breaks."""
    def fn(v: Any) -> dict[str, str]:
        if not isinstance(v, dict):
            raise Invalid("must be an object of header names to string values")
        if len(v) > max_items:
            raise Invalid(f"must have at most {max_items} headers (this one has {len(v)})")
        for name, value in v.items():
            if problem := header_problem(name, value):
                raise Invalid(problem)
        return dict(v)

    return Check(fn, {"type": "object", "maxProperties": max_items,
                      "propertyNames": {"pattern": f"^{TOKEN.pattern}$",
                                        "maxLength": limits.HEADER_NAME_CHARS},
                      "additionalProperties": {"type": "string",
                                               "maxLength": limits.HEADER_VALUE_CHARS}})


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
        except SpecError as exc:
            raise Invalid("; ".join(f"{k} {m}" for k, m in exc.fields.items())) from exc

    return Check(fn, schema.json_schema())
