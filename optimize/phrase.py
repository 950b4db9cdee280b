"""The realizer's PhraseQuestion step on a reviewed sample: its recorded inputs, the item with a re-phrased question."""

import dspy

from benchagent.optimize.datasets import Reviewed
from benchagent.program.executor.item import Item


def phrase_inputs(reviewed: Reviewed) -> dict:
    return dict(reviewed.phrase_inputs)


def rephrased(reviewed: Reviewed, pred: dspy.Prediction) -> Item:
    return reviewed.with_question(getattr(pred, "question", "") or "")
