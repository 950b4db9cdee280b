"""The steps table as the build reads and writes it outside the provenance callback: planner stages and what they
left."""

import json
from typing import Any

from benchagent.store.db import Store, new_id, now


def open_stage(store: Store, run_id: str, stage: str) -> str:
    """A running step for a planner stage; returns its id."""
    step_id = new_id("step")
    store.insert("steps", {"id": step_id, "run_id": run_id, "stage": stage, "name": stage, "kind": "stage",
                           "status": "running", "started_at": now()})
    return step_id


def close_step(store: Store, step_id: str, status: str, error: str | None, duration_ms: float) -> None:
    store.update("steps", step_id, {"status": status, "error": error, "duration_ms": duration_ms})


def unreadable_replies(store: Store, run_id: str, step_name: str) -> int:
    """How many steps called step_name of the run failed because the model's reply could not be parsed."""
    return store.one("SELECT count(*) AS n FROM steps WHERE run_id = ? AND name = ? AND status = 'failed' "
                     "AND error LIKE 'AdapterParseError%'", (run_id, step_name))["n"]


def last_inputs(store: Store, step_name: str, sample_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The inputs of the last successful step called step_name of each sample."""
    rows = store.query("SELECT sample_id, inputs FROM steps WHERE name = ? AND status = 'ok' "
                       "AND sample_id IN (SELECT value FROM json_each(?)) ORDER BY started_at, rowid",
                       (step_name, json.dumps(sample_ids)))
    return {row["sample_id"]: json.loads(row["inputs"] or "{}") for row in rows}
