"""Compiled program versions: DSPy state, its hash, parent, optimizer, training samples and figures."""

import hashlib
import json
from typing import Any

from benchagent.store.db import Store, decode, new_id, now
from benchagent.store.errors import NotFoundError

LATEST = "latest"
_NEWEST_FIRST = "ORDER BY created_at DESC, rowid DESC"


def state_hash(state: dict[str, Any]) -> str:
    """sha256 of the state as canonical JSON (sorted keys, compact separators)."""
    text = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def save_program(store: Store, *, state: dict[str, Any], optimizer: str, train_sample_ids: list[str],
                 metrics: dict[str, Any]) -> dict[str, Any]:
    """Store a compiled program as the new latest version; its parent is the previous latest. Returns the row."""
    with store.transaction() as tx:
        parent = tx.one(f"SELECT id FROM programs {_NEWEST_FIRST} LIMIT 1")
        row = {"id": new_id("prg"), "hash": state_hash(state), "parent_id": parent["id"] if parent else None,
               "optimizer": optimizer, "state": state, "train_sample_ids": sorted(train_sample_ids),
               "metrics": metrics, "created_at": now()}
        tx.insert("programs", row)
    return row


def get_program(store: Store, ref: str = LATEST) -> dict[str, Any]:
    """One program with its JSON columns parsed, by id or 'latest'; NotFoundError when there is none."""
    if ref == LATEST:
        row = store.one(f"SELECT * FROM programs {_NEWEST_FIRST} LIMIT 1")
        if row is None:
            raise NotFoundError(f"{store.path} holds no compiled program yet: run benchagent compile")
    else:
        row = store.one("SELECT * FROM programs WHERE id = ?", (ref,))
        if row is None:
            raise NotFoundError(f"no program {ref!r} in {store.path}")
    return decode(row)


def list_programs(store: Store) -> list[dict[str, Any]]:
    """Every program, oldest first, without its state; n_train counts its training samples."""
    rows = store.query("SELECT id, hash, parent_id, optimizer, train_sample_ids, metrics, created_at "
                       "FROM programs ORDER BY created_at, rowid")
    return [{**row, "n_train": len(row["train_sample_ids"] or [])} for row in map(decode, rows)]
