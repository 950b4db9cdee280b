"""Scope parsing: a requirement becomes a topic, modalities and keywords."""

import dspy
from pydantic import BaseModel, Field

from benchagent.signatures.types import Modality


class Scope(BaseModel):
    topic: str = Field(description="short topic, at most 8 words")
    modalities: list[Modality] = Field(description="modalities the items need")
    keywords: list[str] = Field(description="3 to 8 search keywords")


class ParseScope(dspy.Signature):
    """Read a benchmark requirement and state its scope."""

    requirement: str = dspy.InputField()
    scope: Scope = dspy.OutputField()
