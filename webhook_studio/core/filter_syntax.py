"""The filter language of the Inbox and Deliveries search fields (docs/window.md).

A filter is terms separated by spaces; every term must hold (AND). A term is ``key:value``
or free text; a leading ``-`` negates it; a value or a text with spaces goes in double quotes
(``\\"`` and ``\\\\`` inside)::

    method:POST status:>=400 verdict:invalid header:x-github-event=push path:/hooks/* "in body"
    -verdict:valid state:dead target:*:3000* event:user.* status:5xx

The parser is pure: it checks every value here, so a mistake is reported as one sentence
naming its position before any query runs, and ``store/filters.py`` only translates terms that
are known to be well formed. ``format_filter(parse_filter(s))`` parses back to the same terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from webhook_studio.core.errors import CoreError
from webhook_studio.core.vocabulary import CaptureState, DeliveryState


class FilterKind(StrEnum):
    CAPTURES = "captures"
    DELIVERIES = "deliveries"


class FilterSyntaxError(CoreError):
    """A filter that cannot be read; ``position`` is 0-based, the message counts from 1."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class KeySpec:
    """What a key means, for the docs and for completion."""

    description: str
    values: tuple[str, ...] = ()  # the closed set of values, or examples when ``open``
    open: bool = True  # False: only ``values`` (comma-separated) are allowed
    kind: str = "text"  # text | glob | range | header | size


_STATUS = ("200", "2xx", "4xx", "5xx", ">=400", "400..499")
CAPTURE_KEYS: dict[str, KeySpec] = {
    "method": KeySpec("HTTP method; several with commas (method:POST,PUT)",
                      ("POST", "PUT", "PATCH", "GET", "DELETE", "HEAD", "OPTIONS"),
                      kind="method"),
    "status": KeySpec("the status the receiver answered: 404, 5xx, >=400, 400..499", _STATUS,
                      kind="range"),
    "verdict": KeySpec("signature verdict",
                       ("valid", "invalid", "unverified", str(CaptureState.REJECTED)),
                       open=False),
    "header": KeySpec("a header by name, or name=value (value may use *); case-insensitive",
                      ("x-github-event=push", "stripe-signature", "content-type=*json*"),
                      kind="header"),
    "path": KeySpec("the request path, whole; * matches any run of characters",
                    ("/hooks/*",), kind="glob"),
    "endpoint": KeySpec("an endpoint by id, path or name (* allowed)", (), kind="glob"),
    "id": KeySpec("capture number: 12, >100, 10..20", (), kind="range"),
    "size": KeySpec("body size in bytes (k and m suffixes): >10k, 0", (">10k", "0"),
                    kind="size"),
    "is": KeySpec("duplicate: a repeated delivery id; edited: an edited copy",
                  ("duplicate", "edited"), open=False),
}
DELIVERY_KEYS: dict[str, KeySpec] = {
    "state": KeySpec("delivery state; dead = a subscription's delivery that failed for good",
                     (DeliveryState.PENDING, DeliveryState.DELIVERED, DeliveryState.FAILED,
                      "dead", DeliveryState.CANCELLED, DeliveryState.DISABLED),
                     open=False),
    "target": KeySpec("target URL: contains the value, or matches it whole when it has *",
                      ("localhost:3000", "https://*"), kind="target"),
    "event": KeySpec("event type; * matches any run of characters (user.*)", ("user.*",),
                     kind="glob"),
    "status": KeySpec("status of the latest attempt: 404, 5xx, >=400, 400..499", _STATUS,
                      kind="range"),
    "kind": KeySpec("a subscription's delivery or a replay of a capture",
                    ("delivery", "replay"), open=False),
    "subscription": KeySpec("subscription id", (), kind="text"),
    "tries": KeySpec("attempts made so far: 0, >3", (">1",), kind="range"),
}
KEYS: dict[FilterKind, dict[str, KeySpec]] = {
    FilterKind.CAPTURES: CAPTURE_KEYS, FilterKind.DELIVERIES: DELIVERY_KEYS}
#: What free text (a term without a key) searches, per kind: for the docs and placeholders.
FREE_TEXT = {FilterKind.CAPTURES: "path and body (bytes, case-sensitive)",
             FilterKind.DELIVERIES: "delivery id, event type and target URL"}


@dataclass(frozen=True)
class Term:
    """One condition. ``key`` None is free text; ``value`` is the text as typed (unquoted)."""

    key: str | None
    value: str
    negated: bool = False
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class NumberRange:
    """Inclusive bounds; None is open."""

    low: int | None
    high: int | None

    def contains(self, number: int) -> bool:
        return ((self.low is None or number >= self.low)
                and (self.high is None or number <= self.high))


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_PLAIN = re.compile(r"[^\s\"\-:][^\s\":]*")
_NUMBER = r"\d{1,12}"
_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024,
          "m": 1024 * 1024, "mb": 1024 * 1024, "mib": 1024 * 1024}


def _number(text: str, units: bool) -> int:
    match = re.fullmatch(rf"({_NUMBER})([a-z]*)", text.strip().lower())
    if match is None or (match.group(2) and (not units or match.group(2) not in _UNITS)):
        raise ValueError(text)
    return int(match.group(1)) * _UNITS[match.group(2)]


def number_range(text: str, *, units: bool = False) -> NumberRange:
    """``404``, ``5xx``, ``>=400``, ``<500``, ``400..499``, ``10k``; ValueError otherwise."""
    text = text.strip()
    klass = re.fullmatch(r"([1-9])xx", text.lower())
    if klass and not units:
        base = int(klass.group(1)) * 100
        return NumberRange(base, base + 99)
    for op in (">=", "<=", ">", "<", "="):
        if text.startswith(op):
            number = _number(text[len(op):], units)
            return {">=": NumberRange(number, None), "<=": NumberRange(None, number),
                    ">": NumberRange(number + 1, None), "<": NumberRange(None, number - 1),
                    "=": NumberRange(number, number)}[op]
    if ".." in text:
        low, high = text.split("..", 1)
        return NumberRange(_number(low, units) if low else None,
                           _number(high, units) if high else None)
    number = _number(text, units)
    return NumberRange(number, number)


def choices(value: str) -> tuple[str, ...]:
    """The comma-separated alternatives of a value (``method:POST,PUT``), lower-cased."""
    return tuple(part.strip().lower() for part in value.split(",") if part.strip())


def header_parts(value: str) -> tuple[str, str | None]:
    """``name=value`` → (name, value); ``name`` → (name, None). The name is lower-cased."""
    name, sep, wanted = value.partition("=")
    return name.strip().lower(), (wanted if sep else None)


def _check_value(key: str, spec: KeySpec, value: str) -> str | None:
    """A sentence saying what is wrong with ``value`` for ``key``, or None."""
    if not value.strip():
        return (f"{key}: needs a value, e.g. {key}:{spec.values[0]}" if spec.values
                else f"{key}: needs a value")
    if not spec.open:
        wrong = [v for v in choices(value) if v not in spec.values]
        if wrong or not choices(value):
            return (f"{key}:{wrong[0] if wrong else value} is not allowed; use one of "
                    f"{', '.join(spec.values)}")
    if spec.kind == "method" and (not choices(value) or not all(
            re.fullmatch(r"[a-z]{1,16}", v) for v in choices(value))):
        return f"{key}:{value} is not a method; write e.g. method:POST or method:POST,PUT"
    if spec.kind in ("range", "size"):
        try:
            number_range(value, units=spec.kind == "size")
        except ValueError:
            if spec.kind == "size":
                return (f"{key}:{value} is not a size; write e.g. size:>10k, size:0 or "
                        "size:1k..1m")
            klass = f"{key}:5xx, " if key == "status" else ""
            return (f"{key}:{value} is not a number or range; write e.g. {key}:404, {klass}"
                    f"{key}:>=400 or {key}:400..499")
    if spec.kind == "header" and not header_parts(value)[0]:
        return f"{key}:{value} names no header; write e.g. header:x-github-event=push"
    return None


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The string of a quoted run starting at ``text[start] == '"'``, and where it ends."""
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "\"\\":
            out.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise FilterSyntaxError(
        f"At position {start + 1}: the quote opened here is never closed; add a closing \".",
        start)


def _read_bare(text: str, start: int) -> tuple[str, int]:
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end], end


def parse_filter(text: str, kind: FilterKind = FilterKind.CAPTURES) -> tuple[Term, ...]:
    """The terms of ``text``; :class:`FilterSyntaxError` with a sentence when it cannot be."""
    keys = KEYS[kind]
    terms: list[Term] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        start = i
        negated = False
        if text[i] == "-" and i + 1 < len(text) and not text[i + 1].isspace():
            negated = True
            i += 1
        if text[i] == '"':
            value, i = _read_quoted(text, i)
            terms.append(Term(None, value, negated, start))
        else:
            key_match = _KEY.match(text, i)
            if key_match and key_match.end() < len(text) and text[key_match.end()] == ":":
                key = key_match.group().lower()
                if key not in keys:
                    raise FilterSyntaxError(
                        f"At position {i + 1}: {key_match.group()!r} is not a filter key for "
                        f"{kind}; use one of {', '.join(keys)} (to search for text with a "
                        "colon, put it in double quotes).", i)
                value_at = key_match.end() + 1
                if value_at < len(text) and text[value_at] == '"':
                    value, i = _read_quoted(text, value_at)
                else:
                    value, i = _read_bare(text, value_at)
                problem = _check_value(key, keys[key], value)
                if problem:
                    raise FilterSyntaxError(f"At position {value_at + 1}: {problem}.", value_at)
                terms.append(Term(key, value, negated, start))
            else:
                value, i = _read_bare(text, i)
                terms.append(Term(None, value, negated, start))
    return tuple(terms)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_term(term: Term) -> str:
    sign = "-" if term.negated else ""
    if term.key is None:
        plain = _PLAIN.fullmatch(term.value) is not None
        return sign + (term.value if plain else _quote(term.value))
    value = term.value
    needs_quotes = (not value or value.startswith('"')
                    or any(ch.isspace() for ch in value))
    return f"{sign}{term.key}:{_quote(value) if needs_quotes else value}"


def format_filter(terms: tuple[Term, ...] | list[Term]) -> str:
    """Text that parses back to ``terms`` (what saved filters store)."""
    return " ".join(format_term(t) for t in terms)


@dataclass(frozen=True)
class Completion:
    """One suggestion: the text to insert for the word being typed, and what it means."""

    text: str
    description: str


def completions(text: str, cursor: int, kind: FilterKind,
                known: dict[str, tuple[str, ...]] | None = None) -> tuple[int, list[Completion]]:
    """What may complete the word ending at ``cursor``: ``(where the word starts, choices)``.

    Keys while the word has no colon; the key's values (its closed set, its examples and the
    ``known`` values read from the store, e.g. header names or endpoint paths) after one.
    """
    keys = KEYS[kind]
    start = cursor
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:cursor]
    offset = 1 if word.startswith("-") else 0
    word = word[offset:]
    if ":" not in word:
        return start + offset, [Completion(f"{k}:", spec.description) for k, spec in keys.items()
                                if k.startswith(word.lower())]
    key, _, partial = word.partition(":")
    spec = keys.get(key.lower())
    if spec is None:
        return start + offset, []
    values = list(dict.fromkeys((*spec.values, *((known or {}).get(key.lower(), ())))))
    prefix = partial.rsplit(",", 1)[0] + "," if "," in partial else ""
    last = partial.rsplit(",", 1)[-1].lower()
    chosen = set(choices(prefix))
    found = [Completion(f"{key}:{prefix}{v}", spec.description) for v in values
             if v.lower().startswith(last) and v.lower() != last and v.lower() not in chosen]
    return start + offset, found
