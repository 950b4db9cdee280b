"""The realizer: dataflow bindings, image chaining between tools, retries and rollback of failed steps."""

import dspy
import pytest
from scripted_lm import scripted_lm

from benchagent.program.errors import RealizationError
from benchagent.program.executor.realize import Realizer, item_from_flow
from benchagent.signatures import PlanStep, TransformPlan

RECORD = {"title": "Fruit sold", "categories": ["Apples", "Pears", "Plums"], "values": [30, 10, 20], "y_label": "Boxes"}


def plan(*steps):
    return TransformPlan(kind="metadata_rich", steps=[PlanStep(kind=k, tool=t, inputs=i, outputs=o, instruction="x")
                                                       for k, t, i, o in steps])


def test_an_image_made_by_one_tool_is_cropped_by_the_next():
    flow_plan = plan(
        ("PURE", "bar_chart", ["original.title", "original.categories", "original.values", "original.y_label"],
         ["interim.chart:image"]),
        ("PURE", "crop_image", ["interim.chart:image", "slot.box:box"],
         ["final.input.image:image", "interim.width:width"]),
    )
    slot = {"box": {"x0": 0, "y0": 0, "x1": 100, "y1": 50}}
    flow = Realizer()(flow_plan, RECORD, slot, subtask="s")
    name = flow.values["final.input.image"]
    assert flow.values["interim.width"] == 100 and flow.images[name].startswith(b"\x89PNG")
    assert flow.images[name] != flow.images[flow.values["interim.chart"]]


def test_llm_step_is_retried_and_a_failing_pure_step_is_not():
    lm = scripted_lm({"question": {"question": "Which fruit sold most?"}})
    good = plan(("PURE", "chart_label_target",
                 ["original.title", "original.categories", "original.values", "slot.seed"],
                 ["interim.goal", "interim.context", "interim.facts", "final.output.answer:answer"]),
                ("LLM", "phrase_question", ["interim.goal", "interim.context"], ["final.input.question"]))
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        flow = Realizer()(good, RECORD, {"seed": 1}, subtask="s")
    item = item_from_flow(flow, answer_origin="tool")
    assert item.answer == "Apples" and item.question == "Which fruit sold most?" and len(lm.history) == 1

    bad = plan(("PURE", "chart_label_target", ["original.title", "original.categories", "original.title", "slot.seed"],
                ["interim.goal"]))
    with pytest.raises(RealizationError, match="1 attempt"):
        Realizer()(bad, RECORD, {"seed": 1}, subtask="s")
