"""Every option of every command says what it does, and every group lists its commands."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator

from webhook_studio.cli import build_parser


def parsers(parser: argparse.ArgumentParser, path: str = "webhook-studio"
            ) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from parsers(child, f"{path} {name}")


def test_every_action_has_a_help_text() -> None:
    missing = []
    for path, parser in parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if not (action.help or "").strip():
                missing.append(f"{path}: {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_every_group_lists_its_commands_with_a_sentence() -> None:
    groups = 0
    for path, parser in parsers(build_parser()):
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction):
                continue
            groups += 1
            described = {a.dest: a.help for a in action._choices_actions}
            text = parser.format_help()
            for name in action.choices:
                assert (described.get(name) or "").strip(), f"{path} {name} has no help"
                assert re.search(rf"^ {{4}}{re.escape(name)}(\s|$)", text, re.M), \
                    f"{path} --help does not list {name}"
    assert groups >= 4  # the top level, captures, deliveries, profiles


def test_profiles_help_lists_its_subcommands() -> None:
    done = subprocess.run([sys.executable, "-m", "webhook_studio", "profiles", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for name in ("list", "show", "import", "export"):
        assert f"    {name} " in done.stdout, done.stdout
