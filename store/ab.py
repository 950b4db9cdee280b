"""Paired builds (one spec and seed, without and with a compiled program) and the reviews that follow them."""

import json
from typing import Any

from benchagent.store.db import Store, new_id, now
from benchagent.store.errors import NotFoundError

# The latest review of every accepted sample of a run, and its reason.
_REVIEWED = """
SELECT s.id, r.decision, trim(coalesce(r.reason, '')) AS reason
FROM samples s JOIN (SELECT sample_id, decision, reason,
                            row_number() OVER (PARTITION BY sample_id ORDER BY created_at DESC, rowid DESC) AS n
                     FROM reviews) r ON r.sample_id = s.id AND r.n = 1
WHERE s.run_id = ? AND s.status IN ('ok', 'fixed')
"""


# Runs in no pair yet with their first spec, newest first: the sides an interrupted `ab run` left behind.
_UNPAIRED = """
SELECT r.id, r.status, s.spec FROM runs r JOIN specs s ON s.run_id = r.id AND s.version = (
    SELECT min(version) FROM specs WHERE run_id = r.id)
WHERE r.seed = ? AND r.size = ? AND r.program_id IS ? AND r.status != 'planned'
  AND r.id NOT IN (SELECT plain_run_id FROM ab_pairs UNION SELECT compiled_run_id FROM ab_pairs)
ORDER BY r.started_at DESC, r.rowid DESC
"""


def unpaired_run(store: Store, spec: dict[str, Any], seed: int, size: int, program_id: str | None) -> dict | None:
    """The newest run in no pair built from this spec (as dumped), seed, size and program, or None: a side an
    interrupted `ab run` finished or left part-built."""
    for row in store.query(_UNPAIRED, (seed, size, program_id)):
        if json.loads(row["spec"]).get("spec") == spec:
            return {"id": row["id"], "status": row["status"]}
    return None


def save_pair(store: Store, program_id: str, plain_run_id: str, compiled_run_id: str, seed: int) -> str:
    pair_id = new_id("pair")
    store.insert("ab_pairs", {"id": pair_id, "program_id": program_id, "plain_run_id": plain_run_id,
                              "compiled_run_id": compiled_run_id, "seed": seed, "created_at": now()})
    return pair_id


def get_pair(store: Store, pair_id: str) -> dict[str, Any]:
    """A pair by id, or the latest one for 'latest'; NotFoundError when there is none."""
    rows = store.query("SELECT * FROM ab_pairs WHERE id = ? OR (? = 'latest' AND id = (SELECT id FROM ab_pairs "
                       "ORDER BY created_at DESC, rowid DESC LIMIT 1))", (pair_id, pair_id))
    if not rows:
        raise NotFoundError(f"no paired build {pair_id!r} in {store.path}" if pair_id != "latest"
                            else f"{store.path} holds no paired build: run `benchagent ab` first")
    return rows[0]


def _side(store: Store, run_id: str) -> dict[str, Any]:
    delivered = store.query("SELECT count(*) AS n FROM samples WHERE run_id = ? AND status IN ('ok', 'fixed')",
                            (run_id,))[0]["n"]
    reviews = store.query(_REVIEWED, (run_id,))
    accepted = sum(r["decision"] == "accept" for r in reviews)
    reasons: dict[str, int] = {}
    for r in reviews:
        if r["decision"] == "reject":
            reasons[r["reason"] or "(no reason given)"] = reasons.get(r["reason"] or "(no reason given)", 0) + 1
    return {"run_id": run_id, "delivered": delivered, "reviewed": len(reviews), "accepted": accepted,
            "acceptance": round(accepted / len(reviews), 4) if reviews else None, "rejections": reasons}


def pair_figures(store: Store, pair_id: str) -> dict[str, Any]:
    """Both sides of a pair: samples delivered and reviewed, acceptance under the latest reviews, rejections counted
    by reason; and the reasons side by side."""
    pair = get_pair(store, pair_id)
    plain, compiled = _side(store, pair["plain_run_id"]), _side(store, pair["compiled_run_id"])
    reasons = sorted(set(plain["rejections"]) | set(compiled["rejections"]),
                     key=lambda r: (-plain["rejections"].get(r, 0), r))
    return {**pair, "plain": plain, "compiled": compiled,
            "reasons": [{"reason": r, "plain": plain["rejections"].get(r, 0),
                         "compiled": compiled["rejections"].get(r, 0)} for r in reasons]}
