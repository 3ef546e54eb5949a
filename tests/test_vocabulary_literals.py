"""No module spells a delivery state, capture state or attempt outcome as a string literal:
the words live in ``core/vocabulary.py`` only, so a renamed or added state is one change.

Text that merely looks like a state is left alone: docstrings, f-string pieces, dict keys and
subscripts (field names such as ``"timeout"``), and members of other enums.
"""

from __future__ import annotations

import ast
from pathlib import Path

from webhook_studio.core.vocabulary import AttemptOutcome, CaptureState, DeliveryState

PACKAGE = Path(__file__).resolve().parents[1] / "webhook_studio"
STATE_WORDS = {m.value for enum in (DeliveryState, CaptureState, AttemptOutcome) for m in enum}

#: (file, word) pairs where the word is not one of these states.
NOT_STATES = {
    ("api/routes_replay.py", "timeout"),  # the request field "timeout"
    ("api/routes_webhooks.py", "timeout"),
    ("core/profiles.py", "timeout"),  # the profile file's "timeout" key
    ("core/specs_records.py", "timeout"),  # the spec's field "timeout"
    ("core/validation.py", "timeout"),  # the form's field "timeout"
    ("api/models.py", "timeout"),  # the request field "timeout"
    ("tunnel/base.py", "failed"),  # a tunnel's status, not a delivery's
    ("tunnel/attach.py", "failed"),
    ("cli/public.py", "failed"),
}
#: ui/ is being split into views and controllers (the views branch); what is left there.
UI_LEFT = {
    ("ui/format.py", "pending"),  # the theme's colour for a pending delivery
    ("ui/sections/settings.py", "timeout"),  # the setting's key
    ("ui/sections/subscriptions.py", "timeout"),  # the field's name
    ("ui/widgets/public_url.py", "failed"),  # the tunnel's status
}


def _not_code_words(tree: ast.AST) -> set[int]:
    """ids of string constants that are text or names, not values."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)):
            skip.add(id(body[0].value))
        if isinstance(node, ast.ClassDef) and any(
                "Enum" in ast.unparse(base) for base in node.bases):
            skip.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))
        if isinstance(node, ast.Dict):
            skip.update(id(key) for key in node.keys if key is not None)
        elif isinstance(node, ast.Subscript):
            skip.add(id(node.slice))
        elif isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in node.values)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("get", "pop", "setdefault") and node.args):
            skip.add(id(node.args[0]))
    return skip


def state_literals(source: str) -> set[str]:
    tree = ast.parse(source)
    skip = _not_code_words(tree)
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value in STATE_WORDS and id(node) not in skip}


def test_no_module_spells_a_state_outside_the_vocabulary() -> None:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "vocabulary.py" and path.parent.name == "core":
            continue
        relative = path.relative_to(PACKAGE).as_posix()
        found |= {(relative, word) for word in state_literals(path.read_text("utf-8"))}
    assert sorted(found - NOT_STATES - UI_LEFT) == []


def test_the_scan_sees_a_state_in_code_but_not_in_text() -> None:
    assert state_literals('if delivery.state == "pending":\n    pass\n') == {"pending"}
    assert state_literals('x = {"state": "delivered"}\n') == {"delivered"}
    assert state_literals('def f():\n    """pending"""\n') == set()
    assert state_literals('row["timeout"]\nf"{n} failed"\n') == set()
    assert state_literals('class K(StrEnum):\n    A = "failed"\n') == set()
