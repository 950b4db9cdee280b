"""Lineage queries: everything that led to one sample."""

from typing import Any

from benchagent.store.db import Store, decode
from benchagent.store.errors import NotFoundError


def sample_lineage(store: Store, sample_id: str) -> dict[str, Any]:
    sample = decode(store.one("SELECT * FROM samples WHERE id = ?", (sample_id,)))
    if sample is None:
        raise NotFoundError(f"no sample {sample_id!r} in {store.path}")
    run_id, slot_id = sample["run_id"], sample["slot_id"]
    slot = decode(store.one("SELECT * FROM slots WHERE id = ?", (slot_id,)))
    many = lambda sql, *p: [decode(r) for r in store.query(sql, p)]  # noqa: E731
    planner_steps = "slot_id IS NULL AND run_id = ?"
    return {
        "sample": sample,
        "run": decode(store.one("SELECT * FROM runs WHERE id = ?", (run_id,))),
        "spec": decode(store.one("SELECT * FROM specs WHERE run_id = ? ORDER BY version DESC LIMIT 1", (run_id,))),
        "subtask": decode(store.one("SELECT * FROM subtasks WHERE id = ?", (sample["subtask_id"],))),
        "source": decode(store.one("SELECT id, name, kind, modalities, description, license FROM sources WHERE id = ?",
                                   (sample["source_id"],))),
        "slot": slot,
        "grounding": (decode(store.one("SELECT * FROM groundings WHERE id = ?", (slot["grounding_id"],)))
                      if slot else None),
        "assets": many("SELECT id, name, mime, width, height, sha256 FROM assets WHERE sample_id = ?", sample_id),
        "steps": many(f"SELECT * FROM steps WHERE slot_id = ? OR ({planner_steps}) ORDER BY started_at",
                      slot_id, run_id),
        "lm_calls": many(f"SELECT * FROM lm_calls WHERE slot_id = ? OR ({planner_steps}) ORDER BY created_at",
                         slot_id, run_id),
        "tool_calls": many("SELECT * FROM tool_calls WHERE slot_id = ? ORDER BY started_at", slot_id),
        "verdicts": many("SELECT * FROM verdicts WHERE sample_id = ? ORDER BY created_at", sample_id),
        "reviews": many("SELECT * FROM reviews WHERE sample_id = ? ORDER BY created_at", sample_id),
        "program": (decode(store.one("SELECT id, hash, parent_id, optimizer, train_sample_ids, metrics, created_at "
                                     "FROM programs WHERE id = ?", (sample["program_id"],)))
                    if sample["program_id"] else None),
    }
