"""A run's plan: the specs table, its subtasks and the groundings judged for each (with the accepted ones' shares)."""

from typing import Any

from benchagent.signatures import SubtaskDraft
from benchagent.store.db import Store, decode, new_id, now


def save_plan(store: Store, run_id: str, scope: dict[str, Any], document: dict[str, Any],
              subtasks: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> str:
    """The spec (scope and document), each subtask row with its groundings, in one transaction: a crash leaves all or
    none. Returns the spec id."""
    spec_id = new_id("spec")
    with store.transaction():
        store.insert("specs", {"id": spec_id, "run_id": run_id, "version": 1, "scope": scope, "spec": document,
                               "created_at": now()})
        for subtask, groundings in subtasks:
            subtask_id = new_id("sub")
            store.insert("subtasks", {"id": subtask_id, "run_id": run_id, "spec_id": spec_id, **subtask})
            store.insert_many("groundings", [{"id": new_id("grd"), "run_id": run_id, "subtask_id": subtask_id, **g}
                                             for g in groundings])
    return spec_id


def latest_spec(store: Store, run_id: str) -> dict[str, Any] | None:
    """The run's newest spec row, scope and spec decoded; None before planning."""
    return decode(store.one("SELECT * FROM specs WHERE run_id = ? ORDER BY version DESC LIMIT 1", (run_id,)))


def planned_subtasks(store: Store, spec_id: str) -> list[dict[str, Any]]:
    """The spec's subtasks that have a quota, in the order they were planned."""
    return [decode(r) for r in store.query("SELECT * FROM subtasks WHERE spec_id = ? AND quota > 0 ORDER BY rowid",
                                           (spec_id,))]


def accepted_groundings(store: Store, subtask_id: str) -> list[dict[str, Any]]:
    """The subtask's accepted groundings, best score first."""
    return [decode(r) for r in store.query("SELECT * FROM groundings WHERE subtask_id = ? AND accepted = 1 "
                                           "ORDER BY score DESC", (subtask_id,))]


def subtask_draft(row: dict[str, Any], facets: list[str] = ()) -> SubtaskDraft:
    """A subtask row (modalities decoded) as the draft the agents work from."""
    return SubtaskDraft(key=row["key"], name=row["name"], description=row["description"],
                        capability=row["capability"] or "", modalities=row["modalities"],
                        answer_type=row["answer_type"], rationale=row["rationale"] or "", facets=list(facets))
