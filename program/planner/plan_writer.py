"""Plans for sources without a recipe: deterministic templates over a card's fields (built-in and user sources),
and an LLM plan writer whose plans are validated and dry-run on a real record, with one retry."""

import functools
import itertools
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.program.errors import PlanValidationError
from benchagent.program.intent import card_words, given_things, stems, whole_words
from benchagent.program.executor.realize import Dataflow, binding, llm_steps
from benchagent.program.planner.facets import asked_kinds, kinds_named
from benchagent.program.planner.limits import WHERE_SPAN, draws
from benchagent.program.planner.plan_check import required_finals, validate_plan
from benchagent.program.sources.builtin import unit_name
from benchagent.program.sources.cards import SourceCard, listed_values
from benchagent.program.sources.catalog import source_for, user_reader
from benchagent.program.sources.families.plans import PHRASE, PLACE_GOLD, answer_output
from benchagent.program.sources.readers import SourceError, shorten
from benchagent.program.sources.user import UserCard
from benchagent.program.tools.records import COMPARES, MAX_OPTIONS, is_number
from benchagent.program.tools.registry import Tool, ToolError, get_tool, run_tool
from benchagent.signatures import Facet, PlanStep, SubtaskDraft, TransformPlan
from benchagent.signatures.plan_writer import WritePlan

PLAN_TOOLS = ("field_target", "holds_target", "label_pool_target", "passage_cloze", "record_image", "decimal_options",
              "label_options", "shuffle_options")
NAME_FIELDS = ("name", "title", "term", "word", "topic")
PASSAGE_FIELDS = ("text", "passage", "content", "body", "article", "paragraph")
SAMPLE, IMAGE_SAMPLE = 2000, 200  # records read to learn a source's columns
MAX_LABELS, MAX_LABEL_CHARS, MAX_NAME_CHARS = 50, 40, 80
DISTRACTOR_POOL = 40  # values of other records a field with many distinct values draws its distractors from
TARGET_OUTPUTS = ["interim.goal", "interim.context", "interim.facts", "interim.query"]
WORDED_TARGETS = ("passage_cloze",)  # targets whose question is fixed in form: code words it, no LLM rephrases it


# Checking a plan


def _record_flow(record: dict[str, Any]) -> Dataflow:
    """The dataflow a realization of this record starts from, with the first slot's seed and gold position."""
    return Dataflow({f"original.{k}": v for k, v in record.items()} | {"slot.seed": 0, "slot.gold_position": 0})


def dry_run(plan: TransformPlan, record: dict[str, Any]) -> None:
    """Run the PURE steps on one record (LLM steps give placeholder text, their arguments checked against the
    predictor's inputs); PlanValidationError names the first step that fails."""
    flow = _record_flow(record)
    for number, step in enumerate(plan.steps, 1):
        where = f"step {number} ({step.kind} {step.tool})"
        args = flow.take(step.inputs)
        if step.kind == "PURE":
            try:
                done = run_tool(step.tool, flow.with_image_bytes(args, get_tool(step.tool).input_model))
            except ToolError as exc:
                raise PlanValidationError(f"{where}: {exc}") from None
            result = done.result
            flow.images.update(done.images)
        else:
            signature = llm_steps()[step.tool]
            wanted = set(signature.input_fields) - {"subtask"}
            if set(args) != wanted:
                raise PlanValidationError(f"{where}: takes {sorted(wanted)}, got {sorted(args)}")
            result = {name: "..." for name in signature.output_fields}
        for ref, name in map(binding, step.outputs):
            if name not in result:
                raise PlanValidationError(f"{where}: has no output {name!r}; it gives {sorted(result)}")
            flow.values[ref] = result[name]


TRIED_RECORDS = 20  # generated records a narrowed question target is tried on


def unaskable(plan: TransformPlan, card: SourceCard) -> str | None:
    """Why a generated source cannot ask the kinds of question its plan's target was narrowed to (the largest rise
    from the month before, of a bar chart's categories), found by running the target on its first records that the
    plan draws (found among WHERE_SPAN times as many); None when one of them can, or the target is not narrowed."""
    asked = asked_kinds(plan)
    if asked is None or card.kind != "generator":
        return None
    step, kinds = asked
    source, error = source_for(card), ""
    scanned = (source.record(i) for i in range(min(source.capacity, TRIED_RECORDS * WHERE_SPAN)))
    for record in itertools.islice((r for r in scanned if draws(plan, r)), TRIED_RECORDS):
        try:
            run_tool(step.tool, _record_flow(record).take(step.inputs))
            return None
        except (ToolError, KeyError) as exc:
            error = str(exc)
    return f"its records allow no question of the kinds asked ({', '.join(kinds)}){': ' + error if error else ''}"


def example_record(card: SourceCard) -> dict[str, Any] | None:
    """The source's first record, or None when it cannot be read."""
    try:
        return source_for(card).record(0)
    except (SourceError, ValueError):
        return None


def check_plan(plan: TransformPlan, subtask: SubtaskDraft, card: SourceCard, tools: set[str],
               record: dict[str, Any] | None) -> None:
    validate_plan(plan, answer_type=subtask.answer_type, modalities=subtask.modalities,
                  record_fields=set(card.fields), tools=tools, predictors=set(llm_steps()))
    if record is not None:
        dry_run(plan, record)


# The LLM plan writer


def tool_text(tools: list[Tool]) -> str:
    """One line a tool: name(inputs, optional ones marked ?) -> outputs: description."""
    def line(t: Tool) -> str:
        inputs = ", ".join(n + ("" if f.is_required() else "?") for n, f in t.input_model.model_fields.items())
        outputs = ", ".join(n for n in t.output_model.model_fields if n != "images")
        return f"{t.name}({inputs}) -> {outputs}: {t.description}"
    return "\n".join(map(line, tools))


def card_text(card: SourceCard, record: dict[str, Any] | None) -> str:
    examples = card.examples if isinstance(card, UserCard) else []
    example = record if record is not None else (examples or [None])[0]
    fields = "\n".join(f"- {name}: {description}" for name, description in card.fields.items())
    return f"{card.name}: {card.description}\nfields:\n{fields}\nexample: " + \
        json.dumps(shorten(example, 80), ensure_ascii=False, default=str)


class PlanWriter(dspy.Module):
    """Asks the LM for a plan, validates it and dry-runs it on the source's first record; one retry that is told the
    error, then None."""

    def __init__(self):
        super().__init__()
        self.write = dspy.Predict(WritePlan)

    def forward(self, subtask: SubtaskDraft, card: SourceCard,
                tools: list[Tool] | None = None) -> TransformPlan | None:
        tools = tools if tools is not None else [get_tool(name) for name in PLAN_TOOLS]
        record = example_record(card)
        brief = json.dumps({"name": subtask.name, "description": subtask.description,
                            "answer_type": subtask.answer_type, "modalities": subtask.modalities,
                            "produce": sorted(required_finals(subtask.answer_type, subtask.modalities))},
                           ensure_ascii=False)
        inputs = {"tools": tool_text(tools), "card": card_text(card, record)}
        error = None
        for _ in range(2):
            note = f"\nYour previous plan was rejected: {error}. Fix it." if error else ""
            try:
                plan = self.write(**inputs, subtask=brief + note).plan
                check_plan(plan, subtask, card, {t.name for t in tools}, record)
                return plan
            except (PlanValidationError, AdapterParseError) as exc:
                error = " ".join(str(exc).split())[:500]
        return None


# Templates over a card's fields


Candidate = tuple[list[str], TransformPlan]  # the labels of the one field a plan asks ([] for several), the plan


@dataclass(frozen=True)
class _Column:
    name: str
    label: str
    kind: str           # number | text | image | other
    values: tuple       # the non-null values read (images left out)
    complete: bool      # no record lacks it

    @property
    def ref(self) -> str:
        return f"original.{self.name}"

    def bind(self, role: str) -> str:
        return f"{self.ref}:{role}.{self.label}"


def _label(name: str, description: str) -> str:
    """How a goal calls a field: the card's phrase for it up to the field's own word ('int: atomic number' ->
    'atomic number', 'float: atomic mass in u' -> 'atomic mass'), else the field name in words."""
    words = [w for w in name.lower().split("_") if len(w) >= 3]
    phrase = re.split(r"[,;(]", description.partition(":")[2])[0].strip()
    tokens = re.sub(r"^(the|a|an) ", "", phrase, flags=re.IGNORECASE).split()
    ends = [i for i, t in enumerate(tokens) if any(t.lower().startswith(w) for w in words)]
    if ends and ends[-1] < 5 and "|" not in phrase and "e.g." not in phrase:
        return " ".join(tokens[:ends[-1] + 1])
    return name.replace("_", " ")


def _kind(values: list) -> str:
    if not values:
        return "other"
    if all(isinstance(v, bytes) for v in values):
        return "image"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "number"
    return "text" if all(isinstance(v, str) for v in values) else "other"


@functools.lru_cache(maxsize=64)
def _read(source_id: str, path: str | None, size: int, fields: tuple[str, ...],
          image: bool) -> tuple[dict[str, list], int]:
    """The values of each field over the source's first records, and how many records were read."""
    source = user_reader(path) if path else source_for(source_id)
    count = min(source.capacity, IMAGE_SAMPLE if image else SAMPLE)
    rows = [source.record(i) for i in range(count)]
    return {f: [r.get(f) for r in rows] for f in fields}, count


def _columns(card: SourceCard) -> list[_Column]:
    fields = card.fields
    image = any(d.split(":")[0].strip() == "image" for d in fields.values())
    path = card.path if isinstance(card, UserCard) else None
    values, count = _read(card.id, path, card.size, tuple(fields), image)
    return [_Column(name, _label(name, desc), _kind([v for v in values[name] if v is not None]),
                    tuple(v for v in values[name] if v is not None and not isinstance(v, bytes)),
                    all(v is not None for v in values[name]) and count > 0)
            for name, desc in fields.items()]


def _subject(columns: list[_Column]) -> _Column | None:
    """A text field with a distinct, short value in every record, name-like fields first."""
    names = [c for c in columns if c.kind == "text" and c.complete and len(set(c.values)) == len(c.values)
             and all(0 < len(v) <= MAX_NAME_CHARS for v in c.values)]
    return min(names, key=lambda c: NAME_FIELDS.index(c.name) if c.name in NAME_FIELDS else len(NAME_FIELDS),
               default=None)


def _namer(columns: list[_Column]) -> _Column | None:
    """A name field in every record, its values short though some repeat ('ford pinto' of several model years): it
    names the records a comparison offers, each name offered once."""
    return next((c for name in NAME_FIELDS for c in columns if c.name == name and c.kind == "text" and c.complete
                 and all(0 < len(v) <= MAX_NAME_CHARS for v in c.values)), None)


def _other_names(columns: list[_Column], subject: _Column | None) -> list[_Column]:
    """Text fields beside the subject that also name every record apart (an airport's code beside its name): a
    comparison may offer records by them when the answer is asked so."""
    return [c for c in columns if c is not subject and c.kind == "text" and c.complete
            and len(set(c.values)) == len(c.values) and all(0 < len(v) <= MAX_LABEL_CHARS for v in c.values)]


def _pool(column: _Column) -> list[str]:
    """The column's labels, if it repeats a few short values (2 to 50 of them)."""
    labels = sorted({str(v) for v in column.values})
    short = all(len(v) <= MAX_LABEL_CHARS for v in labels)
    return labels if short and 2 <= len(labels) <= MAX_LABELS and len(labels) < len(column.values) else []


def _pool_inputs(column: _Column) -> list[str]:
    """The plan inputs naming the labels a choice item on this column draws its options from: each label bound as
    pool.<label> when the column repeats a few, else a fixed sample of other records' values as one literal, so a
    field whose every record differs (a code, an official name) still gets distractors of its own kind."""
    labels = _pool(column)
    if labels:
        return [f"{column.ref}:pool.{v}" for v in labels]
    values = sorted({str(v).strip() for v in column.values if str(v).strip()})
    if len(values) <= MAX_LABELS or any(len(v) > MAX_LABEL_CHARS for v in values):
        return []
    return [_sampled_pool(values)]


def _sampled_pool(values: list[str]) -> str:
    """The plan input listing up to DISTRACTOR_POOL of the sorted values, evenly spread, as one literal pool."""
    count = min(len(values), DISTRACTOR_POOL)
    step = len(values) / count
    return "=" + json.dumps([values[int(i * step)] for i in range(count)], ensure_ascii=False) + ":pool"


def _assemble(target: str, inputs: list[str], answer_type: str, *, instruction: str, options: str | None,
              context: bool, image: _Column | None = None) -> TransformPlan:
    """Target step (exact answer) -> image, if any -> options (decimal or label), for choice -> phrased question
    (unless the target words its own)."""
    choice = answer_type == "choice"
    worded = target in WORDED_TARGETS
    outputs = [*TARGET_OUTPUTS, "interim.answer:answer" if choice else "final.output.answer:answer"]
    outputs += ["final.input.context:context"] if context else []
    outputs += ["final.input.question:question"] if worded else []
    labels = choice and options == "label_options"
    outputs += ["interim.label_pool", "interim.option_count", "interim.gold_position"] if labels else []
    steps = [PlanStep(kind="PURE", tool=target, inputs=[*inputs, "slot.seed", *(["slot.gold_position:position"]
                      if labels else [])], outputs=outputs, instruction=instruction)]
    if image:
        steps.append(PlanStep(kind="PURE", tool="record_image", inputs=[f"{image.ref}:image"],
                              outputs=["final.input.image:image"], instruction="show the record's image"))
    if choice:
        extra = ["interim.label_pool:pool", "interim.option_count:n"] if labels else []
        steps += [
            PlanStep(kind="PURE", tool=options, inputs=["interim.answer", *extra, "slot.seed"],
                     outputs=["interim.options"], instruction="make distinct distractors for the answer"),
            PlanStep(kind="PURE", tool="shuffle_options", inputs=[
                "interim.options", "interim.answer:gold", "slot.seed",
                "interim.gold_position:position" if labels else "slot.gold_position:position"],
                outputs=["final.input.options:options", "final.output.answer:gold"],
                instruction="place the gold option at the balanced position"),
        ]
    return TransformPlan(kind="metadata_rich", steps=[*steps, *([] if worded else [PHRASE])])


def _field_plans(columns: list[_Column], subject: _Column, answer_type: str, lookup: bool) -> list[Candidate]:
    """Ask a field of the record its subject names, among fields whose commonest value is in at most half the records:
    mixed (a seeded pick among the fields) first, then one per field."""
    others = [c for c in columns if c is not subject]
    varied = [c for c in others
              if c.kind in ("number", "text") and Counter(c.values).most_common(1)[0][1] <= len(c.values) / 2]
    numbers = [c for c in varied if c.kind == "number"]
    labels = [c for c in varied if c.kind == "text" and all(len(v) <= MAX_LABEL_CHARS for v in c.values)]
    shown = [c.bind("shown") for c in others if c.kind in ("number", "text")] if lookup else []
    families = {"number": [(numbers, "decimal_options")], "label": [(labels, None)],
                "choice": [(numbers, "decimal_options"), ([c for c in labels if _pool_inputs(c)], "label_options")]}
    plans = []
    for answers, options in families.get(answer_type, []):
        groups = ([answers] if len(answers) > 1 and options != "label_options" else []) + [[c] for c in answers]
        for group in groups:
            pool = _pool_inputs(group[0]) if options == "label_options" else []
            asked = " or ".join(c.label for c in group)
            plan = _assemble("field_target", [subject.bind("subject"), *(c.bind("answer") for c in group), *shown,
                                              *pool], answer_type, options=options, context=lookup,
                             instruction=f"ask the {asked} of the record named by its {subject.label}")
            plans.append(([c.label for c in group] if len(group) == 1 else [], plan))
    return plans


def _named_by_plans(columns: list[_Column], subject: _Column, answer_type: str, about: str,
                    records: str) -> list[Candidate]:
    """Ask which of the records (`records`: 'countries') a field value shown belongs to, its subject the answer ('show
    a country's flag emoji and ask which country it is'), for each field whose every record differs that `about`
    names as what an item gives; the answer is labelled as one of the records ('country'), which the question
    asks."""
    if answer_type not in ("label", "choice"):
        return []
    record = next(iter(whole_words(records.replace("_", " ").split()[-1])), subject.label)  # 'countries': 'country'
    given = whole_words(" ".join(given_things(about)))
    names = sorted({str(v).strip() for v in subject.values if 0 < len(str(v).strip()) <= MAX_LABEL_CHARS})
    pool = [_sampled_pool(names)] if answer_type == "choice" else []
    plans = []
    for column in columns:
        if (column is subject or column.kind != "text" or len(set(column.values)) < len(column.values)
                or not whole_words(column.label) <= given):
            continue
        plans.append(([column.label, "which"], _assemble(
            "label_pool_target", [f"{subject.ref}:answer.{record}", column.bind("shown"), *pool], answer_type,
            options="label_options", context=True,
            instruction=f"ask which record's {column.label} is shown; the answer is its {subject.label}")))
    return plans


COMPARED = 60  # records a comparison's options are drawn from, at most
# a ratio records are compared by: 'population density', 'power-to-weight ratio', 'hp per lb'
RATIO = re.compile(r"\b([a-z]+) density\b|\b([a-z]+)[- ]to[- ]([a-z]+) ratio\b|\b([a-z]+) per ([a-z]+²?)", re.I)
SAME = re.compile(r"\bsame ([a-z]+)\b", re.I)  # 'three countries from the same region'
DIFFERENT = re.compile(r"\b(?:diff|different|distinct|separate)\s+([a-z]+)", re.I)  # 'diff states'
APART = re.compile(r"\b(?:at least|minimum|min|more than|over|>=?)\s*(\d+(?:\.\d+)?)\s*((?:[^\W\d]+\s+){0,3}?)"
                   r"apart\b", re.I)  # 'at least 1 deg of latitude apart'
LISTED = re.compile(r"\b(?:list|lists|listing|show|shows|showing|display|displays|displaying|given|with their)\b",
                    re.I)  # a ratio's two numbers shown for each record compared


def _number_column(columns: list[_Column], word: str, card: SourceCard) -> _Column | None:
    """The one number column a word names: a word of its name or label ('weight' of weight_lbs), a name word holding
    it ('power' of horsepower), or the unit it is stated in ('lb' of 'weight in pounds', 'hp' of horsepower)."""
    word, unit = word.lower(), unit_name(word)

    def names(column: _Column) -> bool:
        words = set(re.findall(r"[a-z0-9²]+", f"{column.name.replace('_', ' ')} {column.label}".lower()))
        units = {unit_name(w) for w in words | set(re.findall(r"\bin ([a-z²³]+)", card.fields[column.name]))}
        return word in words or len(word) >= 4 and any(word in w for w in words) or unit is not None and unit in units

    found = [c for c in columns if c.kind == "number" and names(c)]
    return found[0] if len(found) == 1 else None


def _ratios(columns: list[_Column], about: str, card: SourceCard) -> list[tuple[_Column, _Column]]:
    """The (number, divisor) column pairs a ratio `about` names compares records by: a density is per area."""
    area = [c for c in columns if c.kind == "number" and "area" in c.name.split("_")]
    pairs = []
    for found in RATIO.finditer(about):
        density, first, second, over, under = found.groups()
        words = (density, "area") if density else (first, second) if first else (over, under)
        top = _number_column(columns, words[0], card)
        bottom = (area[0] if len(area) == 1 else None) if density else _number_column(columns, words[1], card)
        if top and bottom and top is not bottom and (top, bottom) not in pairs:
            pairs.append((top, bottom))
    return pairs


def _compare_plans(columns: list[_Column], subject: _Column, answer_type: str, about: str = "",
                   card: SourceCard | None = None) -> list[Candidate]:
    """Choice items asking which of four records holds the largest or smallest of a number field, or of a ratio of
    two that `about` names ('population density'), the records named by their subject (an open label item names
    them in its question) and, when `about` says so, listed with a ratio's two numbers; the records compared with are
    filled in by `with_compared`, what they share or differ in by `with_compared_terms`."""
    if answer_type not in ("choice", "label"):
        return []
    choice = answer_type == "choice"
    asked = [([c.label], c, None) for c in columns if c.kind == "number" and len(set(c.values)) >= MAX_OPTIONS]
    ratios = [([top.label, bottom.label, "density", "ratio", "per"], top, bottom)
              for top, bottom in (_ratios(columns, about, card) if card else [])]
    plans = []
    for labels, column, per in [*ratios, *asked]:
        measure = f"{column.label} per {per.label}" if per else column.label
        shown = ["=true:show"] if per and LISTED.search(about) else []
        step = PlanStep(kind="PURE", tool="compare_target",
                        inputs=[subject.bind("subject"), column.bind("answer"), *([per.bind("per")] if per else []),
                                *shown, "slot.seed", "slot.gold_position:position"],
                        outputs=[*TARGET_OUTPUTS, answer_output(answer_type),
                                 *(["interim.label_pool", "interim.option_count", "interim.gold_position"] if choice
                                   else []), *(["final.input.context:context"] if shown else [])],
                        instruction=f"ask which of several records has the largest or smallest {measure}")
        options = [] if not choice else [
            PlanStep(kind="PURE", tool="label_options",
                     inputs=["interim.answer", "interim.label_pool:pool", "interim.option_count:n", "slot.seed"],
                     outputs=["interim.options"], instruction="offer the compared records' names"),
            PlanStep(kind="PURE", tool="shuffle_options", inputs=["interim.options", "interim.answer:gold",
                                                                  "slot.seed", "interim.gold_position:position"],
                     outputs=["final.input.options:options", "final.output.answer:gold"],
                     instruction="place the gold option at the balanced position")]
        plans.append((labels, TransformPlan(kind="metadata_rich", steps=[step, *options, PHRASE])))
    return plans


def _list_of_text(column: _Column) -> bool:
    return column.kind == "other" and bool(column.values) and all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in column.values)


def _holds_plans(columns: list[_Column], subject: _Column, answer_type: str) -> list[Candidate]:
    """Yes/no items asking whether a record holds a value: one of a list field's (an official language of a
    country) or a repeated label's (its continent); the values asked as a 'no' come from other records, never one
    of a list whose name ends like the field's ('regional_languages' of 'languages')."""
    if answer_type != "binary":
        return []
    plans = []
    for column in (c for c in columns if c is not subject and (_list_of_text(c) or _pool(c))):
        if _list_of_text(column):
            pool = [_sampled_pool(sorted({x.strip() for v in column.values for x in v if x.strip()}))]
        else:
            pool = _pool_inputs(column)
        near = [c.bind("near") for c in columns if c is not column and _list_of_text(c)
                and c.name.endswith(f"_{column.name}")]
        plans.append(([column.label], _assemble(
            "holds_target", [subject.bind("subject"), column.bind("answer"), *near, *pool], answer_type,
            options=None, context=False, instruction=f"ask whether the record holds a {column.label} or not")))
    return plans


def _compare_at(plan: TransformPlan) -> int | None:
    """The index of the plan's comparison step, or None."""
    return next((i for i, s in enumerate(plan.steps) if s.tool == "compare_target"), None)


def with_compared(plan: TransformPlan, card: SourceCard) -> TransformPlan:
    """A comparison plan given the [name, number] pairs of the records it draws (up to COMPARED, evenly spread), so
    its options come from the records the requirement picks (noble gases, not every element); other plans
    unchanged, and so is one already given the pairs of every record when it still draws them all."""
    at = _compare_at(plan)
    if at is None or (any(i.endswith(":others") for i in plan.steps[at].inputs)
                      and not (plan.where or plan.within or plan.without)
                      and not any(":same." in i or ":differ." in i for i in plan.steps[at].inputs)):
        return plan
    step = plan.steps[at]
    bound = {name.partition(".")[0]: ref.removeprefix("original.") for ref, name in map(binding, step.inputs)}
    source = source_for(card)  # comparisons are planned for built-in sources only
    records = [r for r in map(source.record, range(source.capacity)) if draws(plan, r)
               and r.get(bound["subject"]) is not None and is_number(r.get(bound["answer"]))
               and ("per" not in bound or is_number(r.get(bound["per"])) and r[bound["per"]] > 0)
               and all(role not in bound or isinstance(r.get(bound[role]), str) for role in ("same", "differ"))]
    if {"per", "same", "differ"} & set(bound):  # a ratio's divisor, the shared or differing value travel along
        pairs = sorted({json.dumps({"name": str(r[bound["subject"]]), "value": r[bound["answer"]],
                                    "per": r.get(bound.get("per", "")), "group": r.get(bound.get("same", "")),
                                    "apart": r.get(bound.get("differ", ""))}) for r in records})
        pairs = [json.loads(p) for p in pairs]
    else:
        pairs = sorted({(str(r[bound["subject"]]), r[bound["answer"]]) for r in records})
    if len(pairs) > COMPARED and not {"same", "differ"} & set(bound):
        pairs = [pairs[int(i * len(pairs) / COMPARED)] for i in range(COMPARED)]
    inputs = [i for i in step.inputs if not i.endswith(":others")] + [f"={json.dumps(pairs)}:others"]
    return plan.model_copy(update={"steps": [*plan.steps[:at], step.model_copy(update={"inputs": inputs}),
                                             *plan.steps[at + 1:]]})


def with_compared_terms(plan: TransformPlan, card: SourceCard, facets: Sequence[Facet]) -> TransformPlan:
    """A comparison plan whose records compared share a field's value with the one asked ('three countries from the
    same region'), each hold another value of one ('2 airports per q, diff states'), or whose values lie at least a
    stated distance apart ('at least 1 deg of latitude apart'), as facets state; those facets are then served.
    Other plans unchanged."""
    at = _compare_at(plan)
    if at is None:
        return plan
    step, columns = plan.steps[at], _columns(card)
    asked = next((ref.removeprefix("original.") for ref, name in map(binding, step.inputs)
                  if name.startswith("answer.")), "")
    texts = [(f.key, f"{f.value} {f.quote}") for f in facets if f.kind not in ("language", "answer_format")]
    added, served = [], []
    for role, pattern in (("same", SAME), ("differ", DIFFERENT)):
        for key, text in texts:
            column = next((c for m in pattern.finditer(text) for c in columns if c.kind == "text"
                           and len(set(c.values)) < len(c.values)
                           and whole_words(m.group(1)) & whole_words(c.name.replace("_", " "))), None)
            if column and not any(i.endswith(f":{role}.{column.label}") for i in [*step.inputs, *added]):
                added.append(column.bind(role))
            served += [key] if column else []
    for key, text in texts:
        for m in APART.finditer(text):
            said = [c for w in m.group(2).split() if (c := _number_column(columns, w, card))]
            if all(c.name == asked for c in said):
                added += [] if any(i.endswith(":gap") for i in added) else [f"={float(m.group(1))}:gap"]
                served.append(key)
    if not added:
        return plan
    step = step.model_copy(update={"inputs": [*step.inputs, *added],
                                   "serves": [*step.serves, *dict.fromkeys(served)]})
    return plan.model_copy(update={"steps": [*plan.steps[:at], step, *plan.steps[at + 1:]]})


def with_pooled(plan: TransformPlan, card: SourceCard) -> TransformPlan:
    """A field question's distractors, the names offered for the record a shown value belongs to, or a yes/no
    question's values asked as a 'no', drawn from the records the plan draws (other African capitals for the capital
    of an African country, Asian countries for an Asian flag, European languages for a European country), where its
    pool is a sample of other records' values and the plan takes only some records of a built-in source; other
    plans unchanged."""
    first = plan.steps[0] if plan.steps else None
    literal = [i for i in first.inputs if i.startswith("=") and i.endswith(":pool")] if first else []
    if (not literal or first.tool not in ("field_target", "holds_target", "label_pool_target") or card.kind != "builtin"
            or not (plan.where or plan.within or plan.without)):
        return plan
    answers = [ref.removeprefix("original.") for ref, name in map(binding, first.inputs) if name.startswith("answer.")]
    if len(answers) != 1:
        return plan
    source = source_for(card)
    held = (r[answers[0]] for r in (source.record(i) for i in range(source.capacity)) if draws(plan, r))
    values = sorted({str(v).strip() for value in held for v in (value if isinstance(value, list) else [value])
                     if v is not None and str(v).strip()})
    if len(values) < MAX_OPTIONS:
        return plan
    inputs = [i for i in first.inputs if i not in literal] + [_sampled_pool(values)]
    return plan.model_copy(update={"steps": [first.model_copy(update={"inputs": inputs}), *plan.steps[1:]]})


def _label_plans(columns: list[_Column], answer_type: str) -> list[Candidate]:
    """Ask a record's label from its other fields, or from its image."""
    if answer_type not in ("label", "choice"):
        return []
    image = next((c for c in columns if c.kind == "image"), None)
    kinds = ("text", "number") if image else ("text",)
    plans = []
    for column in (c for c in columns if c.kind in kinds and _pool(c)):
        shown = [] if image else [c.bind("shown") for c in columns if c is not column and c.kind != "image"]
        pool = [f"{column.ref}:pool.{v}" for v in _pool(column)] if answer_type == "choice" else []
        where = "image" if image else "other fields"
        plans.append(([column.label], _assemble(
            "label_pool_target", [column.bind("answer"), *shown, *pool], answer_type, options="label_options",
            context=not image, image=image, instruction=f"ask the record's {column.label} from its {where}")))
    return plans


CLOZE_WORDS = ["cloze", "blank", "blanks", "fill", "missing", "word", "words", "complete", "vocabulary"]
WRITTEN_WORDS = ["comprehension", "understanding", "understand", "explain", "meaning", "infer", "inference",
                 "reasoning", "why", "how", "summary", "main", "idea", "purpose"]


def _written_plan(field: str, answer_type: str) -> TransformPlan:
    """A chunk of the passage shown as context -> an LLM-written brief -> the item written by the LLM from it, its
    options placed by the balancer for choice items, a true/false statement written to the side the slot wants. The
    answer is the LLM's, so the solver cross-checks it."""
    choice, binary = answer_type == "choice", answer_type == "binary"
    steps = [
        PlanStep(kind="PURE", tool="choose_chunk", inputs=[f"original.{field}:passage", "slot.seed"],
                 outputs=["final.input.context:text", "interim.passage:text"],
                 instruction="pick the part of the passage the item is about; the model under test reads it"),
        PlanStep(kind="LLM", tool="write_brief", inputs=["interim.passage"], outputs=["interim.brief"],
                 instruction="plan the item: the facts it rests on, what it asks, what it must not reveal"),
        PlanStep(kind="LLM", tool="write_item",
                 inputs=["interim.brief", "interim.passage", *(["slot.wanted_answer:truth"] if binary else [])],
                 outputs=["final.input.question", *(["interim.options", "interim.answer"] if choice
                                                    else ["final.output.answer"])],
                 instruction="write the question and its answer from the brief" + (
                     ": a statement true or false as the slot wants, True or False its answer" if binary else "")),
    ]
    if choice:
        steps.append(PLACE_GOLD)
    return TransformPlan(kind="metadata_rich", steps=steps)


def _origin_plans(card: SourceCard, field: str, answer_type: str) -> list[Candidate]:
    """Ask which listed value a passage's record holds (the module a docstring comes from), the passage shown with
    the record's name and the answer hidden; the options are other listed values."""
    if answer_type not in ("label", "choice"):
        return []
    hidden = [f"original.{f}:hidden.{f}" for f in NAME_FIELDS if f in card.fields]
    plans = []
    for name, description in card.fields.items():
        listed = listed_values(description)
        if not listed:
            continue
        pool = [f"original.{name}:pool.{v}" for v in listed] if answer_type == "choice" else []
        label = name.replace("_", " ")
        plans.append(([label, "which", "from"], _assemble(
            "label_pool_target", [f"original.{name}:answer.{label}", f"original.{field}:shown.{field}", *hidden,
                                  *pool], answer_type, options="label_options", context=True,
            instruction=f"ask which {label} the passage comes from, its names hidden")))
    return plans


def _passage_plans(card: SourceCard, field: str, answer_type: str) -> list[Candidate]:
    """Cloze (tool-made answers) first, then items the LLM writes, then which listed value (a module) the passage
    comes from; a subtask about comprehension ranks the written items first, one naming the listed field those."""
    origins = _origin_plans(card, field, answer_type)
    if answer_type == "binary":  # a statement on the passage to judge true or false
        return [(WRITTEN_WORDS, _written_plan(field, answer_type))]
    if answer_type not in ("span", "choice"):
        return origins
    cloze = _assemble("passage_cloze", [f"original.{field}:passage"], answer_type, options="label_options",
                      context=True, instruction="blank out words of the passage and ask one")
    return [(CLOZE_WORDS, cloze), (WRITTEN_WORDS, _written_plan(field, answer_type)), *origins]


# a compass direction asks a coordinate: 'which airport is further north' compares latitudes
COMPASS = {"north": "latitude", "south": "latitude", "east": "longitude", "west": "longitude"}


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def _named_words(labels: list[str]) -> set[str]:
    """The words of the fields a plan asks, with the initials of a label of three or more words ('mpg' of 'miles
    per gallon')."""
    initials = {"".join(w[0] for w in words) for label in labels if len(words := label.lower().split()) >= 3}
    return _words(" ".join(labels)) | initials


# words saying how an item asks, not what it asks about ('Flag Quiz: Show Emoji and Identify Country')
HOW_ASKED = stems("quiz quizzes show shows showing display identify identifying name naming pick choose select tell "
                  "determine find recognise recognize guess match matching")


def asks_about_other_things(plan: TransformPlan, card: SourceCard, about: str, named: str = "",
                            requirement: str = "") -> str | None:
    """Why a record lookup cannot serve a subtask: its records are things the subtask is not about (the city of an
    airport named by its code is not the capital of a country), not what each item gives (a currency named by its
    code, where the requirement gives a country and asks its currency), or the source holds less than half of what
    the subtask's name asks ('Capital city' of a source of country codes). None when the subtask names the source's
    records or the field that names them, the plan is not a record lookup, or the user gave the source. What the
    items give is read from the subtask's words, else from the requirement's when it names one such thing."""
    first = plan.steps[0] if plan.steps else None
    if first is None or first.tool != "field_target" or card.kind == "user":  # the user chose their own
        return None
    subject = next((name.removeprefix("subject.") for _, name in map(binding, first.inputs)
                    if name.startswith("subject.")), "")
    things = f"{card.name.replace('_', ' ')} {subject}"
    if not stems(things) & stems(about):
        return f"its records are {card.name} named by their {subject}, which the subtask does not ask about"
    stated = given_things(requirement)
    given = given_things(about) or (stated if len(stated) == 1 else [])
    if given and not any(stems(thing) & stems(things) for thing in given):
        return f"each item gives a {given[0]}, but its records are {card.name} named by their {subject}"
    asked = stems(named) - stems(things) - HOW_ASKED
    held = stems(" ".join([card_words(card), *(f"{k.replace('_', ' ')} {d}" for k, d in card.fields.items())]))
    if len(asked) >= 2 and 2 * len(asked & held) < len(asked):
        return f"{card.name} holds no field for what the subtask asks ({named})"
    return None


def _answered_field(plan: TransformPlan, card: SourceCard) -> str:
    """The card's words for the one field a plan's target answers ('ISO 4217 code of its one legal tender', the
    field naming the records a comparison offers), empty when it answers several or none."""
    first = plan.steps[0] if plan.steps else None
    role = "subject" if first and first.tool == "compare_target" else "answer"  # a comparison answers a record's name
    answers = [ref.removeprefix("original.") for ref, name in map(binding, first.inputs if first else [])
               if name.startswith(role) and ref.startswith("original.")]
    return f"{answers[0].replace('_', ' ')} {card.fields.get(answers[0], '')}" if len(answers) == 1 else ""


def template_plans(card: SourceCard, answer_type: str, about: str = "", answer: str = "") -> list[TransformPlan]:
    """Field-based plans for a built-in or user source, best first: those answering with the field whose card words
    say most of the stated answer format (`answer`: 'the three-letter ISO 4217 code' of a country's `currency`), then
    those asking a field that `about` (the subtask's name and description) mentions, then the mixed plan and the
    rest in card order. Passages get cloze plans and LLM-written items; a source with images gets label questions
    about the image; one with a name-like field gets field questions (knowledge questions for built-in sources,
    lookups in the shown record for user sources); any other gets label questions from its other fields."""
    if card.kind not in ("builtin", "user"):
        return []
    fields = card.fields
    passage = next((f for f in PASSAGE_FIELDS if fields.get(f, "").split(":")[0].strip() == "str"), None)
    if passage:
        candidates = _passage_plans(card, passage, answer_type)
    else:
        try:
            columns = _columns(card)
        except (SourceError, ValueError):
            return []
        subject = None if any(c.kind == "image" for c in columns) else _subject(columns)
        candidates = (_field_plans(columns, subject, answer_type, lookup=card.kind == "user") if subject
                      else _label_plans(columns, answer_type))
        # a user's records are not common knowledge: which of four holds the most, or whether one holds a value,
        # cannot be answered unseen
        known = subject and card.kind == "builtin"
        namers = [n for n in [subject or _namer(columns), *_other_names(columns, subject)] if n]
        compares = [plan for namer in namers for plan in _compare_plans(columns, namer, answer_type, about, card)] \
            if card.kind == "builtin" else []
        candidates += _holds_plans(columns, subject, answer_type) if known else []
        candidates = [*(_named_by_plans(columns, subject, answer_type, about, card.name) if subject else []),
                      *candidates]
        candidates = [*compares, *candidates] if kinds_named(about, COMPARES) else [*candidates, *compares]
    wanted, format_words = _words(about), _words(answer)
    wanted |= {field for word, field in COMPASS.items() if any(w.startswith(word) for w in wanted)}
    ranked = sorted(candidates, key=lambda c: (-len(format_words & _words(_answered_field(c[1], card))),
                                               -len(wanted & _named_words(c[0]))))
    return [with_compared(plan, card) for _, plan in ranked]
