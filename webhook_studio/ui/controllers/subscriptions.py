"""Subscriptions: listing, loading, validating, saving, rotating secrets, deleting.

Signals:
    listed(list[Subscription]): the subscriptions (not ad-hoc ones), after :meth:`reload`.
    loaded(SubscriptionForEditor): one subscription and its signing secret, after :meth:`load`.
    saved(str): a subscription was created or updated (its id).
    deleted(str): a subscription was deleted (its id).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from webhook_studio.core.errors import CoreError
from webhook_studio.core.profile_subscription import apply_profile
from webhook_studio.core.profiles import Profile
from webhook_studio.core.validation import SubscriptionForm, secret_problem, validate_subscription
from webhook_studio.store import Store
from webhook_studio.store import window_reads as reads
from webhook_studio.store.sender_queries import (
    create_subscription,
    delete_subscription,
    rotate_secret,
    update_subscription,
)
from webhook_studio.ui.query_op import Queries, if_found
from webhook_studio.ui.tasks import TaskRunner

#: ``(scheme, options, profile title)`` when a provider profile decides the scheme.
Fixed = tuple[str, dict[str, Any] | None, str]


class SubscriptionsController(QObject):
    listed = Signal(object)
    loaded = Signal(object)
    saved = Signal(str)
    deleted = Signal(str)

    def __init__(self, store: Store, runner: TaskRunner, parent: QObject | None = None, *,
                 profiles: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.queries = Queries(runner)
        self.library = profiles  # the window's ctx.profiles (None: read from disk)

    def _profiles(self) -> Any:
        if self.library is None:
            from webhook_studio.profile_library import ProfileLibrary

            self.library = ProfileLibrary.load()
        return self.library

    def profile_titles(self) -> list[tuple[str, str]]:
        """``(name, title)`` of every provider profile the editor offers (none when the
        profiles cannot be read: the editor still works with plain schemes)."""
        try:
            library = self._profiles()
            return [(name, library.get(name).title) for name in library.names()]
        except Exception:  # profiles are optional here, as in ui/controllers/catalog.py
            return []

    def profile(self, name: str) -> Profile | None:
        """The named profile, or None when its file is gone (a subscription keeps its name)."""
        try:
            return self._profiles().get(name)  # type: ignore[no-any-return]
        except (CoreError, OSError):
            return None

    def profile_defaults(self, profile: Profile) -> dict[str, Any]:
        """The store fields a subscription made with ``profile`` starts with: what the API
        stores for ``POST /webhooks`` with this ``profile`` and nothing else."""
        return apply_profile({}, profile)

    @staticmethod
    def secret_problem(scheme: str, secret: str, options: dict[str, Any] | None) -> str | None:
        """Why ``secret`` cannot sign under ``scheme`` (the API's and the CLI's rule)."""
        return secret_problem(scheme, secret, options)

    def reload(self) -> None:
        self.queries.run("list", lambda: reads.subscriptions(self.store), self.listed.emit)

    def load(self, sub_id: str) -> None:
        self.queries.run("detail", lambda: reads.subscription_for_editor(self.store, sub_id),
                         if_found(self.loaded.emit))

    def validate(self, form: SubscriptionForm, fixed: Fixed | None
                 ) -> tuple[dict[str, Any], dict[str, str]]:
        """The rules the API and the CLI apply (core/validation.py). A profile's scheme is
        not one of the editor's choices: its secret is checked under the profile's scheme and
        options, and the stored scheme is left as it is."""
        fields, errors = validate_subscription(form)
        if fixed is not None:
            fields.pop("scheme", None)
            errors.pop("scheme", None)
            errors.pop("secret", None)
            if problem := secret_problem(fixed[0], form.secret.strip(), fixed[1]):
                errors["secret"] = problem
        return fields, errors

    def save(self, sub_id: str | None, secret: str, fields: dict[str, Any], *,
             profile: str | None = None, fixed: Fixed | None = None) -> str:
        """``profile`` picked: stored as the API stores it (``apply_profile``; the form's
        retry, timeout and rates win, as fields given to the API do). A profile whose file is
        gone keeps what is stored. No profile and no ``fixed`` scheme: the person's scheme,
        and a profile picked before is let go."""
        fields = dict(fields)
        known = self.profile(profile) if profile else None
        if known is not None:
            apply_profile(fields, known)
        elif profile is None and fixed is None:
            fields.update(profile=None, scheme_options=None)
        if sub_id is None:
            sub_id = create_subscription(self.store, secret=secret, **fields)
        else:
            update_subscription(self.store, sub_id, **fields)
        self.saved.emit(sub_id)
        return sub_id

    def rotate(self, sub_id: str, new_secret: str) -> float:
        """Make ``new_secret`` current; returns when the previous one stops signing."""
        return rotate_secret(self.store, sub_id, new_secret)

    def describe(self, sub_id: str, then: Callable[[str, int], None]) -> None:
        """``then(url, deliveries)`` for the question before deleting."""
        self.queries.run("describe", lambda: reads.subscription_and_deliveries(self.store, sub_id),
                         if_found(then))

    def delete(self, sub_id: str) -> None:
        from webhook_studio.store import NotFound

        # already gone (the API, another window): the list catches up on the next reload
        with contextlib.suppress(NotFound):
            delete_subscription(self.store, sub_id)
        self.deleted.emit(sub_id)
