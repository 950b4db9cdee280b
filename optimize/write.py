"""The realizer's WriteItem step alone: the item with the question, options and answer written anew."""

from dataclasses import replace

import dspy

from benchagent.optimize.datasets import Reviewed
from benchagent.program.executor.item import Item
from benchagent.signatures import WriteItem


class Writer(dspy.Module):
    """WriteItem under the attribute name the Realizer gives it, so its state loads into a Realizer."""

    def __init__(self):
        super().__init__()
        self.write_item = dspy.Predict(WriteItem)

    def forward(self, subtask: str, brief, passage: str) -> dspy.Prediction:
        return self.write_item(subtask=subtask, brief=brief, passage=passage)


def write_inputs(reviewed: Reviewed) -> dict:
    return dict(reviewed.write_inputs)


def rewritten(reviewed: Reviewed, pred: dspy.Prediction) -> Item:
    """The reviewed item with the written question, answer and (for choice items) options."""
    options = [str(o) for o in getattr(pred, "options", None) or []]
    return replace(reviewed.item, question=str(getattr(pred, "question", "") or "").strip(),
                   options=options if reviewed.item.options is not None else None,
                   answer=str(getattr(pred, "answer", "") or "").strip())
