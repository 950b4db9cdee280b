"""The benchmark specification the planner produces and a user may edit as YAML before building."""

from pydantic import BaseModel, Field

from benchagent.signatures.grounding import TransformPlan
from benchagent.signatures.scope import Scope
from benchagent.signatures.types import AnswerType, Modality


class SpecSource(BaseModel):
    source_id: str
    share: int = Field(ge=0, description="samples this source is to deliver")
    score: float | None = None
    plan: TransformPlan


class SpecSubtask(BaseModel):
    key: str
    name: str
    description: str
    capability: str = ""
    modalities: list[Modality]
    answer_type: AnswerType
    rationale: str = ""
    importance: float | None = None
    quota: int = Field(ge=0)
    sources: list[SpecSource]


class Spec(BaseModel):
    requirement: str
    seed: int = 0
    scope: Scope
    subtasks: list[SpecSubtask]

    @property
    def size(self) -> int:
        return sum(s.quota for s in self.subtasks)
