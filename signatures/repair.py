"""Repair planner and fixer: minimal edits that keep the gold answer and the options."""

from typing import Literal

import dspy
from pydantic import BaseModel


class RepairAction(BaseModel):
    field: Literal["question", "context"]
    instruction: str


class PlanRepair(dspy.Signature):
    """Plan the smallest edits that resolve the issues. Never change the gold answer; never invent options."""

    item: str = dspy.InputField()
    issues: str = dspy.InputField()
    actions: list[RepairAction] = dspy.OutputField()


class FixSample(dspy.Signature):
    """Apply the repair actions to the question. Keep the gold answer and options exactly as they are."""

    item: str = dspy.InputField()
    actions: str = dspy.InputField()
    question: str = dspy.OutputField()
