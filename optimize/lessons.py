"""What reviewers rejected, taught to the program: their reasons grouped into lessons, written into the instructions
of the realizer's steps and the judge, and a recall step whose demos are reviewed items."""

from itertools import zip_longest

from dspy.utils.exceptions import AdapterParseError

import dspy
from rapidfuzz import fuzz

from benchagent.optimize.datasets import Reviewed
from benchagent.program.executor.taught import HEADER, MARK
from benchagent.signatures import RecallRejections

MAX_LESSONS = 6
MAX_RECALL_DEMOS = 4
RECALL_BAR = 0.75  # held-out balanced agreement the recall step needs before builds let it send items to repair
SAME_REASON = 80  # rapidfuzz token_set_ratio from which two reasons are one lesson


def _lesson_of(reason: str, lessons: list[str]) -> int | None:
    """The index of the lesson a reason belongs to, or None."""
    scores = [fuzz.token_set_ratio(reason.lower(), lesson.lower()) for lesson in lessons]
    best = max(range(len(scores)), key=scores.__getitem__, default=None)
    return best if best is not None and scores[best] >= SAME_REASON else None


def lessons(reviewed: list[Reviewed]) -> list[str]:
    """The rejected samples' reasons, near-identical ones as one lesson (its first wording), the most frequent
    first, at most MAX_LESSONS; rejections without a reason teach nothing."""
    groups: list[list[str]] = []
    for r in reviewed:
        reason = " ".join(r.reason.split())
        if r.decision != "reject" or not reason:
            continue
        index = _lesson_of(reason, [group[0] for group in groups])
        if index is None:
            groups.append([reason])
        else:
            groups[index].append(reason)
    return [group[0] for group in sorted(groups, key=len, reverse=True)[:MAX_LESSONS]]


def taught(module: dspy.Module, taught_lessons: list[str]) -> dspy.Module:
    """module with each predictor's instructions followed by the lessons; teaching again replaces earlier lessons."""
    for _, predictor in module.named_predictors():
        base = predictor.signature.instructions.split(MARK)[0].rstrip()
        text = "\n".join([base, "", HEADER, *(f"- {lesson}" for lesson in taught_lessons)]) if taught_lessons else base
        predictor.signature = predictor.signature.with_instructions(text)
    return module


def expected_lesson(reviewed: Reviewed, taught_lessons: list[str]) -> int | None:
    """The lesson number a reviewed sample should be recalled under: 0 for an accepted one (none), None for a
    rejection no lesson stands for."""
    if reviewed.decision == "accept":
        return 0
    index = _lesson_of(" ".join(reviewed.reason.split()), taught_lessons)
    return None if index is None else index + 1


def recall_agrees(recall: dspy.Predict, taught_lessons: list[str], reviewed: Reviewed) -> bool:
    """Whether the recall step names the lesson a rejected sample's reason became and none for an accepted one
    (for samples whose expected_lesson is not None)."""
    expected = expected_lesson(reviewed, taught_lessons)
    try:
        with dspy.context(trace=None):
            named = set(recall(item=reviewed.item.checker_json(), reasons=taught_lessons).repeated)
    except AdapterParseError:
        return False
    return named == set() if expected == 0 else expected in named


def balanced_agreement(flags: list[bool], agreed: list[bool]) -> float | None:
    """scikit-learn's balanced accuracy of a step that agreed (or not) with samples expected flagged (or not): the mean
    of its agreement on each kind, so one answer given to every sample scores 0.5 however the samples split; None when
    either kind is missing, as nothing then shows the step tells them apart."""
    from sklearn.metrics import balanced_accuracy_score

    if len(set(flags)) < 2:
        return None
    said = [flag == agree for flag, agree in zip(flags, agreed, strict=True)]  # what the step answered for each
    return round(float(balanced_accuracy_score(flags, said)), 4)


def recall_trusted(balanced: float | None) -> bool:
    """Whether builds may act on the recall step: its held-out balanced agreement reaches RECALL_BAR. A step that
    names the lesson on every item scores 0.5 however many held-out samples repeat it, and is left out."""
    return balanced is not None and balanced >= RECALL_BAR


def recall_state(reviewed: list[Reviewed], taught_lessons: list[str]) -> dict:
    """A RecallRejections predictor state whose demos are reviewed items, rejected ones (with the number of the
    lesson their reason became) and accepted ones (none) in turn."""
    labelled = [(r, expected_lesson(r, taught_lessons)) for r in reviewed]
    rejected = [(r, number) for r, number in labelled if number]
    accepted = [(r, number) for r, number in labelled if number == 0]
    demos = [{"item": r.item.checker_json(), "reasons": taught_lessons, "repeated": [number] if number else []}
             for pair in zip_longest(rejected, accepted) for r, number in filter(None, pair)][:MAX_RECALL_DEMOS]
    recall = dspy.Predict(RecallRejections)
    recall.demos = demos if taught_lessons else []
    return recall.dump_state()
