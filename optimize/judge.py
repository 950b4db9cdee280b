"""The acceptance judge: agreement with human reviewers, and its demos handed to the build's inspector."""

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.optimize.datasets import Reviewed
from benchagent.program.executor.verify import judge_issue
from benchagent.signatures import INSPECTOR_CATEGORIES, InspectSample, JudgeSample


class Judge(dspy.Module):
    """One JudgeSample predictor over the requirement and the item's checker view."""

    def __init__(self):
        super().__init__()
        self.judge = dspy.Predict(JudgeSample)

    def forward(self, requirement: str, item: str) -> dspy.Prediction:
        return self.judge(requirement=requirement, item=item)


def verdict(judge: Judge, requirement: str, item: str) -> dspy.Prediction | None:
    """The judge's prediction outside any optimizer trace; None when its output cannot be parsed."""
    try:
        with dspy.context(trace=None):
            return judge(requirement=requirement, item=item)
    except AdapterParseError:
        return None


def agreement_metric(gold: dspy.Example, pred: dspy.Prediction, trace=None, pred_name=None, pred_trace=None):
    """1.0 when the judge's decision is the human's; GEPA (pred_name set) also gets the human's reason as feedback."""
    score = float(getattr(pred, "decision", None) == gold.decision)
    if pred_name is None:
        return score
    return dspy.Prediction(score=score, feedback=f"The human reviewer decided {gold.decision}"
                                                 + (f": {gold.reason}" if gold.reason else "."))


def agrees(judge: Judge, reviewed: Reviewed) -> bool:
    pred = verdict(judge, reviewed.requirement, reviewed.item.checker_json())
    return pred is not None and pred.decision == reviewed.decision


def inspector_agrees(inspector: dspy.Predict, reviewed: Reviewed) -> bool:
    """Whether the inspector blocks a sample the human rejected and lets through one the human accepted, its issues
    weighed as the build weighs them (tool-settled categories overridden for tool-made answers)."""
    try:
        with dspy.context(trace=None):
            issues = inspector(subtask=reviewed.subtask, item=reviewed.item.checker_json()).issues
    except AdapterParseError:
        return False
    blocked = any(judge_issue(issue, reviewed.item.answer_origin).blocking for issue in issues)
    return blocked == (reviewed.decision == "reject")


def inspector_state(judge: Judge, reviewed: list[Reviewed]) -> dict:
    """An InspectSample predictor state whose demos are the judge's, with the human decisions as issues:
    accept → no issue; reject → one major issue, its category the reason's code when it names one."""
    by_item = {r.item.checker_json(): r for r in reviewed}
    demos = []
    for demo in judge.judge.demos:
        r = by_item.get(demo["item"])
        if r is None:
            continue
        code, _, rest = r.reason.partition(":")
        named = code.strip() in INSPECTOR_CATEGORIES
        issues = [] if r.decision == "accept" else [{
            "category": code.strip() if named else "subtask_alignment", "severity": "major",
            "detail": (rest if named else r.reason).strip() or "a human reviewer rejected this item"}]
        demos.append({"subtask": r.subtask, "item": demo["item"], "issues": issues, "sample_id": r.sample_id})
    inspector = dspy.Predict(InspectSample)
    inspector.demos = demos
    return inspector.dump_state()
