"""A scripted LM for unit tests: DSPy's DummyLM whose history entries carry the callback call id."""

import copy
import re

import dspy
from dspy.clients.engines.dummy_engine import AsyncDummyEngine, DummyEngine
from dspy.lm15 import Message, Response, TextPart, Usage
from dspy.utils import DummyLM

from benchagent.program.provenance import HistoryTagging


def _text(content) -> str:
    return content if isinstance(content, str) else " ".join(str(p.get("text", "")) for p in content)


class _Engine(DummyEngine):
    """A reply that is a function is called with the prompt's last message and answers from it."""

    def _complete_messages(self, messages):
        answers = self.owner.answers
        if isinstance(answers, dict):
            for key, reply in answers.items():
                if callable(reply) and key in messages[-1]["content"]:
                    text = self.owner._format_answer_fields(reply(_text(messages[-1]["content"])))
                    return Response(id=None, model="dummy", message=Message.assistant([TextPart(text)]),
                                    finish_reason="stop", usage=Usage(input_tokens=0, output_tokens=0, total_tokens=0))
        return super()._complete_messages(messages)


class ScriptedLM(HistoryTagging, DummyLM):
    """Answers by the output fields the adapter asks for, e.g. {"scope": {...}} for ParseScope; a reply may be a
    function of the prompt."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._use_engine()

    def _use_engine(self):
        self._engine_spec = _Engine(self)
        self._async_engine_spec = AsyncDummyEngine(self._engine_spec)

    def copy(self, **kwargs):
        copied = super().copy(**kwargs)
        copied._use_engine()
        return copied


def section(text: str, name: str) -> str:
    """One input field's value in a JSONAdapter prompt."""
    found = re.search(rf"\[\[ ## {name} ## \]\]\n(.*?)(?:\n\n\[\[ ## |\n\nRespond with|$)", text, re.S)
    return found.group(1) if found else ""


def phrase_goal(prompt: str) -> dict:
    """A phrasing that asks exactly the tool's goal, as a careful model would."""
    goal = section(prompt, "goal").split(";")[0].strip()
    return {"question": f"What is {goal}?"}


def chart_answers(**overrides) -> dict:
    """Answers for a one-subtask bar chart build; override any signature's answer by its first output field."""
    answers = {
        "scope": {"scope": {"topic": "bar chart reading", "modalities": ["image"],
                            "keywords": ["bar", "chart", "values"]}},
        "subtasks": {"subtasks": [{
            "key": "read_value", "name": "Read a bar value", "description": "ask the value of one bar",
            "capability": "reading values off charts", "modalities": ["image"], "answer_type": "choice",
            "rationale": "the core capability",
        }]},
        "changes": {"changes": []},
        "judgments": {"judgments": [{
            "source_id": "gen_bar_chart_values", "transformable": True, "alignment": 0.9, "coverage": 0.9,
            "simplicity": 0.8, "risk": 0.1, "rationale": "the records hold the values the chart shows"}]},
        "quotas": {"quotas": [{"key": "read_value", "importance": 1.0, "quota": 3}]},
        "question": phrase_goal,
        "issues": {"issues": []},
        "fits": {"fits": True},
    }
    answers.update({k: v if callable(v) else copy.deepcopy(v) for k, v in overrides.items()})
    return answers


class FieldKey(str):
    """A DummyLM answer key that also matches inside multimodal messages, whose content is a list of parts."""

    __hash__ = str.__hash__

    def __eq__(self, other):
        if isinstance(other, dict):  # `key in [part, ...]` compares the key with each part
            return str(self) in str(other.get("text", ""))
        return str.__eq__(self, other)


def scripted_lm(answers: dict) -> ScriptedLM:
    replies = {FieldKey(f"fields: `{field}`"): reply for field, reply in answers.items()}
    return ScriptedLM(replies, adapter=dspy.JSONAdapter())
