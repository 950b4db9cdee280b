"""The provenance tables: steps (planner stages and module calls), with the LM and tool calls made in them."""

import json
from typing import Any

from benchagent.store.db import Store, new_id, now


def open_stage(store: Store, run_id: str, stage: str) -> str:
    """A running step for a planner stage; returns its id."""
    step_id = new_id("step")
    store.insert("steps", {"id": step_id, "run_id": run_id, "stage": stage, "name": stage, "kind": "stage",
                           "status": "running", "started_at": now()})
    return step_id


def end_step(store: Store, step_id: str, **ended: Any) -> None:
    """A step's status, error, duration_ms and outputs once it has ended."""
    store.update("steps", step_id, ended)


def save_calls(store: Store, records: dict[str, list[dict[str, Any]]], sample_id: str | None = None) -> None:
    """Rows of steps, lm_calls and tool_calls ({table: rows}) in one transaction, parents first (calls point at
    steps), each linked to sample_id (None: to no sample)."""
    with store.transaction():
        for table in ("steps", "lm_calls", "tool_calls"):
            store.insert_many(table, [{**row, "sample_id": sample_id} for row in records.get(table, [])])


def unreadable_replies(store: Store, run_id: str, predictors: list[str]) -> int:
    """How many steps of the run that ran one of the predictors (dotted names) failed because the model's reply could
    not be parsed."""
    return store.one("SELECT count(*) AS n FROM steps WHERE run_id = ? AND status = 'failed' "
                     "AND predictor IN (SELECT value FROM json_each(?)) AND error LIKE 'AdapterParseError%'",
                     (run_id, json.dumps(predictors)))["n"]


def last_inputs(store: Store, predictors: list[str], step_names: list[str],
                sample_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The inputs of the last successful step of each sample that ran one of the predictors (dotted names), or, for
    steps recorded before builds named their predictors, that is called one of step_names."""
    rows = store.query("SELECT sample_id, inputs FROM steps WHERE (predictor IN (SELECT value FROM json_each(?)) "
                       "OR (predictor IS NULL AND name IN (SELECT value FROM json_each(?)))) AND status = 'ok' "
                       "AND sample_id IN (SELECT value FROM json_each(?)) ORDER BY started_at, rowid",
                       (json.dumps(predictors), json.dumps(step_names), json.dumps(sample_ids)))
    return {row["sample_id"]: json.loads(row["inputs"] or "{}") for row in rows}
