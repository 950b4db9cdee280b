"""Realization: runs a transformation plan step by step, PURE steps as tools and LLM steps as predictors."""

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.program.errors import RealizationError
from benchagent.program.executor.item import SIDE_OF, Item
from benchagent.program.executor.taught import lessons_of, with_lessons
from benchagent.program.tools.options import distinct
from benchagent.program.tools.registry import ToolError, ToolResult, get_tool, run_tool
from benchagent.program.intent import other_language
from benchagent.program.text_bounds import degenerate
from benchagent.signatures import PhraseQuestion, ProposeContent, TransformPlan, Translate, WriteBrief, WriteItem

@dataclass
class Dataflow:
    """The values of one realization, keyed by dotted reference, and the images made on the way."""

    values: dict[str, Any]
    images: dict[str, bytes] = field(default_factory=dict)

    def take(self, refs: list[str]) -> dict[str, Any]:
        return {name: literal(ref) if ref.startswith("=") else self.values[ref] for ref, name in map(binding, refs)}


    def with_image_bytes(self, args: dict[str, Any], model) -> dict[str, Any]:
        """Image names made by earlier steps become their PNG bytes where the tool takes bytes."""
        fields = model.model_fields

        def swap(value: Any) -> Any:
            return self.images.get(value, value) if isinstance(value, str) else value

        out = {}
        for name, value in args.items():
            annotation = fields[name].annotation if name in fields else None
            if annotation is bytes:
                value = swap(value)
            elif annotation == list[bytes] and isinstance(value, list):
                value = [swap(v) for v in value]
            out[name] = value
        return out


def binding(entry: str) -> tuple[str, str]:
    """'interim.answer:gold' binds reference interim.answer to field gold; a bare reference binds its last part.
    An input may be a JSON literal bound to a field: '=["blur"]:kinds'."""
    if entry.startswith("="):
        value, _, name = entry.rpartition(":")
        return value, name
    ref, _, name = entry.partition(":")
    return ref, name or ref.rsplit(".", 1)[-1]


def literal(ref: str) -> Any:
    """The value of a literal input ('=0.5' -> 0.5); a literal that is not JSON is a plan error."""
    try:
        return json.loads(ref[1:])
    except ValueError:
        raise RealizationError(f"literal input {ref!r} is not JSON") from None


REASKS = 8  # other seeds a yes/no target is asked with for the answer a slot wants


def _unwanted(produced: dict, wanted: str | None) -> bool:
    """The step gave the item's answer, and not the one the slot wants."""
    answer = produced.get("final.output.answer")
    return bool(wanted) and answer is not None and SIDE_OF.get(str(answer).strip().lower(), "") != wanted


@functools.cache
def _dspy_tool(name: str) -> dspy.Tool:
    """The registry tool as a dspy.Tool, so the callback records its calls; built once per name (parsing the
    function's signature costs more than most tools)."""
    spec = get_tool(name)

    def call(**kwargs: Any) -> ToolResult:
        return run_tool(name, kwargs)

    return dspy.Tool(call, name=name, desc=spec.description, args={})


def _field(result: Any, name: str, step: str) -> Any:
    source = result if isinstance(result, dict) else result.output.model_dump(mode="json")
    if name not in source:
        raise RealizationError(f"{step}: produced no field {name!r}")
    return source[name]


class Realizer(dspy.Module):
    """Executes a plan for one record; each step is retried and a failed step leaves the dataflow untouched."""

    def __init__(self, retries: int = 2):
        super().__init__()
        self.phrase_question = dspy.Predict(PhraseQuestion)
        self.write_brief = dspy.Predict(WriteBrief)
        self.write_item = dspy.Predict(WriteItem)
        self.propose_content = dspy.Predict(ProposeContent)
        self.translate = dspy.Predict(Translate)
        self.retries = retries

    def forward(self, plan: TransformPlan, record: dict[str, Any], slot: dict[str, Any], *, subtask: str) -> Dataflow:
        flow = Dataflow({f"original.{k}": v for k, v in record.items()} | {f"slot.{k}": v for k, v in slot.items()})
        for number, step in enumerate(plan.steps, 1):
            label = f"step {number} {step.kind} {step.tool}"
            last_error: Exception | None = None
            attempts = self.retries + 1 if step.kind == "LLM" else 1  # a pure tool gives the same answer again
            for attempt in range(attempts):
                try:
                    produced, images = self._run_step(step, flow, subtask=subtask, attempt=attempt, label=label)
                    if _unwanted(produced, flow.values.get("slot.wanted_answer")) and "slot.seed" in step.inputs:
                        produced, images = self._asked_again(step, flow, produced, images, label)
                except (ToolError, RealizationError, ValueError, AdapterParseError) as exc:
                    last_error = exc
                    continue
                flow.values.update(produced)
                flow.images.update(images)
                break
            else:
                raise RealizationError(f"{label} failed after {attempts} attempt(s): {last_error}") from last_error
        return flow

    def _asked_again(self, step, flow: Dataflow, produced: dict, images: dict, label: str) -> tuple[dict, dict]:
        """A yes/no target asked again with other seeds until its answer is the one the slot wants, so a build's
        answers stay half yes and half no; the last answer when no seed of REASKS gives it (the last call logged is
        always the one kept)."""
        seed, wanted = flow.values["slot.seed"], flow.values["slot.wanted_answer"]
        for k in range(1, REASKS + 1):
            try:
                produced, images = self._run_step(step, flow, subtask="", attempt=0, label=label,
                                                  seed=(seed + k * 0x9E3779B1) % 2**32)
            except (ToolError, RealizationError, ValueError):
                continue
            if not _unwanted(produced, wanted):
                break
        return produced, images

    def _run_step(self, step, flow: Dataflow, *, subtask: str, attempt: int, label: str, seed: int | None = None):
        args = flow.take(step.inputs)
        if seed is not None:
            args[next(name for ref, name in map(binding, step.inputs) if ref == "slot.seed")] = seed
        if step.kind == "PURE":
            args = flow.with_image_bytes(args, get_tool(step.tool).input_model)
            result = _dspy_tool(step.tool)(**args)
            produced = {ref: _field(result, name, label) for ref, name in map(binding, step.outputs)}
            return produced, result.images
        predictor = getattr(self, step.tool)
        config = {"rollout_id": attempt, "temperature": 0.7} if attempt else {}
        taught = with_lessons(subtask, lessons_of(predictor))  # a compiled step reads its lessons as input too
        prediction = predictor(subtask=taught, **args, config=config)
        written = dict(prediction.items())
        options = written.get("options") or []
        if options and options.count(written.get("answer")) != 1:
            raise RealizationError(f"{label}: the answer {written.get('answer')!r} is not exactly one of the options")
        if not distinct(options):
            raise RealizationError(f"{label}: the options repeat one another")
        if options and "option_count" in args and len(options) != args["option_count"]:
            raise RealizationError(f"{label}: {len(options)} options written, {args['option_count']} asked")
        if step.tool == "translate":
            problem = translation_problem(args["text"], str(written.get("translation", "")), args["language"])
            if problem:
                raise RealizationError(f"{label}: {problem}")
        produced = {ref: _field(written, name, label) for ref, name in map(binding, step.outputs)}
        return produced, {}


@functools.cache
def llm_steps() -> dict[str, type[dspy.Signature]]:
    """The LLM steps a plan may name, each with the signature its predictor answers: the Realizer's step modules
    by attribute name (a Predict, or a module holding one, such as a ChainOfThought)."""
    return {name.partition(".")[0]: predictor.signature for name, predictor in Realizer().named_predictors()}


def translation_problem(text: str, translation: str, language: str) -> str | None:
    """Why a translation cannot stand for its text: empty or degenerate, a number lost or added, or surely written
    in another language; None when it can."""
    if not translation.strip():
        return "the translation is empty"
    bad = degenerate(translation, 4 * len(text) + 200)
    if bad:
        return f"the translation is degenerate ({bad})"
    if sorted(re.findall(r"\d+", text)) != sorted(re.findall(r"\d+", translation)):
        return "the translation does not keep the text's numbers exactly"
    other = other_language(translation, language)
    return f"the translation is in {other}, not {language}" if other else None


def item_from_flow(flow: Dataflow, *, answer_origin: str) -> Item:
    """Collect final.input.* and final.output.* into an Item; images are referenced by name."""
    values = flow.values
    images = {}
    image_name = values.get("final.input.image")
    if image_name is not None:
        if image_name not in flow.images:
            raise RealizationError(f"final.input.image names {image_name!r}, which no tool made")
        images["image"] = flow.images[image_name]
    options = values.get("final.input.options")
    extra = {
        ref.removeprefix("final.input."): v for ref, v in values.items()
        if ref.startswith("final.input.")
        and ref not in ("final.input.question", "final.input.image", "final.input.options")
    }
    return Item(
        question=str(values.get("final.input.question", "")).strip(),
        answer=str(values.get("final.output.answer", "")).strip(),
        answer_origin=answer_origin,
        options=[str(o) for o in options] if options is not None else None,
        images=images,
        facts=str(values.get("interim.facts", "")) + (
            f" (the image is degraded: {values['interim.degradation'].replace('_', ' ')})"
            if values.get("interim.degradation", "none") != "none" else ""),
        extra_input=extra,
        goal=str(values.get("interim.goal", "")),
        query=values.get("interim.query") if isinstance(values.get("interim.query"), dict) else {},
    )
