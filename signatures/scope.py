"""Scope parsing: a requirement becomes a topic, modalities, keywords and facets, each facet tied to its words."""

from typing import Literal, get_args

import dspy
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from benchagent.signatures.types import Modality, decoded

FacetKind = Literal["capability", "topic", "operation", "presentation", "degradation", "answer_format", "level",
                    "language", "question_kind", "constraint"]
FACET_KINDS: tuple[str, ...] = get_args(FacetKind)


class Facet(BaseModel):
    """One specific the requirement states: its words first (copied), then what kind of specific they are."""

    key: SkipJsonSchema[str] = ""  # set by code; the model never writes it
    quote: str = Field(max_length=200, json_schema_extra=decoded(100),
                       description="the few words of the requirement it comes from, copied exactly")
    kind: FacetKind = Field(description="capability or topic: what is tested; operation: a step the questions must "
                                        "use; presentation: how the input is shown; degradation: damage done to the "
                                        "input; answer_format; level: difficulty or audience; language: language of "
                                        "the items; question_kind: one kind of question it lists; constraint: a "
                                        "range the values must keep to or things to leave out")
    value: str = Field(max_length=120, description="what it asks for, a few words")


class Scope(BaseModel):
    topic: str = Field(max_length=120, description="short topic, at most 8 words")
    modalities: list[Modality] = Field(max_length=4, description="modalities the items need")
    keywords: list[str] = Field(max_length=8, description="3 to 6 search keywords")
    facets: list[Facet] = Field(default_factory=list, max_length=10,
                                description="each specific the requirement states, once; none it does not state")
    interpretation: str = Field("", max_length=300, json_schema_extra=decoded(160),
                                description="if the requirement leaves what to test open, the "
                                            "concrete reading chosen; else empty")
    language: str = Field("English", description="the language the items are written in")


class ParseScope(dspy.Signature):
    """Read a benchmark requirement and state its scope. List as facets every specific it states: what is tested,
    operations, how inputs are presented or degraded, answer format, level, language, each kind of question named.
    Copy each facet's words from the requirement. A kind the requirement does not mention gets no facet."""

    requirement: str = dspy.InputField()
    scope: Scope = dspy.OutputField()
