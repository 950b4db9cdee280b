"""Model predictions on a run's accepted samples: the evals table, written once per `benchagent eval`."""

from typing import Any

from benchagent.store.db import Store, new_id, now


def save_predictions(store: Store, run_id: str, predictions: list[dict[str, Any]]) -> str:
    """Write one evaluation's predictions (sample_id, model, model_rank, saw_image, raw_output, parsed_answer,
    correct, prompt_tokens, completion_tokens, latency_ms, error) in one transaction; returns its eval id."""
    eval_id, created = new_id("evl"), now()
    store.insert_many("evals", [{"id": new_id("prd"), "eval_id": eval_id, "run_id": run_id, **p, "created_at": created}
                                for p in predictions])
    return eval_id


def latest_predictions(store: Store, run_id: str) -> list[dict[str, Any]]:
    """The predictions of the run's latest evaluation, by model rank then sample, with each sample's subtask key
    and has_image; empty when the run was never evaluated."""
    return store.query(
        "SELECT e.*, t.key AS subtask, EXISTS (SELECT 1 FROM assets a WHERE a.sample_id = e.sample_id "
        "  AND a.mime = 'image/png') AS has_image FROM evals e JOIN samples s ON s.id = e.sample_id "
        "JOIN subtasks t ON t.id = s.subtask_id "
        "WHERE e.eval_id = (SELECT eval_id FROM evals WHERE run_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1) "
        "ORDER BY e.model_rank, e.rowid", (run_id,))
