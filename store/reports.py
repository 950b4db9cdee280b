"""Run reports: counts per subtask and status, quota against delivery, LM cost per accepted sample."""

from collections import Counter
from typing import Any

from benchagent.store.db import Store, decode
from benchagent.store.errors import NotFoundError
from benchagent.store.plans import latest_spec
from benchagent.store.runs import get_run

ACCEPTED = ("ok", "fixed")


def latest_run_id(store: Store) -> str:
    row = store.one("SELECT id FROM runs ORDER BY started_at DESC LIMIT 1")
    if row is None:
        raise NotFoundError(f"{store.path} holds no run yet")
    return row["id"]


def run_summary(store: Store, run_id: str) -> dict[str, Any]:
    run = get_run(store, run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id!r} in {store.path}")
    subtasks = store.query(
        "SELECT t.key, t.name, t.answer_type, t.quota, "
        "  (SELECT count(*) FROM samples s WHERE s.subtask_id = t.id AND s.status IN ('ok', 'fixed')) AS accepted, "
        "  (SELECT count(*) FROM samples s WHERE s.subtask_id = t.id AND s.status = 'rejected') AS rejected, "
        "  (SELECT count(*) FROM slots l WHERE l.subtask_id = t.id AND l.status = 'failed') AS failed, "
        "  (SELECT count(*) FROM lm_calls c JOIN slots l ON c.slot_id = l.id WHERE l.subtask_id = t.id) AS lm_calls, "
        "  (SELECT coalesce(sum(coalesce(c.prompt_tokens, 0) + coalesce(c.completion_tokens, 0)), 0) "
        "     FROM lm_calls c JOIN slots l ON c.slot_id = l.id WHERE l.subtask_id = t.id) AS tokens "
        "FROM subtasks t WHERE t.run_id = ? AND t.spec_id = ("
        "  SELECT id FROM specs WHERE run_id = ? ORDER BY version DESC LIMIT 1) ORDER BY t.rowid",
        (run_id, run_id),
    )
    stages = store.query(
        "SELECT coalesce(stage, '-') AS stage, count(*) AS lm_calls, sum(cache_hit) AS cache_hits, "
        "  coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens, "
        "  coalesce(sum(cached_tokens), 0) AS cached_tokens, sum(cost) AS cost, "
        "  round(sum(latency_ms) / 1000.0, 1) AS lm_seconds "
        "FROM lm_calls WHERE run_id = ? GROUP BY stage ORDER BY min(created_at)",
        (run_id,),
    )
    accepted = sum(s["accepted"] for s in subtasks)
    for stage in stages:
        stage["calls_per_accepted"] = round(stage["lm_calls"] / accepted, 2) if accepted else None
        stage["tokens_per_accepted"] = (round((stage["prompt_tokens"] + stage["completion_tokens"]) / accepted, 1)
                                        if accepted else None)
    calls = sum(s["lm_calls"] for s in stages)
    tokens = sum(s["prompt_tokens"] + s["completion_tokens"] for s in stages)
    costs = [s["cost"] for s in stages if s["cost"] is not None]

    def per(v):
        return round(v / accepted, 1) if accepted else None

    return {
        "run": run,
        "subtasks": subtasks,
        "stages": stages,
        "totals": {
            "target": run["size"], "accepted": accepted,
            "rejected": sum(s["rejected"] for s in subtasks), "failed": sum(s["failed"] for s in subtasks),
            "lm_calls": calls, "tokens": tokens, "cost": sum(costs) if costs else None,
            "lm_calls_per_accepted": per(calls), "tokens_per_accepted": per(tokens),
            "wall_s": run["wall_s"],
        },
        "program": decode(store.one(
            "SELECT id, optimizer, json_array_length(train_sample_ids) AS n_train, created_at "
            "FROM programs WHERE id = ?",
            (run["program_id"],))) if run.get("program_id") else None,
        "intent": _intent(store, run_id),
        "shortfalls": _shortfalls(store, run_id, subtasks),
        "unplaced": _unplaced(store, run_id),
        "image_items_checked_as_text": 0 if run["settings"].get("vision") else store.one(
            "SELECT count(DISTINCT s.id) AS n FROM samples s JOIN assets a ON a.sample_id = s.id "
            "WHERE s.run_id = ? AND s.status IN ('ok', 'fixed')", (run_id,))["n"],
        "rejection_reasons": store.query(
            "SELECT v.stage, v.name, count(*) AS count FROM verdicts v JOIN samples s ON s.id = v.sample_id "
            "WHERE v.run_id = ? AND s.status = 'rejected' AND v.passed = 0 AND v.severity IN ('fatal', 'major') "
            "GROUP BY v.stage, v.name ORDER BY count DESC",
            (run_id,),
        ),
    }


def _shortfalls(store: Store, run_id: str, subtasks: list[dict]) -> list[dict]:
    """Each subtask short of its quota, with its attempts and why its slots failed or were rejected."""
    result = []
    for subtask in subtasks:
        missing = subtask["quota"] - subtask["accepted"]
        if missing <= 0:
            continue
        slots = store.query("SELECT s.status, s.category FROM slots s JOIN subtasks t ON t.id = s.subtask_id "
                            "WHERE s.run_id = ? AND t.key = ?", (run_id, subtask["key"]))
        reasons = Counter(r["category"] or r["status"] for r in slots if r["status"] in ("failed", "rejected"))
        pending = sum(1 for r in slots if r["status"] == "pending")
        result.append({"subtask": subtask["key"], "missing": missing, "attempts": len(slots), "unfinished": pending,
                       "reasons": dict(reasons.most_common())})
    return result


def _intent(store: Store, run_id: str) -> dict | None:
    """The requirement as planned: items' language, the stated interpretation, each facet with the subtasks that
    carry it, and the facets nothing carries with their reasons; None before planning."""
    row = latest_spec(store, run_id)
    if row is None:
        return None
    scope, document = row["scope"] or {}, row["spec"] or {}
    spec = document.get("spec") or {}
    carriers = document.get("facet_carriers")
    if carriers is None:  # an edited spec: the subtasks' own lists say what they carry
        carriers = {f["key"]: [s["key"] for s in spec.get("subtasks", []) if f["key"] in (s.get("facets") or [])]
                    for f in scope.get("facets") or []}
    return {"language": scope.get("language", "English"), "interpretation": scope.get("interpretation", ""),
            "facets": [{**f, "carried_by": carriers.get(f["key"], [])} for f in scope.get("facets") or []],
            "gaps": spec.get("gaps") or []}


def _unplaced(store: Store, run_id: str) -> dict | None:
    """Samples the planner could not place on any source, with its reasons; None when all were placed."""
    row = latest_spec(store, run_id)
    document = row["spec"] if row else {}
    if not document.get("unfillable"):
        return None
    return {"count": document["unfillable"], "reasons": document.get("unfillable_reasons") or {}}


def reviews_by_program(store: Store) -> list[dict[str, Any]]:
    """Per program version that made reviewed samples ('uncompiled' for none), oldest first: samples reviewed and
    accepted, under each sample's latest review."""
    return store.query(
        "WITH latest AS (SELECT sample_id, decision, row_number() OVER (PARTITION BY sample_id "
        "  ORDER BY created_at DESC, rowid DESC) AS n FROM reviews) "
        "SELECT coalesce(s.program_id, 'uncompiled') AS program, count(*) AS reviewed, "
        "  count(CASE WHEN l.decision = 'accept' THEN 1 END) AS accepted "
        "FROM latest l JOIN samples s ON s.id = l.sample_id WHERE l.n = 1 "
        "GROUP BY s.program_id ORDER BY min(s.created_at)")


def gallery_rows(store: Store, run_id: str, limit: int) -> list[dict[str, Any]]:
    """Up to limit samples of the run, accepted ones first then oldest first, JSON columns decoded, with their
    subtask key and first PNG (`png`, None when none)."""
    rows = store.query(
        "SELECT s.id, s.status, s.question, s.options, s.answer, s.input, t.key AS subtask, "
        "  (SELECT a.content FROM assets a WHERE a.sample_id = s.id AND a.mime = 'image/png' "
        "   ORDER BY a.name, a.rowid LIMIT 1) AS png "
        "FROM samples s JOIN subtasks t ON t.id = s.subtask_id WHERE s.run_id = ? "
        "ORDER BY s.status = 'rejected', s.created_at LIMIT ?", (run_id, limit))
    return [{**decode(row), "png": row["png"]} for row in rows]
