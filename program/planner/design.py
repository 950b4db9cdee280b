"""Design agent: proposes subtasks; code gives them unique keys and bounds their number."""

import re

import dspy

from benchagent.program.errors import PlanningError
from benchagent.signatures import DesignSubtasks, Scope, SubtaskDraft


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "subtask"


def normalize_subtasks(drafts: list[SubtaskDraft], max_subtasks: int) -> list[SubtaskDraft]:
    """Unique snake_case keys, no duplicate names, at most max_subtasks."""
    seen_keys: set[str] = set()
    seen_names: set[str] = set()
    result = []
    for draft in drafts:
        name = draft.name.strip().lower()
        if not name or name in seen_names:
            continue
        key = slug(draft.key or draft.name)
        base, n = key, 2
        while key in seen_keys:
            key, n = f"{base}_{n}", n + 1
        seen_keys.add(key)
        seen_names.add(name)
        result.append(draft.model_copy(update={"key": key}))
    return result[:max_subtasks]


class DesignAgent(dspy.Module):
    def __init__(self):
        super().__init__()
        self.propose = dspy.Predict(DesignSubtasks)

    def forward(self, requirement: str, scope: Scope, max_subtasks: int) -> list[SubtaskDraft]:
        drafts = self.propose(requirement=requirement, scope=scope, max_subtasks=max_subtasks).subtasks
        subtasks = normalize_subtasks(drafts, max_subtasks)
        if not subtasks:
            raise PlanningError("the design agent proposed no usable subtask")
        return subtasks
