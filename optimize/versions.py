"""A compiled program as one JSON document: made from the compiled predictors, loaded from the store."""

import dspy

from benchagent.store.db import Store
from benchagent.store.programs import LATEST, get_program


def program_state(realizer: dict, judge: dspy.Module, inspector: dict, recall: dict, lessons: list[str], *,
                  checked: list[str]) -> dict:
    """realizer: the compiled steps' predictor states by the Realizer's attribute names; lessons: the reasons
    reviewers rejected items for (taught to the realizer and the judge); checked: those the build's recall step
    checks every item against (none when the step did not earn trust on held-out samples)."""
    return {"realizer": realizer, "verifier": {"inspect": inspector, "recall": recall}, "judge": judge.dump_state(),
            "lessons": lessons, "checked_lessons": checked}


def load_program(store: Store, ref: str = LATEST) -> tuple[str, dict]:
    """(program id, state) of a stored program, by id or 'latest'; NotFoundError when there is none."""
    row = get_program(store, ref)
    return row["id"], row["state"]


def load_part(module: dspy.Module, state: dict | None, part: str) -> dspy.Module:
    """module with the predictors that part of a program state holds loaded; the others (and all, for None)
    stay uncompiled."""
    saved = (state or {}).get(part, {})
    for name, predictor in module.named_predictors():
        if name in saved:
            predictor.load_state(saved[name])
    return module
