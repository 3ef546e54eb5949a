"""Copy as cURL, HTTPie, Python (httpx), JavaScript (fetch) or raw HTTP: a capture or an
attempt as code that sends the same bytes again.

Exactness is the point: headers keep their order, case and duplicates; bodies that a shell
argument or a source literal cannot hold (NUL, invalid UTF-8) travel as base64 decoded at run
time; the clients' own default headers (curl's User-Agent and Accept, httpx's Accept-Encoding…)
are switched off where the client allows it, so the request that arrives is the captured one.
Connection-specific headers (Host, Content-Length, Transfer-Encoding…) are recomputed by the
client and left out, except in raw HTTP, which shows the request exactly as it arrived.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class CopyFormat(StrEnum):
    CURL = "curl"
    HTTPIE = "httpie"
    PYTHON = "python"
    FETCH = "fetch"
    RAW = "raw"


#: Menu labels, in menu order.
LABELS = {CopyFormat.CURL: "cURL", CopyFormat.HTTPIE: "HTTPie",
          CopyFormat.PYTHON: "Python (httpx)", CopyFormat.FETCH: "JavaScript (fetch)",
          CopyFormat.RAW: "Raw HTTP"}

#: Recomputed by every client (RFC 9110 7.6.1 plus framing), never copied into code.
_SKIP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "proxy-connection", "host", "content-length",
})
#: How the receiver marks a chunked request's trailer fields in the header list.
TRAILER_MARK = "[trailer] "


@dataclass(frozen=True)
class RequestCopy:
    """What is copied: a capture (receiver URL + path) or an attempt (its target URL)."""

    method: str
    url: str
    headers: Sequence[tuple[str, str]]
    body: bytes = b""

    def sendable_headers(self) -> list[tuple[str, str]]:
        return [(n, v) for n, v in self.headers
                if n.lower() not in _SKIP and not n.startswith(TRAILER_MARK)]

    def has(self, name: str) -> bool:
        return any(n.lower() == name for n, _ in self.headers)


def header_bytes(value: str) -> bytes:
    """The bytes a stored header value arrived as. The receiver decodes UTF-8 when it can and
    Latin-1 otherwise, so a value whose Latin-1 bytes are not UTF-8 came as Latin-1."""
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    return value.encode("utf-8")


def _text_body(body: bytes) -> str | None:
    """The body as text when a shell argument or a source string can hold it exactly."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _shell_word(raw: bytes) -> str:
    """One shell word for these bytes: POSIX single quotes for printable UTF-8, else bash's
    ``$'…'`` with ``\\xHH`` escapes (bash and zsh both read it)."""
    text = _text_body(raw)
    if text is not None and text.isprintable():
        return shlex.quote(text)
    out = []
    for byte in raw:
        ch = chr(byte)
        if 0x20 <= byte < 0x7F and ch not in "'\\":
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    return "$'" + "".join(out) + "'"


def _header_word(name: str, value: str, separator: bytes = b": ") -> str:
    """``Name: value`` as one shell word; an empty value is ``Name;`` (curl and HTTPie both
    read ``Name:`` with nothing after it as "remove this header")."""
    raw = header_bytes(value)
    line = name.encode("latin-1", "replace") + (separator + raw if raw else b";")
    return _shell_word(line)


def _piped_body(body: bytes) -> str:
    """A command writing ``body`` to stdout exactly (base64 keeps the command short)."""
    text = _text_body(body)
    if text is not None and text.isprintable():
        return f"printf '%s' {shlex.quote(text)}"
    return f"printf '%s' {base64.b64encode(body).decode('ascii')} | base64 -d"


def _join(lines: Iterable[str]) -> str:
    """One option per line, continued with backslashes."""
    return " \\\n  ".join(lines)


def to_curl(req: RequestCopy) -> str:
    """``curl``; a body that is not printable text is piped in (``--data-binary @-``)."""
    first = f"curl -X {shlex.quote(req.method)}"
    if re.search(r"[\[\]{}]", req.url):
        first += " --globoff"
    lines = [f"{first} {shlex.quote(req.url)}"]
    lines += [f"-H {_header_word(n, v)}" for n, v in req.sendable_headers()]
    # curl's own defaults, switched off when the capture did not have them
    lines += [f"-H {n.title()}:" for n in ("user-agent", "accept") if not req.has(n)]
    prefix = ""
    if req.body:
        if not req.has("content-type"):
            lines.append("-H Content-Type:")
        text = _text_body(req.body)
        if text is not None and text.isprintable():
            lines.append(f"--data-binary {shlex.quote(text)}")
        else:
            prefix = _piped_body(req.body) + " | "
            lines.append("--data-binary @-")
    return prefix + _join(lines)


def to_httpie(req: RequestCopy) -> str:
    """HTTPie reads the body from stdin, so every body is piped in exactly."""
    first = f"http {shlex.quote(req.method)} {shlex.quote(req.url)}"
    lines = [_header_word(n, v, b":") for n, v in req.sendable_headers()]
    lines += [f"{n.title()}:" for n in ("user-agent", "accept", "accept-encoding")
              if not req.has(n)]
    if not req.body:
        return _join([first.replace("http ", "http --ignore-stdin ", 1), *lines])
    if not req.has("content-type"):
        lines.append("Content-Type:")
    return _piped_body(req.body) + " | " + _join([first, *lines])


def _py_header(name: str, value: str) -> str:
    raw = header_bytes(value)
    if raw.isascii():
        return f"    ({name!r}, {raw.decode('ascii')!r}),"
    return f"    ({name.encode('latin-1', 'replace')!r}, {raw!r}),"


def to_python(req: RequestCopy) -> str:
    """A script with httpx: the client's default headers are cleared first."""
    headers = "\n".join(_py_header(n, v) for n, v in req.sendable_headers())
    text = _text_body(req.body)
    if not req.body:
        body = 'BODY = b""'
    elif text is not None:
        body = f"BODY = {text!r}.encode()"
    else:
        encoded = base64.b64encode(req.body).decode("ascii")
        body = f"BODY = base64.b64decode({encoded!r})"
    imports = "import base64\n" if "base64." in body else ""
    header_list = (f"HEADERS = [\n{headers}\n]" if headers
                   else "HEADERS: list[tuple[str, str]] = []")
    return (f"{imports}import httpx\n\n"
            f"URL = {req.url!r}\n"
            f"{header_list}\n"
            f"{body}\n\n"
            "with httpx.Client() as client:\n"
            "    client.headers.clear()  # send only these headers, in this order\n"
            f"    response = client.request({req.method!r}, URL, headers=HEADERS, content=BODY)\n"
            "print(response.status_code, response.text)\n")


def to_fetch(req: RequestCopy) -> str:
    """``fetch`` for Node 18+ or a browser console. Browsers drop a few headers they own
    (Host, Origin, User-Agent…); Node sends them all."""
    headers = ",\n".join(f"    [{json.dumps(n)}, {json.dumps(header_bytes(v).decode('latin-1'))}]"
                         for n, v in req.sendable_headers())
    text = _text_body(req.body)
    lines = []
    if not req.body:
        body = ""
    elif text is not None:
        body = f",\n  body: {json.dumps(text)}"
    else:
        encoded = base64.b64encode(req.body).decode("ascii")
        lines.append(f"const body = Uint8Array.from(atob({json.dumps(encoded)}), "
                     "(c) => c.charCodeAt(0));")
        body = ",\n  body"
    lines.append(f"const response = await fetch({json.dumps(req.url)}, {{\n"
                 f"  method: {json.dumps(req.method)},\n"
                 f"  headers: [\n{headers}\n  ]{body},\n}});")
    lines.append("console.log(response.status, await response.text());")
    return "\n".join(lines)


def raw_http(req: RequestCopy, *, target: str | None = None) -> bytes:
    """The request as it went over the wire: every header as stored (Host and Content-Length
    included). A chunked body is written as one chunk with its trailers."""
    if target is None:
        after_scheme = req.url.split("://", 1)[-1]
        target = "/" + after_scheme.split("/", 1)[1] if "/" in after_scheme else "/"
    lines = [f"{req.method} {target} HTTP/1.1".encode("latin-1", "replace")]
    trailers = []
    chunked = False
    for name, value in req.headers:
        if name.startswith(TRAILER_MARK):
            trailers.append((name[len(TRAILER_MARK):], value))
            continue
        if name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        lines.append(name.encode("latin-1", "replace") + b": " + header_bytes(value))
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    if not chunked:
        return head + req.body
    chunk = (f"{len(req.body):x}\r\n".encode() + req.body + b"\r\n") if req.body else b""
    tail = b"".join(n.encode("latin-1", "replace") + b": " + header_bytes(v) + b"\r\n"
                    for n, v in trailers)
    return head + chunk + b"0\r\n" + tail + b"\r\n"


def raw_http_text(req: RequestCopy) -> str:
    """Raw HTTP as clipboard text; a body that is not text is shown as base64 with a note."""
    data = raw_http(req)
    head, _, _ = data.partition(b"\r\n\r\n")
    text = _text_body(req.body)
    if text is not None or not req.body:
        return data.decode("utf-8", "replace")
    note = (f"[binary body, {len(req.body)} bytes, base64 below; copy as cURL for a command "
            "that sends it exactly]")
    return (head.decode("utf-8", "replace") + "\r\n\r\n" + note + "\n"
            + base64.b64encode(req.body).decode("ascii"))


FORMATTERS: dict[CopyFormat, Callable[[RequestCopy], str]] = {
    CopyFormat.CURL: to_curl, CopyFormat.HTTPIE: to_httpie, CopyFormat.PYTHON: to_python,
    CopyFormat.FETCH: to_fetch, CopyFormat.RAW: raw_http_text,
}


def copy_as(req: RequestCopy, fmt: CopyFormat) -> str:
    return FORMATTERS[fmt](req)


def headers_text(headers: Sequence[tuple[str, str]]) -> str:
    """Every header as ``Name: value`` lines, in order (what "Copy headers" puts out)."""
    return "\n".join(f"{n}: {v}" for n, v in headers)
