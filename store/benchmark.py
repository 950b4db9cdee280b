"""A run's accepted samples as a benchmark: rows with their subtask, source and images, for export and evaluation."""

from typing import Any

from benchagent.store.db import Store
from benchagent.store.errors import NotFoundError, StoreError
from benchagent.store.reports import ACCEPTED


class EmptyRunError(StoreError):
    """The run exists but holds no accepted sample."""


def accepted_rows(store: Store, run_id: str) -> list[dict[str, Any]]:
    """Each accepted sample of run_id, oldest first, with its subtask's key, name and answer type, its source's name
    and license, and `images` ({asset name: PNG bytes}); NotFoundError or EmptyRunError when there is none."""
    if store.one("SELECT 1 FROM runs WHERE id = ?", (run_id,)) is None:
        raise NotFoundError(f"no run {run_id!r} in {store.path}")
    marks = ", ".join("?" for _ in ACCEPTED)
    rows = store.query(
        "SELECT s.*, t.key AS subtask, t.name AS subtask_name, t.answer_type, t.modalities AS subtask_modalities, "
        "  c.name AS source_name, c.kind AS source_kind, c.license AS source_license "
        "FROM samples s JOIN subtasks t ON t.id = s.subtask_id LEFT JOIN sources c ON c.id = s.source_id "
        f"WHERE s.run_id = ? AND s.status IN ({marks}) ORDER BY s.created_at, s.rowid", (run_id, *ACCEPTED))
    if not rows:
        raise EmptyRunError(f"run {run_id!r} has no accepted sample to use")
    images: dict[str, dict[str, bytes]] = {}
    for asset in store.query(
            "SELECT a.sample_id, a.name, a.content FROM assets a JOIN samples s ON s.id = a.sample_id "
            f"WHERE s.run_id = ? AND s.status IN ({marks}) AND a.mime = 'image/png' ORDER BY a.name, a.rowid",
            (run_id, *ACCEPTED)):
        images.setdefault(asset["sample_id"], {})[asset["name"]] = asset["content"]
    return [{**row, "images": images.get(row["id"], {})} for row in rows]
