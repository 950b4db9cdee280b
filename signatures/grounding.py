"""Grounding agent: a source card judged for a subtask, with a transformation plan and scores."""

from typing import Literal

import dspy
from pydantic import BaseModel, Field


class PlanStep(BaseModel):
    kind: Literal["LLM", "PURE"]
    tool: str = Field(description="tool name for PURE steps, predictor name for LLM steps")
    inputs: list[str] = Field(description="dotted references original.*, slot.*, interim.*; 'ref:arg' binds a ref to an argument")
    outputs: list[str] = Field(description="dotted references interim.*, final.input.*, final.output.*; 'ref:field' picks a field")
    instruction: str = Field(description="what the step does")


class TransformPlan(BaseModel):
    kind: Literal["qa_like", "metadata_rich"]
    steps: list[PlanStep]


class GroundSource(dspy.Signature):
    """Judge whether a source can be transformed into items for the subtask and score the fit from 0 to 1."""

    subtask: str = dspy.InputField(desc="subtask as JSON")
    source_card: str = dspy.InputField(desc="source card as JSON, with the tools that can read it")
    transformable: bool = dspy.OutputField()
    alignment: float = dspy.OutputField(desc="0-1: items would test the subtask")
    coverage: float = dspy.OutputField(desc="0-1: the source supplies every needed field")
    simplicity: float = dspy.OutputField(desc="0-1: few, simple steps")
    risk: float = dspy.OutputField(desc="0-1: chance of wrong or leaky items")
    rationale: str = dspy.OutputField()
