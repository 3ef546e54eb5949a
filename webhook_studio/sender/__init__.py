"""The sender: signed deliveries with retries, from a durable queue in the store.

Public API::

    dispatcher = Dispatcher(store, clock)       # optional: client=, rng=, envelope_for=
    await dispatcher.start()                    # recovers in-flight work, runs the queue
    ids = dispatcher.emit("user.created", {...})
    state = await dispatcher.wait_final(ids[0])
    dispatcher.retry_now(id); dispatcher.cancel(id); dispatcher.retry_dead_letter(id)
    await dispatcher.run_due()                  # tests: do what is due at clock.now()
    await dispatcher.stop()
"""

from webhook_studio.sender.dispatcher import Dispatcher
from webhook_studio.sender.errors import DeliveryStateError, SenderError
from webhook_studio.sender.events import AttemptFinished, DeliveryChanged

__all__ = ["AttemptFinished", "DeliveryChanged", "DeliveryStateError", "Dispatcher",
           "SenderError"]
