"""The Deliveries list's source with the filter language on top of its state box."""

from __future__ import annotations

from typing import Any

from webhook_studio.store.database import Store
from webhook_studio.store.filters import SyntaxFilter
from webhook_studio.store.pages import DeliverySource


class FilteredDeliverySource(DeliverySource):
    def __init__(self, store: Store, state: str | None = None,
                 syntax: SyntaxFilter | None = None) -> None:
        super().__init__(store, state)
        self.syntax = syntax

    def _filtered(self, query: Any) -> Any:
        query = super()._filtered(query)
        return self.syntax.apply(query) if self.syntax is not None else query
