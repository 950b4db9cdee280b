"""Design agent: proposes subtasks, a critic keeps, revises or discards them; code keys, bounds and applies."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.program.errors import PlanningError
from benchagent.signatures.design import CritiqueSubtasks, DesignSubtasks, SubtaskDecision, SubtaskDraft
from benchagent.signatures.scope import Scope


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


@dataclass
class DesignResult:
    """The final subtasks and every decision taken on the way: {round, key, action, rationale}."""

    subtasks: list[SubtaskDraft]
    decisions: list[dict] = field(default_factory=list)


def subtask_lines(subtasks: list[SubtaskDraft]) -> str:
    return "\n".join(f"{s.key} | {s.name} | {s.answer_type} | {', '.join(s.modalities)} | {s.description}"
                     for s in subtasks)


def apply_decisions(subtasks: list[SubtaskDraft],
                    decisions: list[SubtaskDecision]) -> tuple[list[SubtaskDraft], list[dict]]:
    """Revise or drop subtasks as decided; unknown or repeated keys are ignored, the last subtask is never dropped,
    and a revision that changes nothing counts as keep."""
    current = {s.key: s for s in subtasks}
    applied: list[dict] = []
    for d in decisions:
        key = slug(d.key)
        if key not in current or any(a["key"] == key for a in applied):
            continue
        action, rationale = d.action, d.rationale.strip() or "no rationale given"
        if action == "discard" and len(current) == 1:
            action, rationale = "keep", f"{rationale} (kept: the design needs at least one subtask)"
        elif action == "discard":
            del current[key]
        elif action == "revise":
            changes = {k: v for k, v in {"description": d.revised_description.strip(),
                                         "answer_type": d.revised_answer_type}.items()
                       if v and v != getattr(current[key], k)}
            action = "revise" if changes else "keep"
            current[key] = current[key].model_copy(update=changes)
        applied.append({"key": key, "action": action, "rationale": rationale})
    return list(current.values()), applied


def grounding_feedback(failed: dict[str, str], sources: Sequence[str] = ()) -> str:
    """Feedback for a redesign: each subtask nothing could ground, why, and the sources there are."""
    lines = ["No source could ground these subtasks:", *(f"- {key}: {why}" for key, why in failed.items())]
    if sources:
        return "\n".join([*lines, "Propose different subtasks that these sources could ground:",
                          *(f"- {s}" for s in sources)])
    return "\n".join([*lines, "Propose different subtasks that the available sources could ground."])


class DesignAgent(dspy.Module):
    def __init__(self):
        super().__init__()
        self.propose = dspy.Predict(DesignSubtasks)
        self.critique = dspy.Predict(CritiqueSubtasks)

    def forward(self, requirement: str, scope: Scope, max_subtasks: int, feedback: str = "",
                rounds: int = 2) -> DesignResult:
        """Propose, then critique and apply the decisions until every decision is keep or `rounds` critiques ran."""
        drafts = self.propose(requirement=requirement, scope=scope, max_subtasks=max_subtasks,
                              feedback=feedback).subtasks
        subtasks = normalize_subtasks(drafts, max_subtasks)
        if not subtasks:
            raise PlanningError("the design agent proposed no usable subtask")
        decisions = [{"round": 0, "key": s.key, "action": "propose", "rationale": s.rationale} for s in subtasks]
        for round_ in range(1, rounds + 1):
            try:
                verdicts = self.critique(requirement=requirement, subtasks=subtask_lines(subtasks)).decisions
            except AdapterParseError:
                verdicts = [SubtaskDecision(key=s.key, action="keep", rationale="critique unavailable")
                            for s in subtasks]
            subtasks, applied = apply_decisions(subtasks, verdicts)
            decisions += [{"round": round_, **a} for a in applied]
            if all(a["action"] == "keep" for a in applied):
                break
        return DesignResult(subtasks, decisions)

    def redesign(self, requirement: str, scope: Scope, max_subtasks: int, failed: dict[str, str],
                 sources: Sequence[str] = (), rounds: int = 2) -> DesignResult:
        """A new design told which subtasks (key -> reason) nothing could ground."""
        return self(requirement=requirement, scope=scope, max_subtasks=max_subtasks,
                    feedback=grounding_feedback(failed, sources), rounds=rounds)
