"""``webhook-studio profiles list|show|import|export``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from webhook_studio.cli.common import EXIT_OK, UsageError, print_json, profile_library
from webhook_studio.core.errors import ProfileError


def _library(args: argparse.Namespace) -> Any:
    library = profile_library(args)
    for problem in library.errors:
        print(f"webhook-studio: skipped a profile: {problem}", file=sys.stderr)
    return library


def _summary(p: Any) -> dict[str, Any]:
    return {"name": p.name, "title": p.title, "scheme": p.scheme, "retry": p.retry,
            "timeout": p.timeout, "events": len(p.events), "handshake": p.handshake,
            "family": p.family, "verify": True, "emulate": p.make_scheme().can_emulate,
            "proof": p.proof, "proof_source": p.proof_source}


def _cmd_list(args: argparse.Namespace) -> int:
    from webhook_studio.core.profiles import FAMILIES, FAMILY_LABELS, PROOF_LABELS

    library = _library(args)
    rows = [_summary(library.get(n)) for n in library.names()]
    if args.json:
        print_json(rows)
        return EXIT_OK
    for family in FAMILIES:
        members = [r for r in rows if r["family"] == family]
        if not members:
            continue
        print(f"{FAMILY_LABELS[family]} ({len(members)})")
        print(f"  {'NAME':<20} {'VERIFY':<7}{'EMULATE':<8}{'HANDSHAKE':<30}{'PROOF':<21}TITLE")
        for r in members:
            handshake = "—" if r["handshake"] == "none" else r["handshake"]
            print(f"  {r['name']:<20} {'✓':<7}{'✓' if r['emulate'] else '—':<8}"
                  f"{handshake:<30}{PROOF_LABELS[r['proof']]:<21}{r['title']}")
        print()
    families = len({r["family"] for r in rows})
    print(f"{len(rows)} profiles in {families} families; "
          f"{sum(r['proof'] == 'official-vector' for r in rows)} proven by an official vector, "
          f"{sum(r['proof'] == 'sdk-interop' for r in rows)} by official SDK interop.")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    try:
        p = _library(args).get(args.name)
    except ProfileError as exc:
        raise UsageError(str(exc)) from exc
    data = {**_summary(p), "description": p.description, "docs_url": p.docs_url,
            "scheme_options": p.scheme_options, "secret_format": p.secret_format,
            "headers": p.headers, "envelope": p.envelope_template, "format": p.body_format,
            "duplicate_header": p.duplicate_header, "categories": p.categories()}
    if args.json:
        print_json(data)
        return EXIT_OK
    from webhook_studio.core.profiles import FAMILY_LABELS, PROOF_LABELS

    print(f"{p.title} ({p.name})\n{p.description}\n")
    print(f"Family: {FAMILY_LABELS[p.family]}")
    print(f"Proof: {PROOF_LABELS[p.proof]}" + (f" ({p.proof_source})" if p.proof_source else ""))
    if not data["emulate"]:
        print("Verify only: the provider puts its signature or secret inside the body.")
    print(f"Signature: {p.scheme} {p.scheme_options or ''}".rstrip())
    print(f"Retries: {p.retry}; timeout {p.timeout:g} s; handshake: {p.handshake}")
    if p.headers:
        print("Headers: " + ", ".join(f"{k}: {v}" for k, v in p.headers.items()))
    for category, events in p.categories().items():
        print(f"\n{category}:\n  " + "\n  ".join(events))
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    try:
        profile = _library(args).import_file(Path(args.path))
    except ProfileError as exc:
        raise UsageError(str(exc)) from exc
    print(f"imported profile {profile.name} ({len(profile.events)} events)")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    try:
        dest = _library(args).export(args.name, Path(args.out))
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
