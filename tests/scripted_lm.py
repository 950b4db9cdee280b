"""A scripted LM for unit tests: DSPy's DummyLM whose history entries carry the callback call id."""

import copy

import dspy
from dspy.utils import DummyLM

from benchagent.program.provenance import HistoryTagging


class ScriptedLM(HistoryTagging, DummyLM):
    """Answers by the output fields the adapter asks for, e.g. {"scope": {...}} for ParseScope."""


def chart_answers(**overrides) -> dict:
    """Answers for a one-subtask bar chart build; override any signature's answer by its first output field."""
    answers = {
        "scope": {"scope": {"topic": "bar chart reading", "modalities": ["image"], "keywords": ["bar", "chart", "values"]}},
        "subtasks": {"subtasks": [{
            "key": "read_value", "name": "Read a bar value", "description": "ask the value of one bar",
            "capability": "reading values off charts", "modalities": ["image"], "answer_type": "choice",
            "rationale": "the core capability",
        }]},
        "decisions": {"decisions": []},
        "judgments": {"judgments": [{
            "source_id": "gen_bar_chart_values", "transformable": True, "alignment": 0.9, "coverage": 0.9,
            "simplicity": 0.8, "risk": 0.1, "rationale": "the records hold the values the chart shows"}]},
        "quotas": {"quotas": [{"key": "read_value", "importance": 1.0, "quota": 3}]},
        "question": {"question": "Which value does the chart show for the category named in the options?"},
        "issues": {"issues": []},
        "fits": {"fits": True, "reason": "it asks a value read off the chart"},
    }
    answers.update(copy.deepcopy(overrides))
    return answers


class FieldKey(str):
    """A DummyLM answer key that also matches inside multimodal messages, whose content is a list of parts."""

    __hash__ = str.__hash__

    def __eq__(self, other):
        if isinstance(other, dict):  # `key in [part, ...]` compares the key with each part
            return str(self) in str(other.get("text", ""))
        return str.__eq__(self, other)


def scripted_lm(answers: dict) -> ScriptedLM:
    return ScriptedLM({FieldKey(f"fields: `{field}`"): reply for field, reply in answers.items()}, adapter=dspy.JSONAdapter())
