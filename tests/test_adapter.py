"""The build's adapter: what it keeps per signature changes nothing the model sees, and each call fires the
adapter callbacks once."""

import json

import dspy
import pytest
from dspy.utils.callback import BaseCallback
from dspy.utils.exceptions import AdapterParseError
from scripted_lm import ScriptedLM

from benchagent.program.adapter import Adapter


class Ask(dspy.Signature):
    """Answer the question."""

    question: str = dspy.InputField()
    answer: str = dspy.OutputField()


class Events(BaseCallback):
    def __init__(self):
        self.seen = []

    def on_adapter_format_start(self, call_id, instance, inputs):
        self.seen.append("format")

    def on_adapter_parse_start(self, call_id, instance, inputs):
        self.seen.append("parse")

    def on_lm_start(self, call_id, instance, inputs):
        self.seen.append("lm")


def _run(adapter):
    lm = ScriptedLM([{"answer": "four"}, {"answer": "five"}], adapter=dspy.JSONAdapter())
    events = Events()
    with dspy.context(lm=lm, adapter=adapter, callbacks=[events]):
        answers = [dspy.Predict(Ask)(question=q).answer for q in ("2 + 2?", "2 + 3?")]
    return answers, events.seen, [entry["messages"] for entry in lm.history]


def test_one_callback_event_per_adapter_step_and_the_same_prompts_as_dspy():
    answers, seen, prompts = _run(Adapter())
    assert answers == ["four", "five"]
    assert seen == ["format", "lm", "parse"] * 2
    assert (answers, prompts) == (_run(dspy.JSONAdapter())[0], _run(dspy.JSONAdapter())[2])



def test_kept_type_adapters_serialize_and_parse_as_fresh_ones():
    import json
    from typing import Literal

    import pydantic
    from dspy.adapters import utils

    from benchagent.signatures.brief import DesignBrief

    assert utils.TypeAdapter.kept
    brief = DesignBrief.model_validate(_brief())
    for value in ["text", 3, 2.5, None, True, {"a": [1, {"b": "c"}]}, [1, "x"], (1, 2), brief]:
        fresh = pydantic.TypeAdapter(type(value)).dump_python(value, mode="json", fallback=str)
        assert [utils.serialize_for_json(value) for _ in range(2)] == [fresh] * 2  # made, then kept
    for annotation, raw, parsed in [(int, "7", 7), (list[int], "[1, 2]", [1, 2]), (Literal["yes", "no"], "no", "no"),
                                    (bool, "true", True), (dict[str, float], '{"a": 1}', {"a": 1.0}),
                                    (DesignBrief, json.dumps(_brief()), brief)]:
        assert [utils.parse_value(raw, annotation) for _ in range(2)] == [parsed] * 2
    with pytest.raises(pydantic.ValidationError):
        utils.parse_value("[1, 'x']", list[int])



def _brief() -> dict:
    return {"fit": "a bar chart of one quantity", "core_facts": ["Coal: 400"], "goal": "read the tallest bar",
            "reasoning_hops": 1, "difficulty_plan": "one lookup", "leakage_guards": ["no value in the question"]}


def test_a_list_cut_off_by_max_tokens_keeps_its_whole_items():
    from benchagent.signatures.design import DesignSubtasks
    whole = {"name": "Read a bar", "description": "ask one bar's value", "capability": "charts",
             "modalities": ["image"], "answer_type": "choice", "rationale": "core"}
    reply = '{"subtasks": [' + ", ".join([json.dumps(whole)] * 3) + ', {"name": "Read a bar", "descrip'
    parsed = Adapter().parse(DesignSubtasks, reply)
    assert [s.name for s in parsed["subtasks"]] == ["Read a bar"] * 3
    with pytest.raises(AdapterParseError):  # nothing whole to keep: still a parse error
        Adapter().parse(DesignSubtasks, '{"subtasks": [{"name": "Read a bar", "descrip')
    with pytest.raises(AdapterParseError):  # a malformed field that is no list of objects is not papered over
        Adapter().parse(Ask, '{"reply": "four"}')


def test_a_call_that_knows_its_list_length_sends_that_bound_in_the_response_schema():
    from benchagent.lm.llama_engine import response_format_fields
    from benchagent.program.adapter import at_most
    from benchagent.signatures import GroundSubtask

    class SchemaLM:
        supported_params = {"response_format"}
        supports_response_schema = True

    def schema(signature):
        sent = {}
        Adapter()._prepare_response_format(SchemaLM(), sent, signature)
        return sent["response_format"].model_json_schema()

    two = at_most(dspy.Predict(GroundSubtask), "judgments", 2)["signature"]
    thought = at_most(dspy.ChainOfThought(GroundSubtask), "judgments", 2)["signature"]
    assert "reasoning" in thought.output_fields and schema(thought)["properties"]["judgments"]["maxItems"] == 2
    assert two is at_most(dspy.Predict(GroundSubtask), "judgments", 2)["signature"] and two.__name__ == "GroundSubtask"
    assert schema(two)["properties"]["judgments"]["maxItems"] == 2
    assert "maxItems" not in schema(GroundSubtask)["properties"]["judgments"]
    llama = response_format_fields({"type": "json_schema", "schema": schema(two)})["json_schema"]
    assert llama["properties"]["judgments"]["maxItems"] == 2
