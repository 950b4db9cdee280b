"""SQLite provenance store: schema, migrations, writer and lineage queries."""

from benchagent.store.db import SCHEMA_VERSION, Store, open_store
from benchagent.store.errors import CorruptDatabaseError, NewerSchemaError, NotAStoreError, StoreError, StorePathError

__all__ = [
    "SCHEMA_VERSION",
    "Store",
    "open_store",
    "StoreError",
    "StorePathError",
    "CorruptDatabaseError",
    "NewerSchemaError",
    "NotAStoreError",
]
