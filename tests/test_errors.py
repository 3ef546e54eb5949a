"""One exception tree: every error class of ours hangs under WebhookStudioError, and
``describe_error`` maps it by class to a sentence and an exit code."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import webhook_studio
from webhook_studio.errors import WebhookStudioError, describe_error
from webhook_studio.relay.errors import BadHarFile, TargetUnreachable
from webhook_studio.store.errors import DuplicateRecord, StoreUnavailable

#: Private control-flow exceptions that never leave their module (never shown to anyone).
INTERNAL = {"webhook_studio.relay.har_import._Bad", "webhook_studio.receiver.trailers._Lost",
            "webhook_studio.receiver.server.BodyTooLarge",
            "webhook_studio.receiver.server.Stopping",
            "webhook_studio.sender.attempt.DeadlineExceeded",
            "webhook_studio.api.validation.Invalid"}


def our_exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(webhook_studio.__path__, "webhook_studio."):
        if ".ui" in info.name or info.name.endswith((".app", "__main__")):
            continue  # Qt modules: the tree does not reach them (checked by name below)
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == info.name):
                found[f"{info.name}.{name}"] = value
    return found


def test_every_error_of_ours_has_the_one_root() -> None:
    classes = our_exception_classes()
    assert "webhook_studio.relay.errors.BadHarFile" in classes
    stray = sorted(name for name, cls in classes.items()
                   if name not in INTERNAL and not issubclass(cls, WebhookStudioError))
    assert stray == []


def test_the_tree_in_the_docstring_names_every_public_error() -> None:
    import webhook_studio.errors as errors_module

    drawn = errors_module.__doc__ or ""
    public = {name.rsplit(".", 1)[1] for name in our_exception_classes()
              if name not in INTERNAL}
    assert sorted(n for n in public if n not in drawn) == []


@pytest.mark.parametrize(("exc", "code"), [
    (BadHarFile("x.har is not JSON."), 2),
    (DuplicateRecord("Another endpoint already has the path /a."), 2),
    (StoreUnavailable("The database is locked."), 1),
    (TargetUnreachable("The answer broke off."), 1),
])
def test_describe_error_maps_by_class(exc: Exception, code: int) -> None:
    assert describe_error(exc) == (str(exc), code)


def test_a_library_error_is_still_called_a_bug() -> None:
    sentence, code = describe_error(KeyError("x"))
    assert "This is a bug" in sentence and code == 1
