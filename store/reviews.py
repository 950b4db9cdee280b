"""Human reviews of samples: validated writes to the reviews table, the queue still to review, and counts."""

import getpass
import json
from collections.abc import Iterable, Mapping
from typing import Any

from benchagent.signatures.inspect import INSPECTOR_CATEGORIES
from benchagent.store.db import Store, decode, new_id, now
from benchagent.store.errors import NotFoundError, StoreError
from benchagent.store.samples import sample_images

DECISIONS = ("accept", "reject")
_LATEST_REVIEWS = """
SELECT s.*, r.decision, r.reason AS review_reason, u.requirement, t.key, t.name, t.description, t.capability,
       t.modalities, t.answer_type, t.rationale
FROM (SELECT *, row_number() OVER (PARTITION BY sample_id ORDER BY created_at DESC, rowid DESC) AS n FROM reviews) r
JOIN samples s ON s.id = r.sample_id JOIN subtasks t ON t.id = s.subtask_id JOIN runs u ON u.id = s.run_id
WHERE r.n = 1 AND (?1 IS NULL OR s.run_id = ?1) ORDER BY s.id
"""
MAX_REASON = 2000
MAX_REVIEWER = 200


class ReviewError(StoreError):
    """Invalid reviews; problems holds (index in the batch, message) for each bad row."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "reviewer"


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _reason(value: Any) -> Any:
    """Free text with its spaces collapsed, or the inspector category it names ("Choice uniqueness")."""
    if not isinstance(value, str):
        return value
    text = _text(value)
    code = text.lower().replace(" ", "_").replace("-", "_")
    return code if code in INSPECTOR_CATEGORIES else text or None


def _normalize(row: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The row as it will be stored, and the first thing wrong with it (None when it is fine)."""
    sample_id, reviewer = _text(row.get("sample_id")), _text(row.get("reviewer"))
    decision = _text(row.get("decision")).lower()
    clean = {"sample_id": sample_id, "reviewer": reviewer, "decision": decision, "reason": _reason(row.get("reason"))}
    if not sample_id:
        return clean, "sample_id is missing or not text"
    if decision not in DECISIONS:
        return clean, f"decision must be accept or reject, got {row.get('decision')!r}"
    if not isinstance(clean["reason"], (str, type(None))):
        return clean, f"reason must be text, got {clean['reason']!r}"
    if decision == "reject" and not clean["reason"]:
        return clean, "a rejection needs a reason: an inspector category or free text"
    if len(clean["reason"] or "") > MAX_REASON:
        return clean, f"reason is longer than {MAX_REASON} characters"
    if not reviewer or len(reviewer) > MAX_REVIEWER:
        return clean, f"reviewer must be 1-{MAX_REVIEWER} characters"
    return clean, None


def check_reviews(store: Store, rows: Iterable[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """Every problem of rows as (index, message): bad values, unknown samples, a sample twice per reviewer."""
    rows = [_normalize(r) for r in rows]
    problems = [(i, problem) for i, (_, problem) in enumerate(rows) if problem]
    ids = sorted({r["sample_id"] for r, _ in rows if r["sample_id"]})
    known = {r["value"] for r in store.query(
        "SELECT j.value FROM json_each(?) j JOIN samples s ON s.id = j.value", (json.dumps(ids),))}
    seen = set()
    for i, (row, problem) in enumerate(rows):
        if problem:
            continue
        if row["sample_id"] not in known:
            problems.append((i, f"unknown sample {row['sample_id']!r}"))
        elif (row["sample_id"], row["reviewer"]) in seen:
            problems.append((i, f"sample {row['sample_id']!r} is reviewed twice by {row['reviewer']!r}"))
        seen.add((row["sample_id"], row["reviewer"]))
    return sorted(problems)


def add_reviews(store: Store, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Write every row ({sample_id, decision, reason, reviewer}) in one transaction, or none: raises ReviewError."""
    rows = list(rows)
    with store.transaction():
        problems = check_reviews(store, rows)
        if problems:
            raise ReviewError(problems)
        stored = [{"id": new_id("rev"), **_normalize(r)[0], "created_at": now()} for r in rows]
        store.insert_many("reviews", stored)
    return [r["id"] for r in stored]


def add_review(store: Store, sample_id: str, decision: str, reason: str | None, reviewer: str) -> str:
    """Write one review and return its id; NotFoundError for an unknown sample, ReviewError for a bad value."""
    if not isinstance(sample_id, str) or store.one("SELECT 1 FROM samples WHERE id = ?", (sample_id,)) is None:
        raise NotFoundError(f"no sample {sample_id!r} in {store.path}")
    row = {"sample_id": sample_id, "decision": decision, "reason": reason, "reviewer": reviewer}
    return add_reviews(store, [row])[0]


def _check_run(store: Store, run_id: str | None) -> None:
    if run_id is not None and store.one("SELECT 1 FROM runs WHERE id = ?", (run_id,)) is None:
        raise NotFoundError(f"no run {run_id!r} in {store.path}")


def pending_samples(store: Store, run_id: str | None = None, *, reviewer: str) -> list[dict[str, Any]]:
    """Samples (of run_id, or all runs) that reviewer has not reviewed, oldest first, with their first image id."""
    _check_run(store, run_id)
    rows = store.query(
        "SELECT s.id, s.run_id, t.name AS subtask, s.status, s.question, s.options, s.answer, s.record, "
        "  (SELECT a.id FROM assets a WHERE a.sample_id = s.id AND a.mime LIKE 'image/%' "
        "   ORDER BY a.name, a.id LIMIT 1) AS image_id "
        "FROM samples s LEFT JOIN subtasks t ON t.id = s.subtask_id "
        "WHERE (?1 IS NULL OR s.run_id = ?1) "
        "  AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.sample_id = s.id AND r.reviewer = ?2) "
        "ORDER BY s.created_at, s.id",
        (run_id, reviewer),
    )
    return [decode(r) for r in rows]


def review_counts(store: Store, run_id: str | None = None) -> dict[str, int]:
    """Samples of run_id (or all runs), how many were reviewed, and how many stand accepted or rejected by their
    latest review."""
    _check_run(store, run_id)
    return store.one(
        "WITH latest AS ("
        "  SELECT r.sample_id, r.decision, row_number() OVER ("
        "    PARTITION BY r.sample_id ORDER BY r.created_at DESC, r.rowid DESC) AS n FROM reviews r) "
        "SELECT count(*) AS samples, count(l.sample_id) AS reviewed, "
        "  count(CASE WHEN l.decision = 'accept' THEN 1 END) AS accept, "
        "  count(CASE WHEN l.decision = 'reject' THEN 1 END) AS reject "
        "FROM samples s LEFT JOIN latest l ON l.sample_id = s.id AND l.n = 1 "
        "WHERE ?1 IS NULL OR s.run_id = ?1",
        (run_id,),
    )


def reviewed_rows(store: Store, run_id: str | None = None) -> list[dict[str, Any]]:
    """Every reviewed sample (of one run, or all) by sample id, JSON columns decoded, with its latest decision and
    review_reason, its run's requirement, its subtask's columns and its `images`."""
    rows = [decode(r) for r in store.query(_LATEST_REVIEWS, (run_id,))]
    images = sample_images(store, [r["id"] for r in rows])
    return [{**row, "images": images.get(row["id"], {})} for row in rows]
