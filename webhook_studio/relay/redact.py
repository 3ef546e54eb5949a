"""Redaction for exported tests: chosen JSON paths, chosen headers, and values by pattern.

A JSON body is never re-serialized: the values to replace are located in the raw text (a
small scanner records where each value starts and ends, with its path) and only those spans
are rewritten, so key order, spacing, escapes and number spelling elsewhere stay byte for byte
what the provider sent. A replacement keeps the JSON valid and, where it can, the value's
type: a string becomes ``"[redacted]"`` (an email ``"redacted@example.com"``, a card number a
Luhn-valid test number), a number ``0``, a boolean ``false``; an object or array named by a
path becomes ``"[redacted]"``.

Rules: ``json:$.customer.email`` (``$.items[0].email``, ``$.items[*].email``, ``$..email`` for
a key at any depth), ``header:authorization``, and patterns ``email``, ``card`` (13 to 19
digits passing the Luhn check), ``token`` (bearer tokens and API keys with a known shape).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from webhook_studio.core.errors import CoreError

PATTERNS = ("email", "card", "token")
REDACTED = "[redacted]"
EMAIL_STAND_IN = "redacted@example.com"
CARD_STAND_IN = "4242424242424242"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_TOKEN = re.compile(
    r"(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}"
    r"|\bwhsec_[A-Za-z0-9+/=]{8,}"
    r"|\bgh[pousr]_[A-Za-z0-9]{20,}"
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WS = " \t\n\r"

class RedactionError(CoreError):
    """A redaction rule that cannot be read; the message says how to write it."""

def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char)
        if index % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0

@dataclass(frozen=True)
class Redaction:
    """What to redact. Paths are split into steps: keys, indexes, ``*`` and ``..`` (any depth)."""

    json_paths: tuple[tuple[str | int, ...], ...] = ()
    headers: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.json_paths or self.headers or self.patterns)

    @classmethod
    def parse(cls, rules: Sequence[str], patterns: Sequence[str] = ()) -> Redaction:
        paths: list[tuple[str | int, ...]] = []
        headers: list[str] = []
        for rule in rules:
            kind, sep, rest = rule.partition(":")
            if kind == "json" and sep:
                paths.append(parse_path(rest))
            elif kind == "header" and sep and rest.strip():
                headers.append(rest.strip().lower())
            else:
                raise RedactionError(f"--redact {rule!r}: write json:$.path.to.value or "
                                     "header:NAME (e.g. json:$.customer.email, "
                                     "header:authorization).")
        chosen: list[str] = []
        for item in patterns:
            for name in item.replace(",", "|").split("|"):
                if name.strip() not in PATTERNS:
                    raise RedactionError(f"--redact-pattern {name.strip()!r} is not one of: "
                                         f"{', '.join(PATTERNS)}.")
                chosen.append(name.strip())
        return cls(tuple(paths), tuple(headers), tuple(dict.fromkeys(chosen)))

    def apply_headers(self, headers: Sequence[Sequence[str]]) -> list[tuple[str, str]]:
        out = []
        for name, value in headers:
            if name.lower() in self.headers:
                value = REDACTED
            elif self.patterns:
                value = redact_text(value, self.patterns)
            out.append((name, value))
        return out

    def apply_query(self, query: str) -> str:
        """The query with patterns applied to its decoded values; untouched when nothing
        matched (so its encoding stays as it was)."""
        if not self.patterns or not query:
            return query
        from urllib.parse import parse_qsl, urlencode

        pairs = parse_qsl(query, keep_blank_values=True)
        redacted = [(k, redact_text(v, self.patterns)) for k, v in pairs]
        return query if redacted == pairs else urlencode(redacted)

    def apply_body(self, body: bytes) -> bytes:
        """The body with rules applied: surgically for JSON, by pattern for other UTF-8 text,
        untouched when binary."""
        if self.empty or not body:
            return body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body
        try:
            spans = scan_json(text)
        except (ValueError, RecursionError):
            return redact_text(text, self.patterns).encode("utf-8") if self.patterns else body
        return _rewrite(text, spans, self).encode("utf-8")

def parse_path(text: str) -> tuple[str | int, ...]:
    """``$.a.b[0][*]..c`` as steps; raises RedactionError with the rule's form otherwise."""
    source = text.strip()
    if not source.startswith("$"):
        raise RedactionError(f"JSON path {text!r} must start with $ (e.g. $.customer.email).")
    steps: list[str | int] = []
    rest = source[1:]
    token = re.compile(r"\.\.([^.\[\]]+)|\.([^.\[\]]+)|\[(\d+|\*)\]|\[\"([^\"]+)\"\]")
    while rest:
        match = token.match(rest)
        if match is None:
            raise RedactionError(f"JSON path {text!r} cannot be read at {rest!r}; use "
                                 "$.key, $.list[0], $.list[*] or $..key.")
        deep, key, index, quoted = match.groups()
        if deep is not None:
            steps += ["..", deep]
        elif key is not None:
            steps.append(key)
        elif quoted is not None:
            steps.append(quoted)
        else:
            steps.append("*" if index == "*" else int(index))
        rest = rest[match.end():]
    if not steps:
        raise RedactionError("The JSON path $ names the whole body; name a value inside it.")
    return tuple(steps)

def path_matches(pattern: tuple[str | int, ...], path: tuple[str | int, ...]) -> bool:
    if not pattern:
        return not path
    head = pattern[0]
    if head == "..":
        return any(path_matches(pattern[1:], path[i:]) for i in range(len(path)))
    if not path:
        return False
    step = path[0]
    if head == "*" or head == step:
        return path_matches(pattern[1:], path[1:])
    return False

@dataclass(frozen=True)
class Span:
    start: int
    end: int
    path: tuple[str | int, ...]
    kind: str  # string, number, literal, object, array
    value: Any

def scan_json(text: str) -> list[Span]:
    """Every value in a JSON document with where it is; ValueError when it is not JSON."""
    spans: list[Span] = []
    end = _value(text, _skip(text, 0), (), spans)
    if _skip(text, end) != len(text):
        raise ValueError("extra data after the JSON value")
    return spans

def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos

def _value(text: str, pos: int, path: tuple[str | int, ...], spans: list[Span]) -> int:
    if pos >= len(text):
        raise ValueError("unexpected end")
    char = text[pos]
    if char == '"':
        value, end = scanstring(text, pos + 1, True)
        spans.append(Span(pos, end, path, "string", value))
        return int(end)
    if char in "{[":
        end = _container(text, pos, path, spans)
        spans.append(Span(pos, end, path, "object" if char == "{" else "array", None))
        return end
    for literal in ("true", "false", "null"):
        if text.startswith(literal, pos):
            spans.append(Span(pos, pos + len(literal), path, "literal", literal))
            return pos + len(literal)
    match = _NUMBER.match(text, pos)
    if match is None:
        raise ValueError(f"unexpected {char!r}")
    spans.append(Span(pos, match.end(), path, "number", match.group()))
    return match.end()

def _container(text: str, pos: int, path: tuple[str | int, ...], spans: list[Span]) -> int:
    closing = "}" if text[pos] == "{" else "]"
    pos = _skip(text, pos + 1)
    if pos < len(text) and text[pos] == closing:
        return pos + 1
    index = 0
    while True:
        step: str | int = index
        if closing == "}":
            if pos >= len(text) or text[pos] != '"':
                raise ValueError("expected a key")
            step, pos = scanstring(text, pos + 1, True)
            pos = _skip(text, pos)
            if pos >= len(text) or text[pos] != ":":
                raise ValueError("expected ':'")
            pos = _skip(text, pos + 1)
        pos = _skip(text, _value(text, pos, (*path, step), spans))
        index += 1
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
        elif pos < len(text) and text[pos] == closing:
            return pos + 1
        else:
            raise ValueError("expected ',' or a closing bracket")

def redact_text(text: str, patterns: Sequence[str]) -> str:
    if "token" in patterns:
        text = _TOKEN.sub(_token_stand_in, text)
    if "email" in patterns:
        text = _EMAIL.sub(EMAIL_STAND_IN, text)
    if "card" in patterns:
        text = _CARD.sub(_card_stand_in, text)
    return text

def _token_stand_in(match: re.Match[str]) -> str:
    found = match.group()
    if found[:6].lower() == "bearer":
        return found[:6] + " " + REDACTED
    return REDACTED

def _card_stand_in(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return CARD_STAND_IN if luhn_ok(digits) else match.group()

def _path_stand_in(span: Span) -> str:
    if span.kind == "number":
        return "0"
    if span.kind == "literal":
        return "false" if span.value in ("true", "false") else "null"
    if span.kind == "string" and _EMAIL.fullmatch(span.value):
        return json.dumps(EMAIL_STAND_IN)
    return json.dumps(REDACTED)

def _rewrite(text: str, spans: list[Span], rules: Redaction) -> str:
    chosen: list[tuple[int, int, str]] = []
    for span in spans:
        if any(path_matches(p, span.path) for p in rules.json_paths):
            chosen.append((span.start, span.end, _path_stand_in(span)))
        elif span.kind == "string" and rules.patterns:
            new = redact_text(span.value, rules.patterns)
            if new != span.value:
                chosen.append((span.start, span.end, json.dumps(new, ensure_ascii=False)))
        elif span.kind == "number" and "card" in rules.patterns:
            digits = span.value
            if digits.isdigit() and 13 <= len(digits) <= 19 and luhn_ok(digits):
                chosen.append((span.start, span.end, CARD_STAND_IN))
    # A redacted container hides what is inside it: keep only outermost spans.
    chosen.sort(key=lambda c: (c[0], -c[1]))
    kept: list[tuple[int, int, str]] = []
    for item in chosen:
        if kept and item[0] < kept[-1][1]:
            continue
        kept.append(item)
    out = text
    for start, end, new in reversed(kept):
        out = out[:start] + new + out[end:]
    return out
