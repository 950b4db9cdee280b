"""The sample-level design brief: what an item rests on and what it must not reveal; written by the LLM for items
it authors, derived from the tool's target otherwise."""

import dspy
from pydantic import BaseModel, Field


class DesignBrief(BaseModel):
    fit: str = Field(description="why this record suits the subtask")
    core_facts: list[str] = Field(max_length=6, description="facts from the record the item rests on")
    goal: str = Field(description="what the item asks the model to do")
    reasoning_hops: int = Field(description="1 to 3")
    difficulty_plan: str
    leakage_guards: list[str] = Field(max_length=6, description="what the question must not reveal")


class WriteBrief(dspy.Signature):
    """Plan one benchmark item on a passage for the subtask: the facts it rests on, what it asks, and what the
    question must not reveal."""

    subtask: str = dspy.InputField()
    passage: str = dspy.InputField(desc="the text the model under test will read")
    brief: DesignBrief = dspy.OutputField()
