"""``webhook-studio handshake URL --profile NAME``: play the provider's side of an endpoint
handshake against a consumer (Meta's hub.challenge, X's CRC, Discord's PING and bad-signature
check, Xero's intent to receive…) and say whether the provider would accept the answers.

Exit 0 when every answer is accepted, 1 when one is not, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from webhook_studio.cli.common import EXIT_FAILED, EXIT_OK, UsageError, print_json, profile_library
from webhook_studio.core.errors import CoreError


def _cmd_handshake(args: argparse.Namespace) -> int:
    import httpx

    from webhook_studio.core.handshake_requests import probes
    if not args.url.startswith(("http://", "https://")):
        raise UsageError(f"{args.url!r} is not an http(s) URL.")
    try:
        profile = profile_library(args).get(args.profile)
        if profile.handshake == "none":
            raise UsageError(f"The {profile.name} profile has no handshake: its provider "
                             "sends events without checking the URL first.")
        todo = probes(profile, args.url, args.secret, int(time.time()),
                      verify_token=args.verify_token)
    except CoreError as exc:
        raise UsageError(str(exc)) from exc
    results: list[dict[str, Any]] = []
    # Each probe on a connection of its own, as the provider's are: a kept-alive connection
    # the server closes between two probes made the second one "no answer: connection reset".
    with httpx.Client(timeout=args.timeout, follow_redirects=False,
                      limits=httpx.Limits(max_keepalive_connections=0)) as client:
        for probe in todo:
            try:
                response = client.request(probe.method, probe.url, headers=probe.headers,
                                          content=probe.body or None)
            except httpx.HTTPError as exc:
                results.append({"probe": probe.label, "ok": False, "status": None,
                                "problem": f"no answer: {exc.__class__.__name__} {exc}"})
                continue
            problem = probe.judge(response.status_code, dict(response.headers),
                                  response.content)
            results.append({"probe": probe.label, "ok": problem is None,
                            "status": response.status_code, "problem": problem})
    ok = all(r["ok"] for r in results)
    if args.json:
        print_json({"profile": profile.name, "handshake": profile.handshake, "url": args.url,
                    "accepted": ok, "probes": results})
    else:
        for r in results:
            mark = "✓" if r["ok"] else "✗"
            tail = "" if r["ok"] else f": {r['problem']}"
            print(f"{mark} {profile.title} {r['probe']}{tail}")
        print(f"{profile.title} would {'accept' if ok else 'NOT accept'} {args.url}.")
    return EXIT_OK if ok else EXIT_FAILED


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "handshake", help="send a provider's endpoint handshake (Meta hub.challenge, X CRC, "
        "Discord PING…) to a URL and judge the answers as the provider would")
    parser.add_argument("url", help="the consumer's webhook URL")
    parser.add_argument("--profile", required=True, help="the provider profile, e.g. meta")
    parser.add_argument("--secret", default="", help="the signing secret or private key "
                        "(signed handshakes, HMAC answers; Asana/Notion: the secret to hand "
                        "over)")
    parser.add_argument("--verify-token", default="", help="Meta, eBay: the verify token "
                        "the consumer was configured with")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=_cmd_handshake)
