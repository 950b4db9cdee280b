"""The runs table: a build's requirement, settings and lifecycle (planning, running, done, failed, interrupted)."""

from typing import Any

from benchagent.store.db import Store, decode, now


def create_run(store: Store, run_id: str, *, requirement: str, size: int, model: str, seed: int,
               settings: dict[str, Any], program_id: str | None) -> None:
    """A new run, 'planning' from now; settings never hold secrets."""
    store.insert("runs", {"id": run_id, "requirement": requirement, "size": size, "model": model, "seed": seed,
                          "status": "planning", "started_at": now(), "settings": settings, "program_id": program_id})


def get_run(store: Store, run_id: str) -> dict[str, Any] | None:
    """The run with its settings decoded ({} when none were stored), or None."""
    run = decode(store.one("SELECT * FROM runs WHERE id = ?", (run_id,)))
    return run and {**run, "settings": run["settings"] or {}}


def update_run(store: Store, run_id: str, **values: Any) -> None:
    """Set the run's status, error, wall_s or finished_at."""
    store.update("runs", run_id, values)

