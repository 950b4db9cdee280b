"""Repair planner and fixer: minimal edits to the question that keep the gold answer and the options."""

import dspy
from pydantic import BaseModel


class RepairAction(BaseModel):
    edit: str


class PlanRepair(dspy.Signature):
    """Plan the smallest rewording of the question that resolves the issues, or no edit if rewording cannot.
    The gold answer and the options stay unchanged."""

    item: str = dspy.InputField()
    issues: str = dspy.InputField()
    actions: list[RepairAction] = dspy.OutputField()


class FixSample(dspy.Signature):
    """Rewrite the question by applying the edits; never state the answer in it.
    Copy the options and the gold answer unchanged."""

    item: str = dspy.InputField()
    edits: str = dspy.InputField()
    fixed_question: str = dspy.OutputField()
    options: list[str] = dspy.OutputField(desc="unchanged; empty if none")
    answer: str = dspy.OutputField(desc="the gold answer, unchanged")
