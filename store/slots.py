"""The slots table: one (subtask, source, record, seed) a build tries to realize, and how it ended."""

from typing import Any

from benchagent.store.db import Store, new_id


def open_slot(store: Store, run_id: str, *, subtask_id: str, source_id: str, grounding_id: str, record_index: int,
              seed: int) -> str:
    """A new pending slot; returns its id."""
    slot_id = new_id("slot")
    store.insert("slots", {"id": slot_id, "run_id": run_id, "subtask_id": subtask_id, "source_id": source_id,
                           "grounding_id": grounding_id, "record_index": record_index, "seed": seed,
                           "status": "pending"})
    return slot_id


def close_slot(store: Store, slot_id: str, status: str, reason: str | None, category: str | None) -> None:
    """The slot's outcome: accepted, rejected or failed, with its reason and the reason's category."""
    store.update("slots", slot_id, {"status": status, "reason": reason, "category": category})


def run_slots(store: Store, run_id: str) -> list[dict[str, Any]]:
    """Every slot of the run, in the order they were opened."""
    return store.query("SELECT * FROM slots WHERE run_id = ? ORDER BY rowid", (run_id,))
