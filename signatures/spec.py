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
    facets: list[str] = Field(default_factory=list, description="keys of the requirement's facets it carries")
    modalities: list[Modality]
    answer_type: AnswerType
    rationale: str = ""
    importance: float | None = None
    quota: int = Field(ge=0)
    sources: list[SpecSource]


class FacetGap(BaseModel):
    """A facet of the requirement that nothing in the spec carries, why, and what would."""

    facet: str
    reason: str
    remedy: str = ""


class Spec(BaseModel):
    requirement: str
    seed: int = 0
    scope: Scope
    subtasks: list[SpecSubtask]
    gaps: list[FacetGap] = Field(default_factory=list, description="facets no subtask carries, with the reason")

    @property
    def size(self) -> int:
        return sum(s.quota for s in self.subtasks)
