"""``webhook-studio keys new|public``: key pairs for emulating providers that sign with a
private key (Discord, Telnyx, SendGrid, Plaid, PayPal, Wise, Fireblocks, Circle).

The private key is the secret to sign with (``send --profile … --secret``, a subscription's
secret, ``replay --resign``); the public key, in the provider's own format, is what the
consumer under test pastes where it would paste the provider's. Nothing is stored here: keep
the printed secret like any other.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from webhook_studio.cli.common import EXIT_OK, UsageError, print_json, profile_library
from webhook_studio.core import keys
from webhook_studio.core.errors import CoreError


def _profile(args: argparse.Namespace, name: str) -> Any:
    try:
        return profile_library(args).get(name)
    except CoreError as exc:
        raise UsageError(str(exc)) from exc


def _report(profile: Any, secret: str) -> dict[str, Any]:
    scheme = profile.make_scheme()
    try:
        shown = keys.consumer_keys(secret, getattr(scheme, "public_key_format", None))
    except CoreError as exc:
        raise UsageError(str(exc)) from exc
    return {"profile": profile.name, "scheme": scheme.name, "secret": secret, **shown}


def _print(report: dict[str, Any], title: str) -> None:
    print(f"{title}\n")
    print("Secret to sign with (send --profile … --secret, a subscription's secret, or "
          "replay --resign):")
    print(report["secret"])
    if report["public_key"] is None:
        print("\nThis provider uses a shared secret: configure the same value in the consumer.")
        return
    if "webhook_id" in report:
        print(f"\nWebhook id (the consumer's configuration names it): {report['webhook_id']}")
    print(f"\nPublic key to paste into the consumer ({report['public_key_format']}, as the "
          "provider shows it):")
    print(report["public_key"].rstrip())
    if report["public_key_format"] != "pem":
        print("\nThe same public key as PEM:")
        print(report["public"]["pem"].rstrip())
    print("\nSecret of a Webhook Studio endpoint that checks these deliveries (one line):")
    print(report["endpoint_secret"])


def _cmd_new(args: argparse.Namespace) -> int:
    profile = _profile(args, args.profile)
    try:
        secret = profile.make_scheme().generate_secret()
    except CoreError as exc:
        raise UsageError(str(exc)) from exc
    report = _report(profile, secret)
    if args.out:
        Path(args.out).write_text(secret + "\n", encoding="utf-8")
    if args.json:
        print_json(report)
    else:
        _print(report, f"New key for {profile.title} ({report['scheme']}).")
    return EXIT_OK


def _cmd_public(args: argparse.Namespace) -> int:
    profile = _profile(args, args.profile)
    text = args.secret
    if args.secret_file:
        try:
            text = Path(args.secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"Cannot read {args.secret_file}: {exc.strerror}.") from exc
    if not text:
        raise UsageError("Give the private key with --secret or --secret-file.")
    report = _report(profile, text)
    if args.json:
        print_json(report)
    else:
        _print(report, f"Key for {profile.title} ({report['scheme']}).")
    return EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser("keys", help="key pairs for emulating providers that sign with a "
                            "private key (Discord, SendGrid, PayPal…)")
    keys_sub = parser.add_subparsers(dest="keys_command", metavar="COMMAND", required=True,
                                     help="what to do with keys")
    new = keys_sub.add_parser("new", help="generate a signing key for a profile and print its "
                              "public key in the provider's format")
    new.add_argument("--profile", required=True, help="the provider profile, e.g. discord")
    new.add_argument("--out", metavar="FILE", help="also write the secret to FILE")
    new.add_argument("--json", action="store_true", help="print JSON")
    new.set_defaults(func=_cmd_new)
    public = keys_sub.add_parser("public", help="print the public key of a signing key")
    public.add_argument("--profile", required=True, help="the provider profile")
    public.add_argument("--secret", default="", help="the private key (one line)")
    public.add_argument("--secret-file", metavar="FILE", help="read the private key (PEM too)")
    public.add_argument("--json", action="store_true", help="print JSON")
    public.set_defaults(func=_cmd_public)
