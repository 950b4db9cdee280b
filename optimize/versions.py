"""A compiled program as one JSON document: made from the compiled predictors, loaded from the store."""

import dspy

from benchagent.store.db import Store
from benchagent.store.programs import LATEST, get_program


def program_state(phraser: dspy.Module, judge: dspy.Module, inspector: dict) -> dict:
    return {"realizer": phraser.dump_state(), "verifier": {"inspect": inspector}, "judge": judge.dump_state()}


def load_program(store: Store, ref: str = LATEST) -> tuple[str, dict]:
    """(program id, state) of a stored program, by id or 'latest'; NotFoundError when there is none."""
    row = get_program(store, ref)
    return row["id"], row["state"]


def load_part(module: dspy.Module, state: dict | None, part: str) -> dspy.Module:
    """module with one part of a program state loaded; unchanged (uncompiled) for None."""
    if state is not None:
        module.load_state(state[part])
    return module
