"""Checking a spec a user edited: known sources, valid plans, shares that add up to each quota."""

from benchagent.program.errors import PlanValidationError
from benchagent.program.planner.allocation import SourceShare, spread
from benchagent.program.planner.plan_check import validate_plan
from benchagent.program.sources.cards import SourceCard
from benchagent.signatures import Spec


def check_spec(spec: Spec, cards: dict[str, SourceCard], *, tools: set[str], predictors: set[str]) -> Spec:
    """Raise PlanValidationError naming the first problem; returns the spec with shares spread over its sources
    wherever they do not add up to the subtask's quota."""
    keys = [s.key for s in spec.subtasks]
    if len(set(keys)) != len(keys):
        raise PlanValidationError(f"subtask keys repeat: {', '.join(sorted({k for k in keys if keys.count(k) > 1}))}")
    if spec.size < 1:
        raise PlanValidationError("every quota is 0: nothing to build")
    subtasks = []
    for subtask in spec.subtasks:
        if subtask.quota and not subtask.sources:
            raise PlanValidationError(f"subtask {subtask.key} has a quota of {subtask.quota} but no source")
        for source in subtask.sources:
            card = cards.get(source.source_id)
            if card is None:
                raise PlanValidationError(f"subtask {subtask.key}: unknown source {source.source_id!r}")
            try:
                validate_plan(source.plan, answer_type=subtask.answer_type, modalities=subtask.modalities,
                              record_fields=set(card.fields), tools=tools, predictors=predictors)
            except PlanValidationError as exc:
                raise PlanValidationError(f"subtask {subtask.key}, source {source.source_id}: {exc}") from None
        if sum(s.share for s in subtask.sources) != subtask.quota:
            shares = spread(subtask.quota, [SourceShare(s.source_id, s.score or 0.0, cards[s.source_id].size)
                                            for s in subtask.sources])
            subtask = subtask.model_copy(update={"sources": [
                s.model_copy(update={"share": shares[s.source_id]}) for s in subtask.sources]})
        subtasks.append(subtask)
    return spec.model_copy(update={"subtasks": subtasks})
