"""Allocation agent: importance and quota per subtask."""

import dspy
from pydantic import BaseModel, Field


class QuotaProposal(BaseModel):
    key: str = Field(description="subtask key")
    importance: float = Field(description="0-1")
    quota: int = Field(description="number of items")


class ProposeQuotas(dspy.Signature):
    """Give each subtask an importance and a share of the benchmark size."""

    requirement: str = dspy.InputField()
    subtasks: str = dspy.InputField(desc="one line per subtask: key: description")
    size: int = dspy.InputField(desc="total number of items")
    quotas: list[QuotaProposal] = dspy.OutputField()
