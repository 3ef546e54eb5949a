"""What differs between two captures: "why did this one fail and that one pass".

Headers are compared by name, case-insensitively (a repeated header compares as its list of
values). JSON bodies are compared structurally: key order is ignored, arrays are compared by
index, and each difference is a path (``$.data.object.amount``) that was added, removed or
changed. The raw-bytes diff is a unified text diff when both bodies are UTF-8, else a hex dump
diff, 16 bytes a line.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

#: Bodies above this are not parsed for the structural diff (the raw diff still runs, cut).
MAX_STRUCTURAL_BYTES = 2 * 1024 * 1024
MAX_RAW_LINES = 5000


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Difference:
    path: str
    change: Change
    left: Any = None
    right: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "change": str(self.change), "left": self.left,
                "right": self.right}


@dataclass(frozen=True)
class CaptureDiff:
    request_line: list[Difference]
    headers: list[Difference]
    #: None when either body is not JSON (see ``body_note``).
    body: list[Difference] | None
    body_note: str
    raw: list[str]
    raw_is_hex: bool

    @property
    def same(self) -> bool:
        return not (self.request_line or self.headers or self.body or
                    (self.body is None and self.raw))

    def to_dict(self) -> dict[str, Any]:
        return {"same": self.same,
                "request": [d.to_dict() for d in self.request_line],
                "headers": [d.to_dict() for d in self.headers],
                "body": None if self.body is None else [d.to_dict() for d in self.body],
                "body_note": self.body_note, "raw": self.raw, "raw_is_hex": self.raw_is_hex}


def _header_map(headers: Sequence[Sequence[str]]) -> dict[str, tuple[str, list[str]]]:
    out: dict[str, tuple[str, list[str]]] = {}
    for name, value in headers:
        _, values = out.setdefault(name.lower(), (name, []))
        values.append(value)
    return out


def diff_headers(left: Sequence[Sequence[str]],
                 right: Sequence[Sequence[str]]) -> list[Difference]:
    a, b = _header_map(left), _header_map(right)
    out = []
    for key in sorted(a.keys() | b.keys()):
        if key not in b:
            out.append(Difference(a[key][0], Change.REMOVED, _one(a[key][1]), None))
        elif key not in a:
            out.append(Difference(b[key][0], Change.ADDED, None, _one(b[key][1])))
        elif a[key][1] != b[key][1]:
            out.append(Difference(a[key][0], Change.CHANGED, _one(a[key][1]), _one(b[key][1])))
    return out


def _one(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def _key_path(path: str, key: str) -> str:
    if key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key)}]"


def diff_json(left: Any, right: Any, path: str = "$") -> list[Difference]:
    """Structural differences; key order ignored, arrays by index, ``1`` ≠ ``1.0`` ≠ ``true``."""
    if isinstance(left, dict) and isinstance(right, dict):
        out: list[Difference] = []
        for key in sorted(left.keys() | right.keys()):
            sub = _key_path(path, key)
            if key not in right:
                out.append(Difference(sub, Change.REMOVED, left[key], None))
            elif key not in left:
                out.append(Difference(sub, Change.ADDED, None, right[key]))
            else:
                out += diff_json(left[key], right[key], sub)
        return out
    if isinstance(left, list) and isinstance(right, list):
        out = []
        for index in range(max(len(left), len(right))):
            sub = f"{path}[{index}]"
            if index >= len(right):
                out.append(Difference(sub, Change.REMOVED, left[index], None))
            elif index >= len(left):
                out.append(Difference(sub, Change.ADDED, None, right[index]))
            else:
                out += diff_json(left[index], right[index], sub)
        return out
    if type(left) is not type(right) or left != right:
        return [Difference(path, Change.CHANGED, left, right)]
    return []


def _verdict_word(valid: bool | None) -> str:
    return {True: "valid", False: "invalid", None: "not checked"}[valid]


def _json(body: bytes) -> tuple[bool, Any]:
    if not body or len(body) > MAX_STRUCTURAL_BYTES:
        return False, None
    try:
        return True, json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False, None


def _hex_lines(body: bytes) -> list[str]:
    return [f"{i:08x}  {body[i:i + 16].hex(' ')}" for i in range(0, len(body), 16)]


def raw_diff(left: bytes, right: bytes) -> tuple[list[str], bool]:
    """Unified diff lines (text, or hex when either body is not UTF-8); empty when equal."""
    if left == right:
        return [], False
    try:
        a, b = left.decode("utf-8").splitlines(), right.decode("utf-8").splitlines()
        is_hex = False
    except UnicodeDecodeError:
        a, b, is_hex = _hex_lines(left), _hex_lines(right), True
    lines = list(difflib.unified_diff(a, b, "left", "right", lineterm="", n=2))
    if len(lines) > MAX_RAW_LINES:
        lines = [*lines[:MAX_RAW_LINES], f"… {len(lines) - MAX_RAW_LINES} more lines"]
    return lines, is_hex


def diff_captures(left: dict[str, Any], right: dict[str, Any]) -> CaptureDiff:
    """Compare two captures given as ``method``, ``path``, ``query``, ``headers`` (pairs) and
    ``body`` (bytes); anything else in the dicts (status, verdict) is compared as a request
    line field when present in both."""
    line = []
    for name, shown in (("method", "method"), ("path", "path"), ("query", "query"),
                        ("response_status", "status answered"),
                        ("verify_valid", "signature")):
        if name in left and name in right and left[name] != right[name]:
            a, b = left[name], right[name]
            if name == "verify_valid":
                a, b = _verdict_word(a), _verdict_word(b)
            line.append(Difference(shown, Change.CHANGED, a, b))
    lbody, rbody = left.get("body") or b"", right.get("body") or b""
    lok, lval = _json(lbody)
    rok, rval = _json(rbody)
    if lok and rok:
        body: list[Difference] | None = diff_json(lval, rval)
        note = "JSON bodies compared by structure (key order ignored)."
    elif lbody == rbody:
        body, note = [], "The bodies are the same bytes."
    else:
        body, note = None, "The bodies are not both JSON; see the raw diff."
    raw, is_hex = raw_diff(lbody, rbody)
    return CaptureDiff(line, diff_headers(left.get("headers") or [],
                                          right.get("headers") or []),
                       body, note, raw, is_hex)


def render_text(diff: CaptureDiff, left_id: int, right_id: int, raw: bool = False) -> str:
    """The diff as readable text (the CLI's output)."""
    if diff.same and not diff.raw:
        return f"Captures #{left_id} and #{right_id} are the same request."
    out = [f"--- capture #{left_id}", f"+++ capture #{right_id}"]

    def section(title: str, items: list[Difference]) -> None:
        if not items:
            return
        out.extend(["", title])
        for d in items:
            if d.change == Change.ADDED:
                out.append(f"  + {d.path}: {_show(d.right)}")
            elif d.change == Change.REMOVED:
                out.append(f"  - {d.path}: {_show(d.left)}")
            else:
                out.append(f"  ~ {d.path}: {_show(d.left)} → {_show(d.right)}")

    section("Request", diff.request_line)
    section("Headers", diff.headers)
    if diff.body is not None and not raw:
        section("Body (JSON)", diff.body)
    if raw or diff.body is None:
        if diff.raw:
            out.extend(["", "Body (raw bytes, hex)" if diff.raw_is_hex else "Body (raw)"])
            out += diff.raw
    else:
        out.extend(["", diff.body_note])
    return "\n".join(out)


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


# -- side by side (the window's view) -------------------------------------------------------

class Tag(StrEnum):
    SAME = "same"
    CHANGED = "changed"
    REMOVED = "removed"  # only on the left
    ADDED = "added"  # only on the right


@dataclass(frozen=True)
class Row:
    left: str | None
    right: str | None
    tag: Tag


def capture_lines(fields: dict[str, Any], raw: bool = False) -> list[str]:
    """A capture as lines to compare: the request line, headers sorted by name, and the body
    as sorted, indented JSON (or as it is with ``raw``: text, else a hex dump)."""
    query = fields.get("query") or ""
    lines = [f"{fields.get('method', '')} {fields.get('path', '')}"
             + (f"?{query}" if query else "")]
    status = fields.get("response_status")
    outcome = [f"answered {status}"] if status is not None else []
    if "verify_valid" in fields:
        outcome.append(f"signature {_verdict_word(fields['verify_valid'])}")
    if outcome:
        lines.append("→ " + ", ".join(outcome))
    if fields.get("verdict"):
        lines.append(f"  {fields['verdict']}")
    lines.append("")
    headers = sorted(fields.get("headers") or [], key=lambda h: (h[0].lower(), h[1]))
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append("")
    body: bytes = fields.get("body") or b""
    ok, value = (False, None) if raw else _json(body)
    if ok:
        lines += json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    else:
        try:
            lines += body.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            lines += _hex_lines(body)
    return lines


def side_by_side(left: Sequence[str], right: Sequence[str]) -> list[Row]:
    """Aligned rows: equal lines side by side, changed lines paired, the rest padded."""
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, list(left), list(right), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [Row(a, b, Tag.SAME) for a, b in zip(left[i1:i2], right[j1:j2],
                                                         strict=True)]
            continue
        a, b = list(left[i1:i2]), list(right[j1:j2])
        for index in range(max(len(a), len(b))):
            la = a[index] if index < len(a) else None
            rb = b[index] if index < len(b) else None
            tag = Tag.CHANGED if la is not None and rb is not None else \
                Tag.REMOVED if la is not None else Tag.ADDED
            rows.append(Row(la, rb, tag))
    return rows
