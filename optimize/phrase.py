"""The realizer's PhraseQuestion step alone: the item with a re-phrased question."""

import dspy

from benchagent.optimize.datasets import Reviewed
from benchagent.program.executor.item import Item
from benchagent.signatures import PhraseQuestion


class Phraser(dspy.Module):
    """PhraseQuestion under the attribute name the Realizer gives it, so its state loads into a Realizer."""

    def __init__(self):
        super().__init__()
        self.phrase_question = dspy.Predict(PhraseQuestion)

    def forward(self, subtask: str, goal: str, context: str) -> dspy.Prediction:
        return self.phrase_question(subtask=subtask, goal=goal, context=context)


def phrase_inputs(reviewed: Reviewed) -> dict:
    return dict(reviewed.phrase_inputs)


def rephrased(reviewed: Reviewed, pred: dspy.Prediction) -> Item:
    return reviewed.with_question(getattr(pred, "question", "") or "")
