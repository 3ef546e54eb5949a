"""The Composer: where an event can go, the exact request it becomes, and sending it.

The preview is assembled by the dispatcher's own parts (the profile's envelope and headers,
``sender.signing.signed_headers``), so it shows the bytes and headers the sender will send.

Signals:
    targets(list[Subscription]): the subscriptions an event can go to, after :meth:`reload`.
    sent(list[str]): deliveries were queued (their ids, first one first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from webhook_studio.core.envelope import default_envelope
from webhook_studio.core.errors import ProfileError
from webhook_studio.core.retry import parse_policy
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.validation import url_problem
from webhook_studio.errors import describe_error
from webhook_studio.sender.signing import signed_headers
from webhook_studio.store import Store
from webhook_studio.store import window_reads as reads
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui import format as fmt
from webhook_studio.ui.query_op import Queries
from webhook_studio.ui.tasks import TaskRunner


@dataclass(frozen=True)
class Draft:
    """What the person composed. ``target`` is None (ad-hoc URL), "*" (every matching
    subscription) or a subscription id."""

    event_type: str
    data: Any
    target: str | None
    url: str = ""
    profile: Any = None
    scheme: str = "standard-webhooks"
    secret: str = ""


@dataclass(frozen=True)
class Preview:
    destination: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: What cannot be shown as a header (each subscription signs its own way; a bad secret).
    notes: list[str] = field(default_factory=list)
    body: bytes = b""


class ComposerController(QObject):
    targets = Signal(object)
    sent = Signal(list)
    #: Settings ▸ Default retry policy / timeout: what an ad-hoc send retries with.
    default_retry = "standard-webhooks"
    default_timeout = 15.0

    def __init__(self, store: Store, runner: TaskRunner, dispatcher: Any = None,
                 parent: QObject | None = None, *, profiles: Any = None) -> None:
        super().__init__(parent)
        from webhook_studio.profile_library import ProfileLibrary

        self.store = store
        self.dispatcher = dispatcher
        self.queries = Queries(runner)
        self._sends = 0
        self.library = profiles or ProfileLibrary.load()  # the window passes ctx.profiles
        #: The people's subscriptions as last read (the preview reads no store).
        self.subscriptions: list[Any] = []

    def reload(self) -> None:
        def listed(subscriptions: list[Any]) -> None:
            self.subscriptions = subscriptions
            self.targets.emit(subscriptions)

        self.queries.run("targets", lambda: reads.subscriptions(self.store), listed)

    def subscription(self, sub_id: str | None) -> Any:
        return next((s for s in self.subscriptions if s.id == sub_id), None)

    def profile_named(self, name: str | None) -> Any:
        if not name:
            return None
        try:
            return self.library.get(name)
        except ProfileError:  # a profile removed since the subscription was made
            return None

    def preview(self, draft: Draft, *, event_id: str = "evt_preview",
                message_id: str = "msg_preview", now: float | None = None,
                timestamp: int | None = None) -> Preview:
        """The request ``draft`` becomes, as the dispatcher assembles it. The event id and
        time (``now``, in the body), the delivery id and the signing ``timestamp`` are the
        preview's own unless given."""
        import time

        now = time.time() if now is None else now
        timestamp = int(now) if timestamp is None else timestamp
        adhoc = draft.target is None
        sub = None if adhoc else self.subscription(draft.target)
        # What shapes the body and adds headers is what the dispatcher will use: the chosen
        # profile for an ad-hoc target, the subscription's own profile (or none) otherwise.
        shaper = draft.profile if adhoc else self.profile_named(sub.profile if sub else None)
        envelope = shaper.envelope if shaper else default_envelope
        body = envelope(draft.event_type or "event", draft.data, event_id, now)
        profile_headers = shaper.delivery_headers(draft.event_type or "event", message_id,
                                                  timestamp) if shaper else {}
        url = draft.url.strip()
        if adhoc:
            destination = url or "(enter the ad-hoc URL on the left)"
            try:
                scheme = draft.profile.make_scheme() if draft.profile else get_scheme(
                    draft.scheme)
                headers = signed_headers(scheme, draft.secret, body, message_id=message_id,
                                         timestamp=timestamp, url=url or None,
                                         profile_headers=profile_headers)
            except Exception as exc:  # show the problem where the signature would be
                unsigned = {"Content-Type": "application/json", **profile_headers}
                return Preview(destination, list(unsigned.items()),
                               [f"(cannot sign: {exc})"], body)
            return Preview(destination, list(headers.items()), [], body)
        unsigned = {"Content-Type": "application/json", **profile_headers}
        if sub is not None:
            return Preview(sub.url, list(unsigned.items()), [
                f"(signed under {fmt.scheme_label(sub.scheme, sub.scheme_options)} with the "
                "subscription's current secret at send time)"], body)
        return Preview(self.matching_summary(draft.event_type or "event"),
                       list(unsigned.items()),
                       ["(each subscription shapes and signs the event as its own profile and "
                        "scheme at send time)"], body)

    def matching_summary(self, event_type: str) -> str:
        """Where "every matching subscription" goes for this event type, in one line."""
        from webhook_studio.core.matching import matches

        urls = [s.url for s in self.subscriptions
                if s.active and matches(s.events or [], event_type)]
        if not urls:
            return f"(no active subscription matches {event_type})"
        more = len(urls) - 1
        return str(urls[0]) + (f"  (and {fmt.count(more, 'more subscription')})" if more else "")

    def send(self, draft: Draft, then: Callable[[list[str], str], object]) -> None:
        """Queue ``draft``; ``then(queued delivery ids, what to tell the person)``. The store
        is written in a worker thread (a store another program holds locked stalls this send,
        not the window), then the sender is woken on the GUI thread."""
        dispatcher = self.dispatcher
        if dispatcher is None:
            then([], "The sender is not running.")
            return
        if draft.target is None and (url_issue := url_problem(draft.url)):
            then([], url_issue)
            return
        profile = draft.profile
        retry_text, timeout = self.default_retry, self.default_timeout

        def write() -> tuple[list[str], str | None]:
            try:
                target: str | None = draft.target
                if target is None:  # an ad-hoc target: a subscription of its own
                    retry = parse_policy(retry_text).to_dict()
                    target = create_subscription(
                        self.store, secret=draft.secret, url=draft.url.strip(),
                        events=[draft.event_type], adhoc=True,
                        scheme=profile.scheme if profile else draft.scheme,
                        scheme_options=profile.scheme_options if profile else None,
                        profile=profile.name if profile else None,
                        retry_policy=retry, timeout_seconds=timeout)
                elif target == "*":  # every active subscription whose filter matches
                    target = None
                (ids,) = dispatcher.store_events([(draft.event_type, draft.data, target)])
            except Exception as exc:  # a sentence under the button, never a traceback
                return [], describe_error(exc)[0]
            return list(ids), None

        def written(result: tuple[list[str], str | None]) -> None:
            ids, problem = result
            if problem is not None:
                then([], problem)
                return
            dispatcher.wake()
            self.sent.emit(ids)
            then(ids, f"Queued {fmt.count(len(ids), 'delivery', 'deliveries')}: see "
                      "Deliveries." if ids else "No active subscription matches this event type.")

        self._sends += 1  # a key each: a second send never drops the first one's answer
        self.queries.run(f"send-{self._sends}", write, written)
