"""Deterministic validation of a transformation plan's dataflow."""

import json

from benchagent.program.errors import PlanValidationError
from benchagent.program.executor.realize import binding
from benchagent.signatures import TransformPlan

NAMESPACES = ("original.", "slot.", "interim.", "final.input.", "final.output.")
SLOT_VALUES = frozenset({"slot.seed", "slot.gold_position", "slot.wanted_answer"})


def sample_schema(answer_type: str, modalities: list[str]) -> dict[str, list[str]]:
    """The final fields an item of this answer type and these modalities must have."""
    inputs = ["question"]
    if "image" in modalities:
        inputs.append("image")
    if answer_type == "choice":
        inputs.append("options")
    return {"input": inputs, "output": ["answer"]}


def required_finals(answer_type: str, modalities: list[str]) -> set[str]:
    schema = sample_schema(answer_type, modalities)
    return {f"final.input.{f}" for f in schema["input"]} | {f"final.output.{f}" for f in schema["output"]}


def _literal(ref: str, name: str, where: str) -> bool:
    """True for a literal input; one that is not JSON, or names no argument, is refused."""
    if not ref.startswith("="):
        return False
    try:
        json.loads(ref[1:])
    except ValueError:
        raise PlanValidationError(f"{where}: literal input {ref!r} is not JSON") from None
    if not name:
        raise PlanValidationError(f"{where}: literal input {ref!r} names no argument ('=value:arg')")
    return True


def validate_plan(
    plan: TransformPlan,
    *,
    answer_type: str,
    modalities: list[str],
    record_fields: set[str],
    tools: set[str],
    predictors: set[str],
) -> None:
    """Raise PlanValidationError unless every reference resolves, every tool exists and nothing leaks."""
    available = {f"original.{f}" for f in record_fields} | SLOT_VALUES
    for number, step in enumerate(plan.steps, 1):
        where = f"step {number} ({step.kind} {step.tool})"
        inputs = [ref for ref, name in map(binding, step.inputs) if not _literal(ref, name, where)]
        outputs = [e.partition(":")[0] for e in step.outputs]
        known = tools if step.kind == "PURE" else predictors
        if step.tool not in known:
            raise PlanValidationError(f"{where}: unknown {'tool' if step.kind == 'PURE' else 'predictor'}")
        for ref in [*inputs, *outputs]:
            if not ref.startswith(NAMESPACES):
                raise PlanValidationError(f"{where}: reference {ref!r} is outside original/slot/interim/final")
        missing = [ref for ref in inputs if ref not in available]
        if missing:
            raise PlanValidationError(f"{where}: reads {missing} before anything produces them")
        if any(r.startswith(("original.", "slot.")) for r in outputs):
            raise PlanValidationError(f"{where}: writes into the source record or the slot")
        reads_output = any(r.startswith("final.output.") for r in inputs)
        writes_input = any(r.startswith("final.input.") for r in outputs)
        if reads_output and writes_input:
            raise PlanValidationError(f"{where}: copies final.output into final.input")
        available.update(outputs)
    missing_finals = required_finals(answer_type, modalities) - available
    if missing_finals:
        raise PlanValidationError(f"plan never produces {sorted(missing_finals)}")
