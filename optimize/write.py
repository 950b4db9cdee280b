"""The realizer's WriteItem step on a reviewed sample: its recorded inputs, the item with the question, options and
answer written anew."""

from dataclasses import replace

import dspy

from benchagent.optimize.datasets import Reviewed
from benchagent.program.executor.item import Item


def write_inputs(reviewed: Reviewed) -> dict:
    return dict(reviewed.write_inputs)


def rewritten(reviewed: Reviewed, pred: dspy.Prediction) -> Item:
    """The reviewed item with the written question, answer and (for choice items) options."""
    options = [str(o) for o in getattr(pred, "options", None) or []]
    return replace(reviewed.item, question=str(getattr(pred, "question", "") or "").strip(),
                   options=options if reviewed.item.options is not None else None,
                   answer=str(getattr(pred, "answer", "") or "").strip())
