"""The realizer's LLM step alone, and its metric: the deterministic checks pass and the aligned judge accepts."""

from collections.abc import Callable

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.optimize.datasets import PHRASE_INPUTS, Reviewed, item_text
from benchagent.optimize.judge import Judge, verdict
from benchagent.program.executor.checks import run_checks
from benchagent.signatures import PhraseQuestion


class Phraser(dspy.Module):
    """PhraseQuestion under the attribute name the Realizer gives it, so its state loads into a Realizer."""

    def __init__(self):
        super().__init__()
        self.phrase_question = dspy.Predict(PhraseQuestion)

    def forward(self, subtask: str, goal: str, context: str) -> dspy.Prediction:
        return self.phrase_question(subtask=subtask, goal=goal, context=context)


def acceptance(reviewed: Reviewed, question: str, judge: Judge) -> tuple[bool, str]:
    """Whether the item re-phrased with question passes the checks and the judge, and why not."""
    item = reviewed.with_question(question)
    failed = [c for c in run_checks(item, answer_type=reviewed.answer_type, needs_image=reviewed.needs_image)
              if not c.passed]
    if failed:
        return False, "; ".join(f"check {c.name} failed: {c.detail}" for c in failed)
    pred = verdict(judge, reviewed.requirement, item_text(item))
    if pred is None:
        return False, "the judge's answer could not be parsed"
    return pred.decision == "accept", f"the judge decided {pred.decision}: {pred.reason}"


def acceptance_metric(judge: Judge, reviewed: list[Reviewed]) -> Callable:
    """The realizer's metric over phrase examples; GEPA (pred_name set) also gets the reason as feedback."""
    by_id = {r.sample_id: r for r in reviewed}

    def metric(gold: dspy.Example, pred: dspy.Prediction, trace=None, pred_name=None, pred_trace=None):
        ok, why = acceptance(by_id[gold.sample_id], getattr(pred, "question", "") or "", judge)
        return float(ok) if pred_name is None else dspy.Prediction(score=float(ok), feedback=why)

    return metric


def accepted(phraser: Phraser, judge: Judge, reviewed: Reviewed) -> bool:
    """Re-phrase one reviewed sample with phraser and ask the judge."""
    try:
        question = phraser(**{k: reviewed.phrase_inputs[k] for k in PHRASE_INPUTS}).question
    except AdapterParseError:
        return False
    return acceptance(reviewed, question, judge)[0]
