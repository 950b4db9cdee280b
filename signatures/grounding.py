"""Grounding agent: candidate source cards judged for a subtask, with transformation plans and scores."""

from typing import Literal

import dspy
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from benchagent.signatures.types import decoded


class PlanStep(BaseModel):
    kind: Literal["LLM", "PURE"]
    tool: str = Field(description="tool name for PURE steps, predictor name for LLM steps")
    inputs: list[str] = Field(description="dotted references original.*, slot.*, interim.*; "
                                          "'ref:arg' binds a ref to an argument")
    outputs: list[str] = Field(description="dotted references interim.*, final.input.*, final.output.*; "
                                           "'ref:field' picks a field")
    instruction: str = Field(description="what the step does")
    serves: list[str] = Field(default_factory=list, description="keys of the facets this step realizes")


class TransformPlan(BaseModel):
    kind: Literal["qa_like", "metadata_rich"]
    steps: list[PlanStep]
    where: dict[str, list[str]] = Field(default_factory=dict, description="leave empty; only records whose field "
                                        "holds one of these values are used")
    # set by code from a range the requirement states: only records whose number field keeps to the bounds
    # ({"offset_days": {"gt": 100}}; gt, ge, lt, le) are used
    within: SkipJsonSchema[dict[str, dict[str, float]]] = {}
    # set by code from an exclusion the requirement states: records whose field holds one of these values are left out
    without: SkipJsonSchema[dict[str, list[str]]] = {}


class SourceJudgment(BaseModel):
    source_id: str
    transformable: bool
    alignment: float = Field(description="0-1: its items would test exactly this subtask")
    coverage: float = Field(description="0-1: it supplies every field an item needs")
    simplicity: float = Field(description="0-1: few, simple steps")
    risk: float = Field(description="0-1: chance of wrong or leaky items")
    rationale: str = Field(max_length=300, json_schema_extra=decoded(120), description="one short sentence")


class GroundSubtask(dspy.Signature):
    """Judge each candidate source for the subtask. Compare them: a source whose items would test something else gets low alignment."""  # noqa: E501 - the instruction is sent verbatim: one line

    subtask: str = dspy.InputField(desc="subtask as JSON")
    candidates: str = dspy.InputField(desc="one candidate per line: source_id, description, plan")
    judgments: list[SourceJudgment] = dspy.OutputField(desc="one per candidate")
