"""The sender: signed deliveries with retries, from a durable queue in the store.

Public API::

    dispatcher = Dispatcher(store, clock)       # optional: client=, rng=, envelope_for=,
                                                # header_hook=, on_event=, max_in_flight=
    await dispatcher.start()                    # recovers in-flight work, runs the queue
    ids = dispatcher.emit("user.created", {...})    # one delivery per matching subscription
    state = await dispatcher.wait_final(ids[0])
    dispatcher.send_test(sub_id); dispatcher.retry_now(id); dispatcher.cancel(id)
    dispatcher.retry_dead_letter(id); dispatcher.bulk_retry_dead_letters(sub_id)
    await dispatcher.run_due()                  # tests: do what is due at clock.now()
    await dispatcher.run_until_final()          # CLI: work until nothing is pending
    await dispatcher.stop()

``make_client()`` (sender/transport.py) is the one place the HTTP client is chosen.
"""

from webhook_studio.sender.dispatcher import Dispatcher
from webhook_studio.sender.errors import DeliveryStateError, SenderError
from webhook_studio.sender.events import AttemptFinished, DeliveryChanged, SenderEvent
from webhook_studio.sender.transport import make_client

__all__ = ["AttemptFinished", "DeliveryChanged", "DeliveryStateError", "Dispatcher",
           "SenderError", "SenderEvent", "make_client"]
