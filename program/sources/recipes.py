"""Transformation plans that turn generator records into items, one per (source, answer type)."""

from typing import NamedTuple

from benchagent.signatures import PlanStep, TransformPlan

PLACE_GOLD = PlanStep(kind="PURE", tool="shuffle_options",
                      inputs=["interim.options", "interim.answer:gold", "slot.seed", "slot.gold_position:position"],
                      outputs=["final.input.options:options", "final.output.answer:gold"],
                      instruction="place the gold option at the balanced position")
PHRASE = PlanStep(kind="LLM", tool="phrase_question", inputs=["interim.goal", "interim.context"],
                  outputs=["final.input.question"], instruction="phrase the question without the answer")

_TARGET = {"number": "chart_number_target", "choice": "chart_number_target",
           "label": "chart_label_target", "binary": "chart_binary_target"}
_CHART = {"bar_chart_values": ("bar_chart", "original.categories"),
          "line_chart_values": ("line_chart", "original.x_labels"),
          "pie_chart_shares": ("pie_chart", "original.labels")}
_AXIS = {"bar_chart_values": ["original.y_label"], "line_chart_values": ["original.y_label"], "pie_chart_shares": []}
# A pie chart's legend shows shares, not the values behind them: no value questions about it.
_KINDS = {"bar_chart_values": set(_TARGET), "line_chart_values": set(_TARGET), "pie_chart_shares": {"label", "binary"}}


def _chart_plan(source_id: str, answer_type: str) -> TransformPlan:
    chart_tool, labels = _CHART[source_id]
    data = ["original.title", f"{labels}:categories", "original.values"]
    target_outputs = ["interim.goal", "interim.context", "interim.facts", "interim.query"]
    answer_ref = "interim.answer:answer" if answer_type == "choice" else "final.output.answer:answer"
    steps = [
        PlanStep(kind="PURE", tool=_TARGET[answer_type], inputs=[*data, "slot.seed", *_AXIS[source_id]],
                 outputs=[*target_outputs, answer_ref], instruction="choose what to ask and compute the exact answer"),
        PlanStep(kind="PURE", tool=chart_tool, inputs=["original.title", labels, "original.values", *_AXIS[source_id]],
                 outputs=["final.input.image:image"], instruction="draw the chart from the record's data"),
    ]
    if answer_type == "choice":
        steps += [
            PlanStep(kind="PURE", tool="number_options", inputs=["interim.answer", "slot.seed", "original.resolution:step"],
                     outputs=["interim.options"], instruction="make distinct numeric distractors near the answer"),
            PLACE_GOLD,
        ]
    steps.append(PHRASE)
    return TransformPlan(kind="metadata_rich", steps=steps)


class _Recipe(NamedTuple):
    """A generator's targets (answer type -> tool and the record fields it reads), how an image is drawn (if any),
    and which options tool makes choice distractors."""

    targets: dict[str, tuple[str, list[str]]]
    render: tuple[str, list[str]] | None
    options: str


def _same(tools: dict[str, str], inputs: list[str]) -> dict[str, tuple[str, list[str]]]:
    return {kind: (name, inputs) for kind, name in tools.items()}


_SCENE = ["original.shapes"]
_TABLE = ["original.title", "original.columns", "original.rows"]
_STORY = ["original.facts", "original.quantities", "original.total_ask", "original.compare"]
_DATES = ["original.start", "original.offset_days", "original.end"]
_CONVERSION = ["original.value", "original.from_unit", "original.to_unit", "original.places"]
_RECIPES = {
    "shape_scenes": _Recipe(_same({"number": "scene_number_target", "choice": "scene_number_target",
                                   "label": "scene_label_target", "binary": "scene_binary_target"}, _SCENE),
                            ("shape_scene", [*_SCENE, "original.layout_seed"]), "number_options"),
    "small_tables": _Recipe({"number": ("table_number_target", [*_TABLE, "original.sum_columns"]),
                             "choice": ("table_number_target", [*_TABLE, "original.sum_columns"]),
                             "label": ("table_label_target", _TABLE), "binary": ("table_binary_target", _TABLE)},
                            ("table_image", _TABLE), "decimal_options"),
    "arithmetic_facts": _Recipe(_same({"number": "word_problem_number_target", "choice": "word_problem_number_target",
                                       "label": "word_problem_label_target", "binary": "word_problem_binary_target"},
                                      _STORY), None, "decimal_options"),
    "unit_conversions": _Recipe({"number": ("unit_number_target", _CONVERSION),
                                 "choice": ("unit_number_target", _CONVERSION),
                                 "label": ("unit_label_target", ["original.quantities"]),
                                 "binary": ("unit_binary_target", ["original.quantities"])}, None, "decimal_options"),
    "calendar_dates": _Recipe(_same({"number": "calendar_number_target", "choice": "calendar_label_target",
                                     "label": "calendar_label_target", "binary": "calendar_binary_target"}, _DATES),
                              None, "label_options"),
}


def _generator_plan(recipe: _Recipe, answer_type: str) -> TransformPlan:
    """Target (exact answer) -> image, if the source has one -> options, for choice -> phrased question. Text
    sources show the target's context beside the question as final.input.context."""
    target, data = recipe.targets[answer_type]
    choice = answer_type == "choice"
    outputs = ["interim.goal", "interim.context", "interim.facts", "interim.query",
               "interim.answer:answer" if choice else "final.output.answer:answer"]
    if recipe.render is None:
        outputs.append("final.input.context:context")
    if choice and recipe.options == "label_options":
        outputs.append("interim.label_pool")
    steps = [PlanStep(kind="PURE", tool=target, inputs=[*data, "slot.seed"], outputs=outputs,
                      instruction="choose what to ask and compute the exact answer")]
    if recipe.render:
        tool, inputs = recipe.render
        steps.append(PlanStep(kind="PURE", tool=tool, inputs=inputs, outputs=["final.input.image:image"],
                              instruction="draw the image from the record's data"))
    if choice:
        pool = ["interim.label_pool:pool"] if recipe.options == "label_options" else []
        steps += [
            PlanStep(kind="PURE", tool=recipe.options, inputs=["interim.answer", *pool, "slot.seed"],
                     outputs=["interim.options"], instruction="make distinct distractors near the answer"),
            PLACE_GOLD,
        ]
    steps.append(PHRASE)
    return TransformPlan(kind="metadata_rich", steps=steps)


def _proposal_plan(answer_type: str) -> TransformPlan:
    """The model proposes a formula -> periodictable checks it and computes the answer (and, for choice, miscounted
    masses as distractors) -> options placed -> question phrased."""
    choice = answer_type == "choice"
    steps = [
        PlanStep(kind="LLM", tool="propose_content", inputs=["original.request"], outputs=["interim.proposal:content"],
                 instruction="propose the compound the item is about"),
        PlanStep(kind="PURE", tool="molar_mass_target", inputs=["interim.proposal:formula", "slot.seed"],
                 outputs=["interim.goal", "interim.context", "interim.facts", "interim.query",
                          "interim.answer:answer" if choice else "final.output.answer:answer",
                          "final.input.context:context", *(["interim.options"] if choice else [])],
                 instruction="check the formula and compute the exact molar mass"),
    ]
    return TransformPlan(kind="metadata_rich", steps=[*steps, *([PLACE_GOLD] if choice else []), PHRASE])


def _printed_plan(answer_type: str) -> TransformPlan:
    """The printed number is the target -> its image is drawn -> misreadings are the options, for choice -> question."""
    choice = answer_type == "choice"
    steps = [
        PlanStep(kind="PURE", tool="printed_number_target",
                 inputs=["original.text", "slot.seed", *([] if choice else ["=true:plain"])],
                 outputs=["interim.goal", "interim.context", "interim.facts", "interim.query",
                          "interim.answer:answer" if choice else "final.output.answer:answer",
                          *(["interim.options"] if choice else [])],
                 instruction="ask the number as printed; misreadings are the distractors"),
        PlanStep(kind="PURE", tool="number_image", inputs=["original.text", "original.size"],
                 outputs=["final.input.image:image"], instruction="print the number as an image"),
    ]
    return TransformPlan(kind="metadata_rich", steps=[*steps, *([PLACE_GOLD] if choice else []), PHRASE])


# Sources whose target tool makes its own options (gold first), so they need no options tool.
_OWN_OPTIONS = {"proposed_compounds": _proposal_plan, "printed_numbers": _printed_plan}


def recipe_for(card: dict, answer_type: str) -> TransformPlan | None:
    """The plan turning this source's records into items of answer_type, or None if it cannot."""
    source_id = card["name"]
    if source_id in _OWN_OPTIONS:
        return _OWN_OPTIONS[source_id](answer_type) if answer_type in ("number", "choice") else None
    if source_id in _KINDS and answer_type in _KINDS[source_id]:
        return _chart_plan(source_id, answer_type)
    recipe = _RECIPES.get(source_id)
    if recipe and answer_type in recipe.targets:
        return _generator_plan(recipe, answer_type)
    return None


# Tools that only move a value they are given (the gold among the options): they do not make an answer.
PASS_THROUGH = frozenset({"shuffle_options"})


def answer_origin(plan: TransformPlan) -> str:
    """'tool' when a computing PURE step made final.output.answer (from a record, or from content an LLM proposed and
    the tool checked), 'llm' when an LLM step made it (an LLM-written answer a tool only moved among the options is
    still the LLM's)."""
    made_by = {}
    for step in plan.steps:
        for ref in (o.partition(":")[0] for o in step.outputs):
            made_by[ref] = step
    seen, todo, origin = set(), ["final.output.answer"], "llm"
    while todo:
        step = made_by.get(todo.pop())
        if step is None or id(step) in seen:
            continue
        seen.add(id(step))
        if step.kind == "LLM":
            return "llm"
        if step.tool not in PASS_THROUGH:
            origin = "tool"
            continue
        todo += [i.partition(":")[0] for i in step.inputs]
    return origin
