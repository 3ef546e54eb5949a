"""``webhook-studio profiles list|show|import|export``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from webhook_studio.cli.common import EXIT_OK, UsageError, print_json
from webhook_studio.core.errors import ProfileError


def _library() -> Any:
    from webhook_studio.profile_library import ProfileLibrary

    library = ProfileLibrary.load()
    for problem in library.errors:
        print(f"webhook-studio: skipped a profile: {problem}", file=sys.stderr)
    return library


def _summary(p: Any) -> dict[str, Any]:
    return {"name": p.name, "title": p.title, "scheme": p.scheme, "retry": p.retry,
            "timeout": p.timeout, "events": len(p.events), "handshake": p.handshake}


def _cmd_list(args: argparse.Namespace) -> int:
    library = _library()
    rows = [_summary(library.get(n)) for n in library.names()]
    if args.json:
        print_json(rows)
        return EXIT_OK
    print(f"{'NAME':<18} {'SCHEME':<18} {'EVENTS':>6}  TITLE")
    for r in rows:
        print(f"{r['name']:<18} {r['scheme']:<18} {r['events']:>6}  {r['title']}")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    try:
        p = _library().get(args.name)
    except ProfileError as exc:
        raise UsageError(str(exc)) from exc
    data = {**_summary(p), "description": p.description, "docs_url": p.docs_url,
            "scheme_options": p.scheme_options, "secret_format": p.secret_format,
            "headers": p.headers, "envelope": p.envelope_template, "format": p.body_format,
            "duplicate_header": p.duplicate_header, "categories": p.categories()}
    if args.json:
        print_json(data)
        return EXIT_OK
    print(f"{p.title} ({p.name})\n{p.description}\n")
    print(f"Signature: {p.scheme} {p.scheme_options or ''}".rstrip())
    print(f"Retries: {p.retry}; timeout {p.timeout:g} s; handshake: {p.handshake}")
    if p.headers:
        print("Headers: " + ", ".join(f"{k}: {v}" for k, v in p.headers.items()))
    for category, events in p.categories().items():
        print(f"\n{category}:\n  " + "\n  ".join(events))
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    try:
        profile = _library().import_file(Path(args.path))
    except ProfileError as exc:
        raise UsageError(str(exc)) from exc
    print(f"imported profile {profile.name} ({len(profile.events)} events)")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    try:
        dest = _library().export(args.name, Path(args.out))
    except ProfileError as exc:
        raise UsageError(str(exc)) from exc
    print(f"exported profile {args.name} to {dest}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Any]) -> None:
    profiles = sub.add_parser("profiles", help="provider profiles: list, show, import, export")
    commands = profiles.add_subparsers(dest="profiles_command", metavar="COMMAND",
                                       required=True, help="one of these")
    lst = commands.add_parser("list", help="every profile: name, title, scheme, retries")
    lst.add_argument("--json", action="store_true", help="print them as JSON")
    lst.set_defaults(func=_cmd_list)
    show = commands.add_parser("show", help="one profile: headers, envelope, event catalog")
    show.add_argument("name", help="the profile's name (profiles list)")
    show.add_argument("--json", action="store_true", help="print it as JSON")
    show.set_defaults(func=_cmd_show)
    imp = commands.add_parser("import", help="add your own profile from a TOML file")
    imp.add_argument("path", help="the profile's TOML file (format: docs/profiles.md)")
    imp.set_defaults(func=_cmd_import)
    exp = commands.add_parser("export", help="write a profile to a TOML file to adapt it")
    exp.add_argument("name", help="the profile's name (profiles list)")
    exp.add_argument("--out", required=True, metavar="PATH", help="the TOML file to write")
    exp.set_defaults(func=_cmd_export)
