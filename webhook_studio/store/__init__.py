"""Persistence: SQLAlchemy 2.0 models, sessions, schema versioning, queries."""

from webhook_studio.store.database import Store, default_data_dir, default_db_path, open_store
from webhook_studio.store.errors import (
    NotFound,
    SchemaTooNewError,
    StoreError,
    StoreUnavailable,
    UnusableDatabase,
)

__all__ = [
    "NotFound",
    "SchemaTooNewError",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "UnusableDatabase",
    "default_data_dir",
    "default_db_path",
    "open_store",
]
