"""The sender: signed deliveries with retries, from a durable queue in the store.

Public API::

    dispatcher = Dispatcher(store, clock)       # optional: client=, rng=, envelope_for=,
                                                # header_hook=, on_event=, max_in_flight=,
                                                # health= (webhook_studio/health.py)
    await dispatcher.start()                    # runs the queue; takes back abandoned leases
    ids = dispatcher.emit("user.created", {...})    # one delivery per matching subscription
    state = await dispatcher.wait_final(ids[0])
    dispatcher.send_test(sub_id); dispatcher.retry_now(id); dispatcher.cancel(id)
    dispatcher.retry_dead_letter(id); dispatcher.bulk_retry_dead_letters(sub_id)
    await dispatcher.run_due()                  # tests: do what is due at clock.now()
    await dispatcher.run_until_final()          # CLI: work until nothing is pending
    dispatcher.recover()                        # deliveries resume: leases of dead senders
    await dispatcher.stop()                     # never raises for a store fault

Each claim is a lease (``sender/lease.py``) so several senders can share one store; each
attempt has a total deadline and reads at most 64 KiB of the answer (``sender/attempt.py``).

``make_client()`` (sender/transport.py) is the one place the HTTP client is chosen.
"""

from webhook_studio.sender.dispatcher import Dispatcher
from webhook_studio.sender.errors import DeliveryStateError, SenderError
from webhook_studio.sender.events import AttemptFinished, DeliveryChanged, SenderEvent
from webhook_studio.sender.transport import make_client

__all__ = ["AttemptFinished", "DeliveryChanged", "DeliveryStateError", "Dispatcher",
           "SenderError", "SenderEvent", "make_client"]
