"""Sample-level design briefs for items whose target and answer a pure tool chose."""

from benchagent.program.executor.item import Item
from benchagent.signatures import DesignBrief


def tool_brief(goal: str, item: Item) -> DesignBrief:
    """The brief of an item whose target and answer a pure tool chose: it states what the tool decided."""
    facts = ([f.strip() for f in item.facts.split(",") if f.strip()] or [item.question])[:6]
    guards = ["the question must not state or hint at the answer"]
    if item.images:
        guards.append("the answer must only be readable from the image")
    if item.options:
        guards.append("the distractors are near the answer and as long as it, so no option stands out")
    comparison = any(w in goal for w in ("larger", "smaller", "largest", "smallest", "whether", "difference", "than"))
    return DesignBrief(
        fit="a pure tool drew the input from the record and computed the answer, so it is exact",
        core_facts=facts, goal=goal, reasoning_hops=2 if comparison else 1,
        difficulty_plan="compare values across the input" if comparison else "locate one value in the input",
        leakage_guards=guards,
    )

