"""Allocation agent: importance and quota per subtask, and a diagnosis of each quota its sources cannot fill."""

from typing import Literal

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


class ShortfallDiagnosis(BaseModel):
    key: str = Field(description="subtask key")
    cause: Literal["source_exhausted", "order_starvation", "insufficient_supply"]
    action: Literal["reorder", "requota", "redesign"]
    rationale: str = Field(description="one short sentence")


class DiagnoseShortfall(dspy.Signature):
    """For each subtask with unfilled items say why and what to do: reorder if other subtasks took its records,
    requota if other subtasks have records left, else redesign."""

    requirement: str = dspy.InputField()
    situation: str = dspy.InputField(desc="per subtask: quota, unfilled items, records per source")
    diagnoses: list[ShortfallDiagnosis] = dspy.OutputField()
