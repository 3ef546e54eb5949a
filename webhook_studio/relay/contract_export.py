"""Captures as contract tests a team keeps: a pytest module or a Jest module.

Each case posts one captured request (method, path, query, headers, exact body bytes) to the
URL in ``WEBHOOK_TARGET_URL``, re-signed when the test runs under the capture's endpoint
profile with the secret in ``WEBHOOK_SECRET`` (``WEBHOOK_SECRET_<ENDPOINT>`` when the export
spans endpoints), and asserts the status class the capture got, or the status the person
chose. The pytest module depends on pytest, httpx and the standard library only (it carries
:mod:`webhook_studio.relay.contract_signer` as source); the Jest module on Node 18+ only.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from webhook_studio import __version__
from webhook_studio.core.profiles import Profile
from webhook_studio.relay import contract_signer
from webhook_studio.relay.contract_recipes import Signing, signing_for
from webhook_studio.relay.headers import forwardable
from webhook_studio.relay.redact import Redaction
from webhook_studio.store import NotFound, Store
from webhook_studio.store.receiver_models import Capture, Endpoint

ProfileLookup = Callable[[str], Profile | None]
FORMATS = ("pytest", "jest")


@dataclass(frozen=True)
class Case:
    capture_id: int
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    signing: str | None
    expect: int | str  # an exact status, or "2xx"/"4xx"…

    @property
    def name(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", f"{self.method} {self.path}".lower()).strip("-")
        return f"capture-{self.capture_id}-{slug}"[:60]


@dataclass
class ContractPlan:
    """The cases and signing recipes, and notes for the person (unsigned endpoints…)."""

    cases: list[Case]
    signings: dict[str, Signing]
    notes: list[str]

    def secret_env(self, label: str) -> str:
        signed = [k for k, s in self.signings.items() if s.recipe is not None]
        return "WEBHOOK_SECRET" if len(signed) <= 1 else f"WEBHOOK_SECRET_{label}"


def _label(endpoint: Endpoint | None, scheme: str | None) -> str:
    text = (endpoint.name or endpoint.path) if endpoint is not None else (scheme or "default")
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_") or "DEFAULT"


def plan_contract(captures: Iterable[tuple[Capture, Endpoint | None]], *,
                  redaction: Redaction | None = None, expect_status: int | None = None,
                  profiles: ProfileLookup | None = None,
                  sign_as: Profile | None = None) -> ContractPlan:
    """Build the cases: redaction applied, signing chosen per endpoint (its profile when it
    names one, else its scheme; for a ``listen`` capture without a stored endpoint, the
    scheme its verdict names). ``sign_as`` re-signs every capture as that profile."""
    signings: dict[str, Signing] = {}
    cases: list[Case] = []
    notes: list[str] = []
    for capture, endpoint in captures:
        scheme = endpoint.scheme if endpoint is not None else \
            (capture.verification or {}).get("scheme")
        options = endpoint.scheme_options if endpoint is not None else None
        profile = None
        if endpoint is not None and endpoint.profile and profiles is not None:
            profile = profiles(endpoint.profile)
        if sign_as is not None:
            profile, endpoint = sign_as, None
        label = _label(endpoint, profile.name if profile else scheme)
        if label not in signings:
            signing = signing_for(scheme, options, profile, label)
            signings[label] = signing
            if signing.recipe is None and scheme:
                notes.append(f"Endpoint {label}: not re-signed at test time "
                             f"({signing.why_not}); its captures are sent with their recorded "
                             "headers.")
        headers = forwardable(capture.headers or [])
        if signings[label].recipe is not None:  # stale signatures: made fresh at test time
            gone = {name.lower() for name in signings[label].replaces}
            headers = [(k, v) for k, v in headers if k.lower() not in gone]
        body = capture.body or b""
        query = capture.query or ""
        if redaction is not None and not redaction.empty:
            headers = redaction.apply_headers(headers)
            body = redaction.apply_body(body)
            query = redaction.apply_query(query)
        status = capture.response_status
        expect: int | str = expect_status if expect_status is not None else \
            f"{(status or 200) // 100}xx"
        cases.append(Case(capture.id, capture.method, capture.path, query,
                          headers, body, label if signings[label].recipe else None, expect))
    return ContractPlan(cases, signings, notes)


# -- Python source ---------------------------------------------------------------------------

def _chunks(value: str | bytes, width: int = 72) -> list[str]:
    """``repr`` pieces of at most about ``width`` characters (implicitly concatenated)."""
    pieces: list[str] = []
    start = 0
    while start < len(value) or not pieces:
        end = start + 1
        while end <= len(value) and len(repr(value[start:end])) <= width:
            end += 1
        end = max(start + 1, end - 1)
        pieces.append(repr(value[start:end]))
        start = end
        if start >= len(value):
            break
    return pieces


def _py(value: Any, indent: int) -> str:
    """A Python literal for JSON-like data and bytes, lines kept under 100 characters."""
    pad = " " * indent
    if isinstance(value, str | bytes):
        parts = _chunks(value)
        if len(parts) == 1:
            return parts[0]
        inner = f"\n{pad}    ".join(parts)
        return f"(\n{pad}    {inner}\n{pad})"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}    {_py(k, indent + 4)}: {_py(v, indent + 4)}," for k, v in
                 value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        flat = "[" + ", ".join(_py(v, 0) for v in value) + "]"
        if "\n" not in flat and len(flat) + indent < 80:
            return flat
        items = [f"{pad}    {_py(v, indent + 4)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    return repr(value)


def _signer_source() -> str:
    """The signer's functions, without its docstring and imports (the module has its own)."""
    source = inspect.getsource(contract_signer)
    return source[source.index("\ndef ") + 1:].rstrip() + "\n"


_PYTEST_HEAD = '''"""Webhook contract tests recorded by Webhook Studio {version}, {date}.

{about}

    WEBHOOK_TARGET_URL=http://localhost:3000 {secret_example}=... \\
        pytest {filename}
{notes}"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import unicodedata
import uuid
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest


'''

_PYTEST_TAIL = '''

def _expected(status: int, expect: int | str) -> bool:
    if isinstance(expect, int):
        return status == expect
    return str(status)[0] == str(expect)[0]


@pytest.fixture
def target_url(request: pytest.FixtureRequest) -> str:
    """A ``webhook_target_url`` fixture of yours (in conftest.py, e.g. one that starts your
    app) wins over $WEBHOOK_TARGET_URL."""
    try:
        url = str(request.getfixturevalue("webhook_target_url"))
    except pytest.FixtureLookupError:
        url = os.environ.get("WEBHOOK_TARGET_URL", "")
    url = url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        pytest.fail("Set WEBHOOK_TARGET_URL (or a webhook_target_url fixture) to the base URL "
                    "of the handler under test, e.g. http://localhost:3000 (the captured path "
                    "is appended).")
    return url


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_recorded_webhook(case: dict[str, Any], target_url: str) -> None:
    url = target_url + case["path"] + ("?" + case["query"] if case["query"] else "")
    headers = [(k, v) for k, v in case["headers"]]
    signing = SIGNING.get(case["signing"] or "")
    if signing is not None:
        secret = os.environ.get(signing["secret_env"]) or os.environ.get("WEBHOOK_SECRET")
        if not secret:
            pytest.fail(f"Set {signing['secret_env']} to the signing secret of endpoint "
                        f"{case['signing']} (the receiver under test verifies with it).")
        fresh = sign_request(signing["recipe"], secret, case["body"], url, case["method"],
                             int(time.time()))
        replaced = {name.lower() for name in [*signing["replaces"], *fresh]}
        headers = [(k, v) for k, v in headers if k.lower() not in replaced]
        headers = renew_ids(headers, signing["renew"]) + list(fresh.items())
    response = httpx.request(case["method"], url, headers=headers, content=case["body"],
                             timeout=30.0)
    assert _expected(response.status_code, case["expect"]), (
        f"{case['method']} {url} answered {response.status_code}, expected "
        f"{case['expect']} (as recorded in capture #{case['capture']}): "
        f"{response.text[:300]}")
'''


def render_pytest(plan: ContractPlan, filename: str = "tests/test_webhooks_recorded.py",
                  now: datetime | None = None) -> str:
    signed = {k: s for k, s in plan.signings.items() if s.recipe is not None}
    envs = sorted({plan.secret_env(k) for k in signed})
    notes = "".join(f"\nNote: {n}\n" for n in plan.notes)
    about = (f"Each of the {len(plan.cases)} case(s) posts a captured webhook to "
             "$WEBHOOK_TARGET_URL (scheme, host and port; the captured path is added), "
             "re-signed now under its endpoint's scheme with the secret in "
             + (" / ".join(f"${e}" for e in envs) if envs else "(none: nothing is signed)")
             + ", and checks the answer's status. Run:")
    shown = filename if len(filename) < 70 else filename.rsplit("/", 1)[-1]
    head = _PYTEST_HEAD.format(
        version=__version__, date=(now or datetime.now(UTC)).strftime("%Y-%m-%d"),
        filename=shown, notes=_wrap(notes), about=_wrap(about),
        secret_example=envs[0] if envs else "WEBHOOK_SECRET")
    signing_data = {k: {"secret_env": plan.secret_env(k), "recipe": s.recipe,
                        "replaces": list(s.replaces), "renew": list(s.renew)}
                    for k, s in signed.items()}
    cases = [{"id": c.name, "capture": c.capture_id, "method": c.method, "path": c.path,
              "query": c.query, "headers": [list(h) for h in c.headers], "body": c.body,
              "signing": c.signing, "expect": c.expect} for c in plan.cases]
    return (head + _signer_source() + "\n\nSIGNING: dict[str, dict[str, Any]] = "
            + _py(signing_data, 0) + "\n\nCASES: list[dict[str, Any]] = " + _py(cases, 0)
            + "\n" + _PYTEST_TAIL)


def _wrap(text: str, width: int = 96) -> str:
    import textwrap

    out = []
    for line in text.split("\n"):
        out += textwrap.wrap(line, width) or [""]
    return "\n".join(out)


def contract_text(store: Store, ids: Sequence[int], fmt: str, *,
                  redaction: Redaction | None = None, expect_status: int | None = None,
                  profiles: ProfileLookup | None = None, sign_as: Profile | None = None,
                  filename: str = "") -> tuple[str, ContractPlan]:
    """The module text for these captures (in the order given) and its plan (for its notes).
    The CLI and the window both export through here."""
    from webhook_studio.relay.contract_jest import render_jest

    with store.session() as session:
        pairs = []
        for cid in ids:
            capture = session.get(Capture, cid)
            if capture is None:
                raise NotFound(f"No capture with id {cid}.")
            endpoint = session.get(Endpoint, capture.endpoint_id) \
                if capture.endpoint_id is not None else None
            pairs.append((capture, endpoint))
        plan = plan_contract(pairs, redaction=redaction, expect_status=expect_status,
                             profiles=profiles, sign_as=sign_as)
    if fmt == "jest":
        return render_jest(plan, filename or "webhook.recorded.test.js"), plan
    return render_pytest(plan, filename or "tests/test_webhooks_recorded.py"), plan


def library_lookup() -> ProfileLookup:
    """Profiles by name from the profile library; None for a name it does not know."""
    from webhook_studio.core.errors import CoreError
    from webhook_studio.profile_library import ProfileLibrary

    library = ProfileLibrary.load()

    def lookup(name: str) -> Profile | None:
        try:
            return library.get(name)
        except CoreError:
            return None

    return lookup
