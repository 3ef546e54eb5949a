"""Persistence: SQLAlchemy 2.0 models, sessions, schema versioning, queries."""

from webhook_studio.store.database import Store, default_data_dir, default_db_path, open_store
from webhook_studio.store.db_errors import DbErrorKind, classify
from webhook_studio.store.errors import (
    DuplicateRecord,
    NotFound,
    SchemaTooNewError,
    StoreError,
    StoreUnavailable,
    UnusableDatabase,
)

__all__ = [
    "DbErrorKind",
    "DuplicateRecord",
    "NotFound",
    "SchemaTooNewError",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "UnusableDatabase",
    "classify",
    "default_data_dir",
    "default_db_path",
    "open_store",
]
