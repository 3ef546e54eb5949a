"""``webhook-studio sign`` and ``webhook-studio verify``: the signing core on the command line.

Contract (other tools depend on it):
  sign   prints a JSON object of the headers to send; fresh id and current time by default.
         With --profile, every header the provider sends on a delivery (content type, event
         type, delivery id, a fresh nonce…), so the output posts straight to a consumer.
  verify exits 0 when valid, 1 when invalid (printing the verdict sentence), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import secrets as _secrets
import time
from typing import Any

from webhook_studio.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    parse_pairs,
    print_json,
    profile_library,
    read_body,
)
from webhook_studio.core.errors import CoreError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes import SCHEME_NAMES, Scheme, get_scheme


def add_scheme_options(parser: argparse.ArgumentParser) -> None:
    """``--scheme NAME | --profile NAME`` plus ``--option KEY=VALUE`` for the generic scheme."""
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--scheme", metavar="NAME", help=f"one of: {', '.join(SCHEME_NAMES)}")
    group.add_argument("--profile", metavar="NAME", help="a provider profile (profiles list)")
    parser.add_argument(
        "--option", action="append", metavar="KEY=VALUE",
        help="an option of the generic 'hmac' scheme, e.g. header=X-Signature (repeatable)",
    )


def _option_value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(text)
    except ValueError:
        return text


def _profile(args: argparse.Namespace, name: str) -> Any:
    return profile_library(args).get(name)


def resolve_scheme(args: argparse.Namespace) -> tuple[Scheme, int | None]:
    """The scheme the options name, and the profile's tolerance default if a profile was used."""
    options = {k: _option_value(v) for k, v in parse_pairs(args.option, "=", "--option")}
    try:
        if args.profile:
            profile = _profile(args, args.profile)
            return profile.make_scheme(), profile.default_tolerance
        if args.scheme not in SCHEME_NAMES:
            raise UsageError(
                f"Unknown scheme {args.scheme!r}; choose one of: {', '.join(SCHEME_NAMES)}."
            )
        return get_scheme(args.scheme, options or None), None
    except CoreError as exc:
        raise UsageError(str(exc)) from exc


def _cmd_sign(args: argparse.Namespace) -> int:
    scheme, _ = resolve_scheme(args)
    data = SignInput(
        body=read_body(args.body_file),
        id=args.id or f"msg_{_secrets.token_hex(12)}",
        timestamp=args.timestamp if args.timestamp is not None else int(time.time()),
        url=args.url,
        params=tuple(parse_pairs(args.param, "=", "--param")),
    )
    if scheme.needs_url and not data.url:
        raise UsageError(f"The {scheme.name} scheme signs the URL: give it with --url.")
    try:
        headers = scheme.sign(args.secret, data)
    except CoreError as exc:
        raise UsageError(str(exc)) from exc
    if args.profile:  # everything the provider sends, so the output posts as a delivery
        headers = {**_delivery_headers(args, str(data.id), int(data.timestamp or 0)), **headers}
    print_json(headers)
    return EXIT_OK


def _delivery_headers(args: argparse.Namespace, delivery_id: str, timestamp: int
                      ) -> dict[str, str]:
    """The profile's per-delivery headers (event type, delivery id, a fresh nonce…) and its
    content type; ``--event`` names the event (default: the first in its catalog)."""
    profile = _profile(args, args.profile)
    event = args.event or (profile.events[0].type if profile.events else "")
    content_type = ("application/x-www-form-urlencoded" if profile.body_format == "form"
                    else "application/json")
    return {"Content-Type": content_type,
            **profile.delivery_headers(event, delivery_id, timestamp)}


def _cmd_verify(args: argparse.Namespace) -> int:
    scheme, profile_tolerance = resolve_scheme(args)
    params = parse_pairs(args.param, "=", "--param")
    request = IncomingRequest(
        body=read_body(args.body_file),
        headers=tuple(parse_pairs(args.header, ":", "-H")),
        url=args.url,
        params=tuple(params) if params else None,
    )
    now = float(args.now) if args.now is not None else time.time()
    tolerance = args.tolerance if args.tolerance is not None else profile_tolerance
    verdict = scheme.verify(request, args.secret, now=now, tolerance=tolerance)
    if args.json:
        print_json(verdict.to_dict())
    else:
        print(verdict.message)
    return EXIT_OK if verdict.valid else EXIT_FAILED


def register(sub: argparse._SubParsersAction[Any]) -> None:
    sign = sub.add_parser("sign", help="print the headers a provider would send for a body")
    add_scheme_options(sign)
    sign.add_argument("--secret", required=True, metavar="S",
                      help="signing secret (whsec_…, whsk_… for Ed25519, or the literal secret)")
    sign.add_argument("--id", metavar="ID", help="message id (default: a fresh one)")
    sign.add_argument("--timestamp", type=int, metavar="UNIX", help="default: now")
    sign.add_argument("--url", metavar="URL", help="the URL the provider posts to (Twilio, Square)")
    sign.add_argument("--param", action="append", metavar="NAME=VALUE", help="form parameter")
    sign.add_argument("--body-file", metavar="PATH|-", help="body bytes (default: empty)")
    sign.add_argument("--event", metavar="TYPE",
                      help="with --profile: the event type its headers name (default: the "
                      "first in its catalog)")
    sign.set_defaults(func=_cmd_sign)

    verify = sub.add_parser(
        "verify", help="verify a request's signature and explain the verdict",
        description="Exit status: 0 valid, 1 invalid, 2 usage error.",
    )
    add_scheme_options(verify)
    verify.add_argument("--secret", action="append", required=True, metavar="S",
                        help="secret or public key (whpk_…); repeat for rotation, newest first")
    verify.add_argument("-H", "--header", action="append", metavar="'Name: value'",
                        help="a header as received (repeatable)")
    verify.add_argument("--url", metavar="URL",
                        help="the URL the provider posted to (Twilio, Square, Zoom)")
    verify.add_argument("--param", action="append", metavar="NAME=VALUE",
                        help="a form parameter as received (repeatable)")
    verify.add_argument("--tolerance", type=int, metavar="SECONDS",
                        help="accepted clock skew (default: the scheme's own)")
    verify.add_argument("--now", type=float, metavar="UNIX", help="pretend the time is this")
    verify.add_argument("--body-file", metavar="PATH|-",
                        help="the body bytes exactly as received (- reads standard input)")
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(func=_cmd_verify)


