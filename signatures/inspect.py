"""Inspector: quality issues of one item, in the paper's categories."""

from typing import Literal, get_args

import dspy
from pydantic import BaseModel

InspectorCategory = Literal[
    "subtask_alignment", "answerability", "semantic_correctness", "answer_type", "ambiguity",
    "choice_uniqueness", "leakage", "multimodal_leakage", "missing_multimodal_field",
    "redundant_input", "schema_recoverability", "missing_answer", "off_target",
]
INSPECTOR_CATEGORIES: tuple[str, ...] = get_args(InspectorCategory)


class InspectorIssue(BaseModel):
    category: InspectorCategory
    severity: Literal["fatal", "major", "minor"]
    detail: str


class InspectSample(dspy.Signature):
    """Inspect a benchmark item for its subtask. Report only real problems; an empty list means the item is fine."""

    subtask: str = dspy.InputField()
    item: str = dspy.InputField(desc="the item as JSON; image fields are described, not shown")
    issues: list[InspectorIssue] = dspy.OutputField()


class InspectImageSample(InspectSample):
    """Inspect a benchmark item for its subtask, looking at its image. Report only real problems; an empty list means
    the item is fine."""

    image: dspy.Image = dspy.InputField(desc="the item's image, as the model under test sees it")
