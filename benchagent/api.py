"""The Python API the CLI mirrors: build, status, lineage."""

from pathlib import Path
from typing import Any

from benchagent.errors import InputError
from benchagent.settings import MAX_SIZE, MAX_SUBTASKS
from benchagent.store import open_store
from benchagent.store.lineage import sample_lineage
from benchagent.store.reports import latest_run_id, run_summary


def check_build_input(requirement: str, size: int, max_subtasks: int) -> str:
    requirement = " ".join(requirement.split())
    if not requirement:
        raise InputError("the requirement is empty: describe what the benchmark should test")
    if not 1 <= size <= MAX_SIZE:
        raise InputError(f"--size must be between 1 and {MAX_SIZE:,}, got {size:,}")
    if not 1 <= max_subtasks <= MAX_SUBTASKS:
        raise InputError(f"--max-subtasks must be between 1 and {MAX_SUBTASKS}, got {max_subtasks}")
    return requirement


def build(requirement: str, *, size: int, db: str | Path, model: str | None = None, api_base: str | None = None,
          seed: int = 0, max_subtasks: int = 3, on_event=None) -> dict[str, Any]:
    """Plan and execute one build into db; returns the run summary."""
    from benchagent.lm import describe_model, make_lm
    from benchagent.program.build import Build, BuildRequest

    requirement = check_build_input(requirement, size, max_subtasks)
    store = open_store(db)
    try:
        lm = make_lm(model, api_base)
        request = BuildRequest(requirement=requirement, size=size, model=describe_model(lm), seed=seed,
                               max_subtasks=max_subtasks)
        kwargs = {"on_event": on_event} if on_event else {}
        run_id = Build(store, lm, request, **kwargs).run()
        return run_summary(store, run_id)
    finally:
        store.close()


def check_database(db: str | Path) -> None:
    """Raise a StoreError unless db is an existing benchagent database this version can read."""
    open_store(db, create=False).close()


def status(db: str | Path, run_id: str | None = None) -> dict[str, Any]:
    store = open_store(db, create=False)
    try:
        return run_summary(store, run_id or latest_run_id(store))
    finally:
        store.close()


def lineage(sample_id: str, db: str | Path) -> dict[str, Any]:
    store = open_store(db, create=False)
    try:
        return sample_lineage(store, sample_id)
    finally:
        store.close()
