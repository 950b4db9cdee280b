"""Opening the SQLite file: path checks, WAL, migrations and the newer-schema guard."""

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchagent.store.errors import CorruptDatabaseError, NewerSchemaError, StorePathError
from benchagent.store.migrations import migration_scripts

SCHEMA_VERSION = len(migration_scripts())

_JSON_COLUMNS = {
    "settings", "scope", "spec", "modalities", "sample_schema", "fields", "card", "plan", "scores",
    "record", "brief", "options", "input", "output", "reasons", "state", "train_sample_ids",
    "metrics", "inputs", "outputs", "messages", "args", "result",
}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _encode(row: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if key in _JSON_COLUMNS and value is not None and not isinstance(value, str):
            value = to_json(value)
        out[key] = value
    return out


class Store:
    """One SQLite database; writes are serialized by a lock so worker threads can share it."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._lock = threading.RLock()

    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        self.insert_many(table, [row])

    def insert_many(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = [_encode(r) for r in rows]
        if not rows:
            return
        columns = list(rows[0])
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        with self.transaction():
            self.conn.executemany(sql, [tuple(r[c] for c in columns) for r in rows])

    def update(self, table: str, row_id: str, values: Mapping[str, Any]) -> None:
        values = _encode(values)
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self._lock:
            self.conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*values.values(), row_id))

    def transaction(self):
        """A context manager holding the write lock and one SQLite transaction (autocommit otherwise)."""
        return _Transaction(self)

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self.conn.execute(sql, tuple(params))
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

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
            self.store.conn.execute("BEGIN IMMEDIATE")
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
    if not path.parent.exists():
        raise StorePathError(f"folder {path.parent} does not exist (database path {path})")


def _user_version(conn: sqlite3.Connection, path: Path) -> int:
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabaseError(f"{path} is not a readable SQLite database ({exc})") from None
    return version


def open_store(path: str | Path, *, create: bool = True, readonly: bool = False) -> Store:
    """Open (and migrate) the database at path; refuse a newer schema or a corrupt file."""
    path = Path(path)
    _check_path(path)
    if not path.exists() and (not create or readonly):
        raise StorePathError(f"database {path} does not exist")
    uri = f"file:{path}?mode=ro" if readonly else str(path)
    try:
        conn = sqlite3.connect(uri, uri=readonly, check_same_thread=False, isolation_level=None, timeout=30)
    except sqlite3.OperationalError as exc:
        raise StorePathError(f"cannot open {path}: {exc}") from None
    version = _user_version(conn, path)
    if version > SCHEMA_VERSION:
        conn.close()
        raise NewerSchemaError(
            f"{path} has schema version {version}, newer than this benchagent's {SCHEMA_VERSION}; upgrade benchagent"
        )
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big transactions stay off the WAL until commit
            _migrate(conn, version)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise CorruptDatabaseError(f"{path} is not a readable SQLite database ({exc})") from None
    elif version < SCHEMA_VERSION:
        conn.close()
        raise StorePathError(f"{path} has schema version {version}; open it once for writing to migrate it")
    return Store(conn, path)


def _migrate(conn: sqlite3.Connection, current: int) -> None:
    for number, script in migration_scripts():
        if number <= current:
            continue
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.DatabaseError:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                continue  # another process applied it while this one waited for the write lock
            raise
