"""Grounding agent: judges candidate sources for a subtask and keeps the plans that score well."""

import json
from dataclasses import dataclass

import dspy

from benchagent.program.errors import PlanValidationError
from benchagent.program.planner.plan_check import validate_plan
from benchagent.signatures import GroundSource, SubtaskDraft, TransformPlan

WEIGHTS = {"alignment": 0.4, "coverage": 0.3, "simplicity": 0.2, "risk": 0.1}
THRESHOLD = 0.5


@dataclass
class Grounding:
    source_id: str
    plan: TransformPlan | None
    scores: dict[str, float]
    score: float
    accepted: bool
    rationale: str


def combine(scores: dict[str, float]) -> float:
    """Weighted score in [0, 1]; risk counts against."""
    clamp = {k: min(1.0, max(0.0, float(v))) for k, v in scores.items()}
    return round(
        WEIGHTS["alignment"] * clamp["alignment"] + WEIGHTS["coverage"] * clamp["coverage"]
        + WEIGHTS["simplicity"] * clamp["simplicity"] + WEIGHTS["risk"] * (1 - clamp["risk"]),
        4,
    )


def subtask_brief(subtask: SubtaskDraft) -> str:
    return json.dumps(
        {"name": subtask.name, "description": subtask.description, "answer_type": subtask.answer_type,
         "modalities": subtask.modalities},
        ensure_ascii=False,
    )


def card_brief(card: dict, plan: TransformPlan | None) -> str:
    shown = {k: card[k] for k in ("name", "description", "modalities", "fields", "size") if k in card}
    if plan is not None:
        shown["plan"] = [f"{s.kind} {s.tool}: {s.instruction}" for s in plan.steps]
    return json.dumps(shown, ensure_ascii=False)


class GroundingAgent(dspy.Module):
    """For each candidate card: a plan from the card's recipes, validated by code, then judged and scored."""

    def __init__(self, threshold: float = THRESHOLD):
        super().__init__()
        self.judge = dspy.Predict(GroundSource)
        self.threshold = threshold

    def forward(self, subtask: SubtaskDraft, candidates: list[tuple[dict, TransformPlan | None]],
                tools: set[str], predictors: set[str]) -> list[Grounding]:
        results = []
        for card, plan in candidates:
            problem = self._plan_problem(subtask, card, plan, tools, predictors)
            if problem:
                results.append(Grounding(card["id"], plan, {}, 0.0, False, problem))
                continue
            verdict = self.judge(subtask=subtask_brief(subtask), source_card=card_brief(card, plan))
            scores = {k: getattr(verdict, k) for k in WEIGHTS}
            score = combine(scores)
            accepted = bool(verdict.transformable) and score >= self.threshold
            results.append(Grounding(card["id"], plan, scores, score, accepted, verdict.rationale))
        return results

    @staticmethod
    def _plan_problem(subtask, card, plan, tools, predictors) -> str | None:
        if plan is None:
            return f"no transformation from {card['name']} yields {subtask.answer_type} items"
        fields = {f["name"] if isinstance(f, dict) else str(f) for f in card.get("fields") or []}
        try:
            validate_plan(plan, answer_type=subtask.answer_type, modalities=subtask.modalities,
                          record_fields=fields, tools=tools, predictors=predictors)
        except PlanValidationError as exc:
            return f"plan rejected: {exc}"
        return None
