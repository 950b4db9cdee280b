"""The real embedded model through dspy: typed JSONAdapter output, schema-constrained decoding, usage."""

import json
from typing import Literal

import dspy
import pydantic
import pytest
from dspy import lm15

from benchagent.lm.select import EMBEDDED_NAME, make_lm

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lm():
    lm = make_lm(EMBEDDED_NAME, max_tokens=64)
    lm.cache = False
    yield lm
    lm.engine.close()


class Fruit(pydantic.BaseModel):
    name: str
    color: Literal["red", "green", "yellow"]


class PickFruit(dspy.Signature):
    """Name one fruit that matches the hint."""

    hint: str = dspy.InputField()
    fruit: Fruit = dspy.OutputField()


def test_typed_prediction_parses_and_reports_usage(lm):
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        prediction = dspy.Predict(PickFruit)(hint="sour, yellow, grows on trees")
    assert isinstance(prediction.fruit, Fruit) and prediction.fruit.name
    usage = lm.history[-1]["usage"]
    assert usage["prompt_tokens"] > 50 and usage["completion_tokens"] > 5


def test_schema_constrains_decoding_and_prompt_cache_is_reported(lm):
    schema = {"type": "object", "properties": {"fruit": {"type": "string", "enum": ["kiwi", "plum"]}},
              "required": ["fruit"], "additionalProperties": False}
    request = lm15.Request(model=lm.model, messages=(lm15.Message.user("Which fruit is red? Answer apple."),),
                           config=lm15.Config(max_tokens=16, temperature=0.0,
                                              response_format={"type": "json_schema", "schema": schema}))
    first, second = lm.engine.complete(request), lm.engine.complete(request)
    assert json.loads(first.text)["fruit"] in {"kiwi", "plum"}  # unconstrained, the model says apple
    assert first.usage.input_tokens > 10 and first.usage.output_tokens > 0
    assert second.usage.cache_read_tokens >= first.usage.input_tokens - 1  # the same prompt is served from the KV cache
