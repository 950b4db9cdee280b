"""Whether a re-realized item would be accepted: the deterministic checks pass and the aligned judge accepts."""

from collections.abc import Callable

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.optimize.datasets import Reviewed
from benchagent.optimize.judge import Judge, verdict
from benchagent.program.executor.checks import run_checks
from benchagent.program.executor.item import Item

Remake = Callable[[Reviewed, dspy.Prediction], Item]  # the reviewed item with a step's new outputs in place


def judged(reviewed: Reviewed, item: Item, judge: Judge) -> tuple[bool, str]:
    """Whether item passes the checks and the judge, and why not."""
    failed = [c for c in run_checks(item, answer_type=reviewed.answer_type, needs_image=reviewed.needs_image)
              if not c.passed]
    if failed:
        return False, "; ".join(f"check {c.name} failed: {c.detail}" for c in failed)
    pred = verdict(judge, reviewed.requirement, item.checker_json())
    if pred is None:
        return False, "the judge's answer could not be parsed"
    return pred.decision == "accept", f"the judge decided {pred.decision}: {pred.reason}"


def acceptance_metric(judge: Judge, reviewed: list[Reviewed], remake: Remake) -> Callable:
    """A step's metric over its examples; GEPA (pred_name set) also gets the reason as feedback."""
    by_id = {r.sample_id: r for r in reviewed}

    def metric(gold: dspy.Example, pred: dspy.Prediction, trace=None, pred_name=None, pred_trace=None):
        ok, why = judged(by_id[gold.sample_id], remake(by_id[gold.sample_id], pred), judge)
        return float(ok) if pred_name is None else dspy.Prediction(score=float(ok), feedback=why)

    return metric


def accepted(step: dspy.Module, judge: Judge, inputs: Callable[[Reviewed], dict], remake: Remake,
             reviewed: Reviewed) -> bool:
    """Run step on one reviewed sample's recorded inputs and ask whether the remade item is accepted."""
    try:
        pred = step(**inputs(reviewed))
    except AdapterParseError:
        return False
    return judged(reviewed, remake(reviewed, pred), judge)[0]
