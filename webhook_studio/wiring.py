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

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()


def attach_receiver_extras(receiver: Any, ctx: AppContext) -> Extras:
    """Hook profile handshakes and forwarding into a receiver, where available."""
    return Extras()


def sender_hooks() -> tuple[Any, Any]:
    """``(envelope_for, header_hook)`` for a Dispatcher: profile envelopes and headers when
    provider profiles are available, the defaults otherwise."""
    return None, None
