"""The build's adapter: what it keeps per signature changes nothing the model sees, and each call fires the
adapter callbacks once."""

import dspy
from dspy.utils.callback import BaseCallback
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
