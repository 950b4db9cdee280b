"""Design agent: subtasks that each test the requirement's core capability."""

import dspy
from pydantic import BaseModel, Field

from benchagent.signatures.scope import Scope
from benchagent.signatures.types import AnswerType, Modality


class SubtaskDraft(BaseModel):
    key: str = Field(description="short snake_case id")
    name: str
    description: str = Field(description="what one item asks, one sentence")
    capability: str = Field(description="the capability it tests")
    modalities: list[Modality]
    answer_type: AnswerType = Field(
        description="choice: pick one of 4 options; number: a numeric value; label: a category name; "
                    "binary: yes or no; span: a quote from a passage")
    rationale: str = Field(description="why this subtask serves the requirement, one sentence")


class DesignSubtasks(dspy.Signature):
    """Propose clearly different subtasks for a benchmark; each must test the requirement's core capability."""

    requirement: str = dspy.InputField()
    scope: Scope = dspy.InputField()
    max_subtasks: int = dspy.InputField()
    subtasks: list[SubtaskDraft] = dspy.OutputField()
