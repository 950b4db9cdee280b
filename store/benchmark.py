"""A run's accepted samples as a benchmark: rows with their subtask, source and images, for export and evaluation."""

import json
from typing import Any

from benchagent.store.db import Store, decode
from benchagent.store.errors import NotFoundError, StoreError
from benchagent.store.reports import ACCEPTED
from benchagent.store.runs import get_run
from benchagent.store.samples import sample_images


class EmptyRunError(StoreError):
    """The run exists but holds no accepted sample."""


def accepted_rows(store: Store, run_id: str) -> list[dict[str, Any]]:
    """Each accepted sample of run_id, oldest first, JSON columns decoded, with its subtask's key, name and answer
    type, its source's name and license, and `images` ({asset name: PNG bytes}); NotFoundError or EmptyRunError
    when there is none."""
    if get_run(store, run_id) is None:
        raise NotFoundError(f"no run {run_id!r} in {store.path}")
    marks = ", ".join("?" for _ in ACCEPTED)
    rows = store.query(
        "SELECT s.*, t.key AS subtask, t.name AS subtask_name, t.answer_type, t.modalities AS subtask_modalities, "
        "  c.name AS source_name, c.kind AS source_kind, c.license AS source_license "
        "FROM samples s JOIN subtasks t ON t.id = s.subtask_id LEFT JOIN sources c ON c.id = s.source_id "
        f"WHERE s.run_id = ? AND s.status IN ({marks}) ORDER BY s.created_at, s.rowid", (run_id, *ACCEPTED))
    if not rows:
        raise EmptyRunError(f"run {run_id!r} has no accepted sample to use")
    images = sample_images(store, [row["id"] for row in rows])
    return [{**decode(row), "images": images.get(row["id"], {})} for row in rows]


def verdict_counts(store: Store, sample_ids: list[str]) -> list[dict[str, Any]]:
    """Per verdict (stage, name) over the samples: how many passed of how many checked."""
    return store.query("SELECT stage, name, sum(passed) AS passed, count(*) AS checked FROM verdicts "
                       "WHERE sample_id IN (SELECT value FROM json_each(?)) GROUP BY stage, name ORDER BY stage, name",
                       (json.dumps(sample_ids),))
