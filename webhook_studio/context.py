"""The one context object built by the composition roots (``app.py``, ``cli``) and passed down.

No module-level singletons: whatever needs the store, the clock or the settings gets this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from webhook_studio.core.clock import Clock, SystemClock
from webhook_studio.private_files import make_private_dir
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
        """Open the store (default location unless ``db`` is given) and build the context.

        The per-user data folder is made (or tightened to) 0700: it holds the store, the API
        token and the TLS key. A folder the user chose for ``--db`` is created 0700 if missing
        but an existing one is left as it is (it may be a project folder)."""
        chosen = Path(db).expanduser().resolve().parent if db and "://" not in str(db) else None
        base = data_dir or chosen or default_data_dir()
        make_private_dir(base, tighten=data_dir is None and chosen is None)
        return cls(store=open_store(db), data_dir=base, clock=clock or SystemClock())

    def close(self) -> None:
        self.store.dispose()
