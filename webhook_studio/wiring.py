"""Optional extras attached to engines by the composition roots (relay, profile handshakes).

Kept in one place so ``listen``, ``serve`` and the GUI wire the same things the same way.
"""

from __future__ import annotations

from typing import Any

from webhook_studio.context import AppContext


class Extras:
    """Whatever was attached; :meth:`close` releases it."""

    def __init__(self) -> None:
        self.closers: list[Any] = []
        self.forwarder: Any = None

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()


def attach_receiver_extras(receiver: Any, ctx: AppContext, *,
                           forward_retry: Any = None) -> Extras:
    """Hook forwarding (relay), profile rules and profile handshakes into a receiver.
    ``forward_retry``: the retry Policy for failed forwards (``listen --forward-retry``);
    None keeps the relay's default."""
    from webhook_studio.relay.forward import Forwarder

    extras = Extras()
    forwarder = Forwarder(ctx.store, retry=forward_retry)
    receiver.after_capture = forwarder.after_capture
    receiver.forwarder = forwarder  # the window's and the API's "retry forward"
    extras.closers.append(forwarder.close)
    extras.forwarder = forwarder
    from webhook_studio.profile_library import handshake_for, secret_learner

    library = ctx.profiles
    receiver.handshake = handshake_for(library, ctx.clock.now,
                                       secret_learner(receiver, ctx.store))
    receiver.profile_lookup = library.profiles.get  # tolerance, duplicate-id and nonce rules
    if receiver.url is not None:  # already running: apply the profiles now
        receiver.reload_endpoints()
    return extras


def sender_hooks(ctx: AppContext) -> tuple[Any, Any]:
    """``(envelope_for, header_hook)`` for a Dispatcher: each subscription's provider profile
    shapes its body and adds its headers (the defaults when it has none)."""
    from webhook_studio.profile_library import sender_hooks as profile_hooks

    return profile_hooks(ctx.profiles)
