"""The one context object built by the composition roots (``app.py``, ``cli``) and passed down.

No module-level singletons: whatever needs the store, the clock or the settings gets this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from webhook_studio.core.clock import Clock, SystemClock
from webhook_studio.store import Store, default_data_dir, open_store


@dataclass
class AppContext:
    """Settings, store and clock for one process. Engines are added by their owners."""

    store: Store
    data_dir: Path
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def open(cls, db: str | Path | None = None, *, data_dir: Path | None = None,
             clock: Clock | None = None) -> AppContext:
        """Open the store (default location unless ``db`` is given) and build the context."""
        base = data_dir or (Path(db).expanduser().resolve().parent
                            if db is not None and "://" not in str(db) else default_data_dir())
        base.mkdir(parents=True, exist_ok=True)
        return cls(store=open_store(db), data_dir=base, clock=clock or SystemClock())

    def close(self) -> None:
        self.store.dispose()
