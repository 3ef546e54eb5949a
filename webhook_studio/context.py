"""The one context object built by the composition roots (``app.py``, ``cli``) and passed down.

No module-level singletons: whatever needs the store, the clock, the settings or the provider
profiles gets this. Where files live is decided by :mod:`webhook_studio.paths`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from webhook_studio import paths
from webhook_studio.core.clock import Clock, SystemClock
from webhook_studio.private_files import make_private_dir
from webhook_studio.store import Store, open_store

if TYPE_CHECKING:
    from webhook_studio.profile_library import ProfileLibrary


@dataclass
class AppContext:
    """Settings, store, clock and profile library for one process. Engines are added by their
    owners."""

    store: Store
    data_dir: Path
    clock: Clock = field(default_factory=SystemClock)
    _profiles: ProfileLibrary | None = field(default=None, repr=False)

    @classmethod
    def open(cls, db: str | Path | None = None, *, data_dir: Path | None = None,
             clock: Clock | None = None, profiles: ProfileLibrary | None = None
             ) -> AppContext:
        """Open the store (default location unless ``db`` is given) and build the context.

        The per-user data folder is made (or tightened to) 0700: it holds the store, the API
        token and the TLS key. A folder the user chose (``--db``, ``WEBHOOK_STUDIO_DATA_DIR``)
        is created 0700 if missing but an existing one is left as it is (it may be a project
        folder). ``profiles`` is a
        library already loaded (by the CLI) for this data folder; otherwise it is read on
        first use."""
        chosen = paths.db_file_folder(db)
        base = paths.data_dir(db, data_dir)
        platform_default = data_dir is None and chosen is None and paths.env_data_dir() is None
        make_private_dir(base, tighten=platform_default)
        if db is None:
            db = base / paths.DB_FILENAME
        return cls(store=open_store(db), data_dir=base, clock=clock or SystemClock(),
                   _profiles=profiles)

    @property
    def profiles(self) -> ProfileLibrary:
        """The provider profiles (bundled and ``<data>/profiles``), read from disk once, on
        first use; :meth:`ProfileLibrary.reload` after a user profile is saved or imported."""
        if self._profiles is None:
            from webhook_studio.profile_library import ProfileLibrary

            self._profiles = ProfileLibrary.load(paths.profiles_dir(self.data_dir))
        return self._profiles

    def close(self) -> None:
        self.store.dispose()
