"""Design agent: subtasks that each test the requirement's core capability."""

import dspy
from pydantic import BaseModel, Field

from benchagent.signatures.scope import Scope
from benchagent.signatures.types import AnswerType, Modality


class FieldSpec(BaseModel):
    name: str = Field(description="field name, e.g. question, image, options, answer")
    kind: Modality | str = Field(description="text, image, table, audio, choices or number")


class SubtaskDraft(BaseModel):
    key: str = Field(description="short snake_case id")
    name: str
    description: str = Field(description="what one item asks, one sentence")
    capability: str = Field(description="the capability it tests")
    modalities: list[Modality]
    answer_type: AnswerType
    input_fields: list[FieldSpec]
    output_fields: list[FieldSpec]
    rationale: str = Field(description="why this subtask serves the requirement")


class DesignSubtasks(dspy.Signature):
    """Propose distinct subtasks for a benchmark; each must test the requirement's core capability."""

    requirement: str = dspy.InputField()
    scope: Scope = dspy.InputField()
    max_subtasks: int = dspy.InputField()
    subtasks: list[SubtaskDraft] = dspy.OutputField()
