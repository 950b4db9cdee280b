"""Grounding agent: judges a subtask's candidate sources in one call and keeps the plans that score well."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.program.adapter import at_most
from benchagent.program.errors import PlanValidationError
from benchagent.program.planner.facets import asked_kinds, asking, every_kind, kinds_named
from benchagent.program.planner.plan_check import validate_plan
from benchagent.program.sources.cards import SourceCard
from benchagent.program.text_bounds import degenerate
from benchagent.program.tools.registry import get_tool
from benchagent.signatures import Facet, GroundSubtask, SourceJudgment, SubtaskDraft, TransformPlan

WEIGHTS = {"alignment": 0.4, "coverage": 0.3, "simplicity": 0.2, "risk": 0.1}
THRESHOLD = 0.5
ALIGNMENT_BAR = 0.7   # alignment a candidate needs on its own; simplicity and low risk never make up for less


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


def subtask_brief(subtask: SubtaskDraft, language: str = "English", facets: Sequence[Facet] = ()) -> str:
    """The subtask as the agents read it: what it asks, the specifics of the requirement it carries, and the
    language its items are written in when that is not English."""
    brief = {"name": subtask.name, "description": subtask.description, "answer_type": subtask.answer_type,
             "modalities": subtask.modalities}
    specifics = [f"{f.kind}: {f.value}" for f in facets if f.key in subtask.facets and f.kind != "language"]
    if specifics:
        brief["must_honour"] = specifics
    if language and language != "English":
        brief["write_in"] = f"{language}: write every question and option in {language}"
    return json.dumps(brief, ensure_ascii=False)


def candidate_line(card: SourceCard, plan: TransformPlan) -> str:
    steps = "; ".join(f"{s.kind} {s.tool}" for s in plan.steps)
    return f"{card.id}: {card.description} Plan: {steps}"


def plan_problem(subtask: SubtaskDraft, card: SourceCard, plan: TransformPlan | None, tools: set[str],
                 predictors: set[str]) -> str | None:
    """Why this card's plan cannot serve the subtask, or None if it validates."""
    if plan is None:
        return f"no transformation from {card.name} yields {subtask.answer_type} items"
    try:
        validate_plan(plan, answer_type=subtask.answer_type, modalities=subtask.modalities,
                      record_fields=set(card.fields), tools=tools, predictors=predictors)
    except PlanValidationError as exc:
        return f"plan rejected: {exc}"
    return None


def asked_by_code(subtask: SubtaskDraft, plan: TransformPlan, facets: Sequence[Facet]) -> list[str]:
    """The keys of what the subtask asks (its operation and question-kind facets, else its capabilities: `asking`)
    when the plan's tool asks a kind of question each one's value names ('can read values off bar charts' → the
    value of a named bar). A facet naming no kind of question of any tool ('say which month') says how to answer,
    not what to ask, and is left out; one naming only another tool's kinds refuses. A facet's quote does not count:
    a small model quotes the whole requirement. Empty when the subtask names nothing to ask or the tool asks
    something else."""
    said = [f for f in asking([f for f in facets if f.key in subtask.facets]) if kinds_named(f.value, every_kind())]
    target = asked_kinds(plan)
    if not said or target is None:
        return []
    step, kinds = target
    vocabulary = get_tool(step.tool).asks
    return [f.key for f in said] if all(set(kinds_named(f.value, vocabulary)) & set(kinds) for f in said) else []


class GroundingAgent(dspy.Module):
    """Plans come from the cards and are validated by code; one LLM call judges the valid ones side by side."""

    def __init__(self, threshold: float = THRESHOLD):
        super().__init__()
        self.judge = dspy.Predict(GroundSubtask)
        self.threshold = threshold

    def forward(self, subtask: SubtaskDraft, candidates: list[tuple[SourceCard, TransformPlan | None]],
                tools: set[str], predictors: set[str], brief: str | None = None,
                facets: Sequence[Facet] = ()) -> list[Grounding]:
        """Each candidate judged. A candidate whose tool asks all the subtask asks (`asked_by_code`) is aligned by
        that evidence: the 1.5B judge scored the bar chart generator's alignment 0.0 to 1.0 on six samples of one
        prompt for 'read values off bar charts', with rationales such as 'aligns well'. The judge still ranks and
        scores such a candidate beside others; when it is the only one, there is nothing to judge, and when the
        judge decides nothing twice, the one candidate aligned by code is taken."""
        results, valid = [], []
        for card, plan in candidates:
            problem = plan_problem(subtask, card, plan, tools, predictors)
            if problem:
                results.append(Grounding(card.id, plan, {}, 0.0, False, problem))
            else:
                valid.append((card, plan))
        if not valid:
            return results
        if len(valid) == 1 and (asked := asked_by_code(subtask, valid[0][1], facets)):
            card, plan = valid[0]
            return results + [Grounding(card.id, plan, {"alignment": ALIGNMENT_BAR}, ALIGNMENT_BAR, True,
                                        f"the only candidate, and its tool asks what {', '.join(asked)} name: aligned "
                                        f"by code at the bar ({ALIGNMENT_BAR}), no judge asked")]
        judgments = self._judge(brief or subtask_brief(subtask), [candidate_line(c, p) for c, p in valid])
        if judgments is None:
            return results + [Grounding(card.id, plan, {}, 0.0, False, "the judge's reply could not be read twice")
                              for card, plan in valid]
        aligned = [(card, plan, asked) for card, plan in valid if (asked := asked_by_code(subtask, plan, facets))]
        if undecided(judgments) and len(aligned) == 1:
            (card, plan, asked), others = aligned[0], [(c, p) for c, p in valid if c is not aligned[0][0]]
            return results + [Grounding(card.id, plan, {"alignment": ALIGNMENT_BAR}, ALIGNMENT_BAR, True,
                                        f"the judge decided nothing twice, and its tool asks what {', '.join(asked)} "
                                        f"name: aligned by code at the bar ({ALIGNMENT_BAR})")] + [
                Grounding(c.id, p, {}, 0.0, False, "the judge decided nothing twice, and its tool is not aligned by "
                                                   "code") for c, p in others]
        by_id: dict[str, SourceJudgment] = {j.source_id.strip(): j for j in judgments}
        in_order = len(judgments) == len(valid)
        for i, (card, plan) in enumerate(valid):
            # a small model numbers the id it repeats ("gen_shape_scenes_1"): the first such verdict is the source's
            judgment = (by_id.get(card.id)
                        or next((j for j in judgments if j.source_id.strip().startswith(card.id)), None)
                        or (judgments[i] if in_order else None))
            if judgment is None:
                results.append(Grounding(card.id, plan, {}, 0.0, False, "the judge gave no verdict on it"))
                continue
            scores = {k: getattr(judgment, k) for k in WEIGHTS}
            score = combine(scores)
            rationale = judgment.rationale.strip()
            bad = degenerate(rationale, 300)
            if bad:
                results.append(Grounding(card.id, plan, scores, score, False,
                                         f"verdict refused: the judge's rationale was degenerate ({bad})"))
                continue
            # Whether the source can be transformed is code's to say: its plan validated. The judge says how well.
            judged = min(1.0, max(0.0, float(scores["alignment"])))
            by_code = asked_by_code(subtask, plan, facets) if judged < ALIGNMENT_BAR else []
            if by_code:
                score = combine({**scores, "alignment": ALIGNMENT_BAR})
                rationale = f"aligned by code, its tool asks what {', '.join(by_code)} name (the judge gave " \
                            f"alignment {judged:.2f}): {rationale}"
            aligned = judged >= ALIGNMENT_BAR or bool(by_code)
            accepted = aligned and score >= self.threshold
            if not aligned:
                rationale = f"not aligned with the subtask (alignment {scores['alignment']:.2f} < {ALIGNMENT_BAR}): " \
                            f"{rationale}"
            elif not accepted:
                rationale = f"scored {score:.2f} < {self.threshold}: {rationale}"
            results.append(Grounding(card.id, plan, scores, score, accepted, rationale))
        return results

    def _judge(self, subtask: str, lines: list[str]) -> list[SourceJudgment] | None:
        """The judgments, asked again once (sampled) when a reply cannot be read, e.g. a list looping to max_tokens,
        or decides nothing (`undecided`: it gave the bar chart generator 0.5 for 'read values off bar charts')."""
        judgments = None
        for attempt in range(2):
            config = {"rollout_id": attempt, "temperature": 0.7} if attempt else {}
            try:
                judgments = self.judge(subtask=subtask, candidates="\n".join(lines), config=config,
                                       **at_most(self.judge, "judgments", len(lines))).judgments
            except AdapterParseError:
                continue
            if not undecided(judgments):
                break
        return judgments


def undecided(judgments: list[SourceJudgment]) -> bool:
    """A reply that judges nothing: every alignment at the midpoint 0.5, or every verdict all zeros (the 1.5B judge
    gave both unit sources 0 on every score: 'does not provide any alignment information')."""
    return all(j.alignment == 0.5 for j in judgments) or all(
        j.alignment == j.coverage == j.simplicity == 0 for j in judgments)
