"""Transformation plans that turn generator records into items, one per (source, answer type)."""

from benchagent.signatures import PlanStep, TransformPlan

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
    target_outputs = ["interim.goal", "interim.context", "interim.facts"]
    answer_ref = "interim.answer:answer" if answer_type == "choice" else "final.output.answer:answer"
    steps = [
        PlanStep(kind="PURE", tool=_TARGET[answer_type], inputs=[*data, "slot.seed"],
                 outputs=[*target_outputs, answer_ref], instruction="choose what to ask and compute the exact answer"),
        PlanStep(kind="PURE", tool=chart_tool, inputs=["original.title", labels, "original.values", *_AXIS[source_id]],
                 outputs=["final.input.image:image"], instruction="draw the chart from the record's data"),
    ]
    if answer_type == "choice":
        steps += [
            PlanStep(kind="PURE", tool="number_options", inputs=["interim.answer", "slot.seed", "original.resolution:step"],
                     outputs=["interim.options"], instruction="make distinct numeric distractors near the answer"),
            PlanStep(kind="PURE", tool="shuffle_options",
                     inputs=["interim.options", "interim.answer:gold", "slot.seed", "slot.gold_position:position"],
                     outputs=["final.input.options:options", "final.output.answer:gold"],
                     instruction="place the gold option at the balanced position"),
        ]
    steps.append(PlanStep(kind="LLM", tool="phrase_question", inputs=["interim.goal", "interim.context"],
                          outputs=["final.input.question"], instruction="phrase the question without the answer"))
    return TransformPlan(kind="metadata_rich", steps=steps)


def recipe_for(card: dict, answer_type: str) -> TransformPlan | None:
    """The plan turning this source's records into items of answer_type, or None if it cannot."""
    source_id = card["name"]
    if source_id in _KINDS and answer_type in _KINDS[source_id]:
        return _chart_plan(source_id, answer_type)
    return None


def answer_origin(plan: TransformPlan) -> str:
    """'tool' when a PURE step writes final.output.answer, else 'llm'."""
    for step in plan.steps:
        if any(o.partition(":")[0] == "final.output.answer" for o in step.outputs):
            return "tool" if step.kind == "PURE" else "llm"
    return "llm"
