"""The llama.cpp engine against a stand-in server: request bodies, lazy loading on loopback, error translation."""

import pytest
import xllamacpp
from dspy import lm15

from benchagent.lm import llama_engine as E


def request(*messages, system=None, **config):
    return lm15.Request(model="local/test", messages=messages or (lm15.Message.user("hi"),), system=system,
                        config=lm15.Config(**config))


def test_dspy_flat_schema_becomes_llama_json_schema():
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    body = E.chat_body(request(response_format={"type": "json_schema", "schema": schema, "name": "Out"}))
    assert body["json_schema"] == schema and "response_format" not in body
    body = E.chat_body(request(response_format={"type": "json_object"}))
    assert body["response_format"] == {"type": "json_object"} and "json_schema" not in body
    assert "json_schema" not in E.chat_body(request()) and "response_format" not in E.chat_body(request())


def test_chat_body_maps_messages_and_sampling():
    body = E.chat_body(request(lm15.Message.user("q"), lm15.Message.assistant("a"), lm15.Message.developer("d"),
                               system="sys", temperature=0.2, max_tokens=7, top_p=0.9, seed=3, stop=("END",)))
    assert body == {
        "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "q"},
                     {"role": "assistant", "content": "a"}, {"role": "system", "content": "d"}],
        "temperature": 0.2, "max_tokens": 7, "top_p": 0.9, "seed": 3, "stop": ["END"],
    }


class FakeServer:
    """Stands in for xllamacpp.Server: records its params and the bodies, answers from a script."""

    instances = []

    def __init__(self, params):
        self.params, self.bodies, self.replies = params, [], []
        FakeServer.instances.append(self)

    def handle_chat_completions(self, body):
        self.bodies.append(body)
        reply = self.replies.pop(0) if self.replies else {
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}],
            "model": "/path/model.gguf", "object": "chat.completion",
            "usage": {"prompt_tokens": 30, "completion_tokens": 2, "total_tokens": 32,
                      "prompt_tokens_details": {"cached_tokens": 24}},
        }
        if isinstance(reply, Exception):
            raise reply
        return reply


@pytest.fixture
def fake_server(monkeypatch):
    FakeServer.instances = []
    monkeypatch.setattr(xllamacpp, "Server", FakeServer)
    return FakeServer


def test_engine_loads_lazily_on_loopback_and_reports_cache_reads(fake_server):
    engine = E.LlamaEngine("/m.gguf", n_parallel=3, ctx_per_slot=1000, n_threads=2)
    assert fake_server.instances == []
    response = engine.complete(request())
    (server,) = fake_server.instances
    assert (server.params.n_parallel, server.params.n_ctx, server.params.cpuparams.n_threads) == (3, 3000, 2)
    assert server.params.hostnames == ["127.0.0.1"] and len(server.params.api_keys) == 1
    assert response.text == "ok" and response.model == "local/test"
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.cache_read_tokens) == (30, 2, 24)
    engine.close()
    engine.complete(request())
    assert len(fake_server.instances) == 2  # closed, then loaded again


def test_engine_translates_llama_errors(fake_server):
    engine = E.LlamaEngine("/m.gguf")
    engine.load().replies = [
        {"error": {"code": 400, "type": "exceed_context_size_error", "message": "request (9000 tokens) exceeds"}},
        {"error": {"code": 503, "type": "unavailable_error", "message": "Loading model"}},
        ValueError("JSON schema error at #: unrecognized type bogus"),
    ]
    for expected in (lm15.ContextLengthError, lm15.ServerError, lm15.InvalidRequestError):
        with pytest.raises(expected):
            engine.complete(request())


def test_engine_refuses_tools():
    tool = lm15.FunctionTool(name="f", description="d", parameters={"type": "object", "properties": {}})
    with pytest.raises(lm15.UnsupportedFeatureError):
        E.chat_body(lm15.Request(model="local/test", messages=(lm15.Message.user("hi"),), tools=(tool,)))
