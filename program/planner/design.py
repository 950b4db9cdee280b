"""Design agent: proposes subtasks; code gives them unique keys and bounds their number."""

import re

import dspy

from benchagent.program.errors import PlanningError
from benchagent.signatures import DesignSubtasks, Scope, SubtaskDraft


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "subtask"


def _words(draft: SubtaskDraft) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", f"{draft.name} {draft.answer_type}".lower()))


def near_duplicate(a: SubtaskDraft, b: SubtaskDraft, threshold: float = 0.6) -> bool:
    """Same answer type and names sharing most of their words."""
    wa, wb = _words(a), _words(b)
    return a.answer_type == b.answer_type and len(wa & wb) / max(1, len(wa | wb)) >= threshold


def normalize_subtasks(drafts: list[SubtaskDraft], max_subtasks: int) -> list[SubtaskDraft]:
    """Unique snake_case keys, no near-duplicate subtasks, at most max_subtasks."""
    seen_keys: set[str] = set()
    result: list[SubtaskDraft] = []
    for draft in drafts:
        if not draft.name.strip() or any(near_duplicate(draft, kept) for kept in result):
            continue
        key = slug(draft.key or draft.name)
        base, n = key, 2
        while key in seen_keys:
            key, n = f"{base}_{n}", n + 1
        seen_keys.add(key)
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
