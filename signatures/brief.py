"""The sample-level design brief recorded with each item: what it rests on and what it must not reveal."""

from pydantic import BaseModel, Field


class DesignBrief(BaseModel):
    fit: str = Field(description="why this record suits the subtask")
    core_facts: list[str] = Field(description="facts from the record the item rests on")
    goal: str = Field(description="what the item asks the model to do")
    reasoning_hops: int = Field(description="1 to 3")
    difficulty_plan: str
    leakage_guards: list[str] = Field(description="what the question must not reveal")
