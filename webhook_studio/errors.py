"""Every error Webhook Studio raises on purpose, and turning any error into one sentence.

One tree with one root (httpx's ``_exceptions.py`` is the model). Each class lives in its
package's ``errors.py``; the root lives in ``core/errors.py`` because the core imports nothing
of ours. ``str()`` of any of them is a sentence for the user; ``exit_code`` is what the CLI
exits with (2: the user's input was wrong, 1: something failed)::

    WebhookStudioError                      core/errors.py                   exit 1
     ├── CoreError                          bad input to the pure core       exit 2
     │    ├── SecretError                   a secret or key unfit for its scheme
     │    ├── SchemeError                   unknown scheme, invalid scheme options
     │    ├── ProfileError                  an invalid provider profile file
     │    ├── PolicyError                   an invalid retry schedule or event pattern
     │    ├── TunnelSpecError               core/tunnels.py: text naming no tunnel
     │    ├── SpecError                     core/specs.py: a record broke its spec
     │    ├── Invalid                       core/specs.py: one field's value is wrong
     │    ├── FilterSyntaxError             core/filter_syntax.py: a filter with a mistake
     │    ├── ChaosSpecError                core/chaos.py: an unreadable --chaos spec
     │    ├── EventLinesError               core/event_lines.py: bad lines in --events-file
     │    ├── RedactionError                relay/redact.py: an unreadable redaction rule
     │    └── CheckError                    relay/chaos.py: the consumer's --check failed
     ├── StoreError                         store/errors.py                  exit 1
     │    ├── UnusableDatabase              --db names something unusable    exit 2
     │    │    └── SchemaTooNewError        written by a newer Webhook Studio
     │    ├── StoreUnavailable              locked, disk full, read-only, corrupt, lost
     │    ├── DuplicateRecord               a unique key is taken            exit 2
     │    └── NotFound                      no record with that id
     ├── ReceiverError                      receiver/errors.py
     │    └── BindError                     the address or port cannot be bound
     ├── SenderError                        sender/errors.py
     │    ├── DeliveryStateError            the action does not fit the delivery's state
     │    └── UnknownSubscriptions          events aimed at subscriptions that do not exist
     ├── RelayError                         relay/errors.py
     │    ├── BadHarFile                    a HAR file that cannot be imported  exit 2
     │    ├── BadReplayTarget               not a URL one can replay to         exit 2
     │    ├── NotAReplay                    "replay again" on a subscription's delivery
     │    ├── ForwardTargetError            a forward retried to a target it has not  exit 2
     │    └── TargetUnreachable             a forwarding target broke off its answer
     ├── TunnelError                        tunnel/errors.py
     │    └── TunnelGaveUp                  retrying cannot help
     ├── ApiError                           api/errors.py: an HTTP status and a sentence
     │    └── InvalidInput                  422 with a sentence per field
     ├── UnsafeFileError                    private_files.py: a token/key file others
     │                                      could have written               exit 2
     └── UsageError                         cli/common.py: bad command line  exit 2

:func:`describe_error` maps by class, once: our errors by their ``exit_code``; library errors
(sqlite3, SQLAlchemy, OS errors) by their kind; anything else is a bug and says so.
"""

from __future__ import annotations

import logging
import sqlite3

from webhook_studio.core.errors import WebhookStudioError

__all__ = ["WebhookStudioError", "describe_error"]

log = logging.getLogger(__name__)


def describe_error(exc: BaseException) -> tuple[str, int]:
    """A sentence and an exit code (2 = the user's input was wrong, 1 = it failed)."""
    if isinstance(exc, WebhookStudioError):
        return str(exc), exc.exit_code
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, (SQLAlchemyError, sqlite3.Error)):  # escaped translate_errors()
        from webhook_studio.store.database import describe_db_error

        return describe_db_error(exc), 1
    if isinstance(exc, PermissionError):
        return f"Permission denied: {exc.filename or exc}. Check the file's permissions.", 1
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or 'system call'}).", 1
    log.debug("unexpected error", exc_info=exc)
    return (f"Unexpected error ({type(exc).__name__}: {exc}). This is a bug; please report it "
            "with the command you ran."), 1
