"""Design agent: subtasks that each test the requirement's core capability, and a critic that names the ones to
revise or discard."""

from typing import Literal

import dspy
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from benchagent.signatures.scope import Scope
from benchagent.signatures.types import AnswerType, Modality, decoded


class SubtaskDraft(BaseModel):
    key: SkipJsonSchema[str] = ""  # made from the name by code
    name: str = Field(max_length=80)
    description: str = Field(max_length=300, json_schema_extra=decoded(200),
                             description="what one item asks, one sentence")
    capability: str = Field(description="the capability it tests")
    facets: list[str] = Field(default_factory=list, max_length=10,
                              description="keys of the requirement's facets it carries")
    modalities: list[Modality]
    answer_type: AnswerType = Field(
        description="choice: pick one of 4 options; number: a numeric value; label: a category name; "
                    "binary: yes or no; span: a quote from a passage")
    rationale: str = Field(max_length=300, json_schema_extra=decoded(120),
                           description="why this subtask serves the requirement, a few words")


class SubtaskChange(BaseModel):
    key: str
    action: Literal["revise", "discard"]
    rationale: str = Field(max_length=300, json_schema_extra=decoded(120), description="one short sentence")
    revised_description: str = Field("", max_length=300, json_schema_extra=decoded(200),
                                     description="what one item asks, one sentence")
    revised_answer_type: AnswerType | None = None


class DesignSubtasks(dspy.Signature):
    """Propose up to max_subtasks clearly different subtasks for a benchmark; each must test the requirement's core
    capability and carry its facets (list their keys). Together the subtasks carry every facet. Subtasks that differ
    only by a number or a word are one subtask: propose fewer rather than repeat one. Prefer choice items (4 options,
    easy to score) unless the answer must be written freely."""

    requirement: str = dspy.InputField()
    scope: Scope = dspy.InputField()
    max_subtasks: int = dspy.InputField()
    feedback: str = dspy.InputField(desc="problems with earlier subtasks to avoid; empty on the first round")
    subtasks: list[SubtaskDraft] = dspy.OutputField()


class CritiqueSubtasks(dspy.Signature):
    """List only the subtasks that need a change: revise one that misses the requirement, discard one that repeats
    another. Every subtask not listed is kept; an empty list keeps them all."""

    requirement: str = dspy.InputField()
    subtasks: str = dspy.InputField(desc="key | name | answer_type | modalities | description")
    changes: list[SubtaskChange] = dspy.OutputField(desc="empty when every subtask is fine")
