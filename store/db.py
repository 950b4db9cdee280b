"""The Store (sqlite-utils over one SQLite file, a context manager) and opening it: path checks, WAL, migrations
and the newer-schema guard."""

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchagent.store.sqlite import Database

from benchagent.store.errors import (CorruptDatabaseError, NewerSchemaError, NotAStoreError, StoreBusyError,
                                     StorePathError)
from benchagent.store.migrations import migrations, upgrade

SCHEMA_VERSION = len(migrations())
BUSY_TIMEOUT_ENV = "BENCHAGENT_BUSY_TIMEOUT"
_SQLITE_MAGIC = b"SQLite format 3\x00"

JSON_COLUMNS = {  # decoded on reading; sqlite-utils stores lists and dicts as JSON
    "settings", "scope", "spec", "modalities", "sample_schema", "fields", "card", "plan", "scores",
    "record", "brief", "options", "input", "output", "reasons", "state", "train_sample_ids",
    "metrics", "inputs", "outputs", "messages", "args", "result",
}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def decode(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """Parse the JSON columns of a row; BLOB columns are left out."""
    if row is None:
        return None
    out = {}
    for key, value in row.items():
        if isinstance(value, bytes):
            continue
        if key in JSON_COLUMNS and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[key] = value
    return out


def busy_timeout() -> float:
    """Seconds to wait for another process's lock before giving up: $BENCHAGENT_BUSY_TIMEOUT, 30 by default."""
    value = os.environ.get(BUSY_TIMEOUT_ENV, "30")
    try:
        return max(0.0, float(value))
    except ValueError:
        raise StorePathError(f"{BUSY_TIMEOUT_ENV} must be a number of seconds, got {value!r}") from None


@contextmanager
def busy_as_error(path: Path):
    """Turn SQLite's "database is locked" into StoreBusyError, one line naming the file."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        raise StoreBusyError(f"{path} is busy: another process held its lock for over {busy_timeout():g} s; "
                             f"try again when it is done (or raise {BUSY_TIMEOUT_ENV})") from None


class Store:
    """One SQLite database, wrapped by sqlite-utils (lists and dicts are stored as JSON); writes are serialized by a
    lock so worker threads can share it. Closed on leaving a `with` block."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.db = Database(conn, execute_plugins=False)
        self.path = path
        self._lock = threading.RLock()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        self.insert_many(table, [row])

    def insert_many(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = list(rows)
        if rows:
            with self.transaction():
                self.db[table].insert_all(rows)

    def upsert_many(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert rows, or update the ones whose id is there already."""
        rows = list(rows)
        if rows:
            with self.transaction():
                self.db[table].upsert_all(rows, pk="id")

    def update(self, table: str, row_id: str, values: Mapping[str, Any]) -> None:
        with self.transaction():
            self.db[table].update(row_id, dict(values))

    def transaction(self):
        """A context manager holding the write lock and one SQLite transaction (autocommit otherwise)."""
        return _Transaction(self)

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self._lock, busy_as_error(self.path):
            cursor = self.conn.execute(sql, tuple(params))
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        with self._lock:
            self.conn.close()


class _Transaction:
    """BEGIN IMMEDIATE on entry, COMMIT or ROLLBACK on exit; nested use joins the outer transaction."""

    def __init__(self, store: Store):
        self.store = store
        self.outer = False

    def __enter__(self) -> Store:
        self.store._lock.acquire()
        self.outer = not self.store.conn.in_transaction
        if self.outer:
            try:
                with busy_as_error(self.store.path):
                    self.store.conn.execute("BEGIN IMMEDIATE")
            except StoreBusyError:
                self.store._lock.release()
                raise
        return self.store

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self.outer:
                self.store.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store._lock.release()


def _check_path(path: Path) -> None:
    if path.exists() and path.is_dir():
        raise StorePathError(f"database path {path} is a directory")
    if path.exists() and not path.is_file():
        raise StorePathError(f"database path {path} is not a regular file")
    if not path.parent.exists():
        raise StorePathError(f"folder {path.parent} does not exist (database path {path})")


def _uri(path: Path, **params: str) -> str:
    return path.resolve().as_uri() + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _store_version(path: Path) -> int:
    """The schema version of the benchagent database at path, read without changing the file or leaving files beside
    it; raise a StoreError for anything else (empty, another application's SQLite file, corrupt, newer)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise StorePathError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not header:
        raise NotAStoreError(f"{path} is an empty file, not a benchagent database")
    if header != _SQLITE_MAGIC:
        raise CorruptDatabaseError(f"{path} is not a readable SQLite database (file is not a database)")
    # Read-only still leaves -wal and -shm files behind on a WAL database; immutable opens none, and is exact
    # when no -wal file holds changes the database file lacks.
    params = {"mode": "ro"} if Path(f"{path}-wal").exists() else {"mode": "ro", "immutable": "1"}
    try:
        conn = sqlite3.connect(_uri(path, **params), uri=True, timeout=busy_timeout())
        try:
            with busy_as_error(path):
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabaseError(f"{path} is not a readable SQLite database ({exc})") from None
    if version < 1 or "runs" not in tables:  # every benchagent schema, from migration 1 on, has runs
        raise NotAStoreError(f"{path} is not a benchagent database (another application's SQLite file); "
                             "it was left as it was: give a new path or a benchagent database")
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{path} has schema version {version}, newer than this benchagent's {SCHEMA_VERSION}; upgrade benchagent"
        )
    return version


def check_store(path: str | Path, *, create: bool = False, readonly: bool = False) -> int:
    """The schema version of the benchagent database at path, or 0 where create may make a new one (the path does not
    exist yet); checks without changing anything, and raises a StoreError where open_store would refuse."""
    path = Path(path)
    _check_path(path)
    if not path.exists():
        if not create or readonly:
            raise StorePathError(f"database {path} does not exist")
        return 0
    version = _store_version(path)
    if readonly and version < SCHEMA_VERSION:
        raise StorePathError(f"{path} has schema version {version}; open it once for writing to migrate it")
    return version


def open_store(path: str | Path, *, create: bool = True, readonly: bool = False) -> Store:
    """Open the benchagent database at path, migrating an older one; with create, a path that does not exist yet
    becomes a new one. Anything else (an empty file, another application's database, a corrupt or newer one) is
    refused untouched."""
    path = Path(path)
    version = check_store(path, create=create, readonly=readonly)
    try:
        conn = sqlite3.connect(_uri(path, mode="ro") if readonly else str(path), uri=readonly,
                               check_same_thread=False, isolation_level=None, timeout=busy_timeout())
    except sqlite3.OperationalError as exc:
        raise StorePathError(f"cannot open {path}: {exc}") from None
    conn.execute("PRAGMA foreign_keys = ON")
    if readonly:
        return Store(conn, path)
    try:
        with busy_as_error(path):
            conn.execute("PRAGMA journal_mode = WAL")  # first: a new file holds a database header from here on
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big transactions stay off the WAL until commit
            store = Store(conn, path)
            upgrade(store.db, version)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CorruptDatabaseError(f"{path} is not a readable SQLite database ({exc})") from None
    except StoreBusyError:
        conn.close()
        raise
    return store
