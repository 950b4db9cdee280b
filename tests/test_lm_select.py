"""Choosing the LM without the real model: refusals in one line, lazy local models, credentials kept out of the
stored model name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchagent.errors import ModelError
from benchagent.lm import select as S
from benchagent.lm.llama_engine import LlamaEngine
from benchagent.lm.tracked_lm import TrackedLM


def test_unknown_models_are_refused_with_one_clear_line(monkeypatch):
    for model in ("gpt-4o", "nosuchprovider/x", "openai/"):
        with pytest.raises(ModelError, match=f"unknown model '{model}': use embedded, local:/path.gguf"):
            S.make_lm(model)
    monkeypatch.setenv("BENCHAGENT_MODEL", "bogus")
    with pytest.raises(ModelError, match="unknown model 'bogus'"):
        S.make_lm(None)


def test_settings_the_model_cannot_take_are_refused():
    with pytest.raises(ModelError, match="--api-base applies to provider/model strings, not to 'embedded'"):
        S.make_lm("embedded", api_base="http://localhost:8000/v1")
    with pytest.raises(ModelError, match="temperature=1.0"):
        S.make_lm("openai/gpt-5")


def test_local_gguf_must_exist_and_be_gguf(tmp_path):
    with pytest.raises(ModelError, match="model file not found"):
        S.make_lm(f"local:{tmp_path / 'absent.gguf'}")
    (tmp_path / "fake.gguf").write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ModelError, match="not a GGUF file"):
        S.make_lm(f"local:{tmp_path / 'fake.gguf'}")


def test_local_gguf_gives_a_lazy_llama_lm(tmp_path):
    (tmp_path / "Tiny-Model.gguf").write_bytes(b"GGUF\x03\x00\x00\x00")
    lm = S.make_lm(f"local:{tmp_path / 'Tiny-Model.gguf'}", n_parallel=2)
    assert isinstance(lm, TrackedLM) and lm.model == "local/tiny-model"
    assert isinstance(lm.engine, LlamaEngine) and lm.engine.n_parallel == 2
    assert lm.engine._server is None  # nothing is loaded before the first call
    assert lm.supports_response_schema and "response_format" in lm.supported_params


def test_provider_model_and_describe_model_hide_credentials():
    lm = S.make_lm("openai/qwen", api_base="http://user:s3cret@gpu:8000/v1?key=k3y")
    assert S.describe_model(lm) == "openai/qwen@http://gpu:8000/v1"
    assert lm.kwargs["api_base"] == "http://gpu:8000/v1" and lm.kwargs["api_key"] == "k3y"
    assert S.describe_model(S.make_lm("anthropic/claude-x")) == "anthropic/claude-x"


NO_LOCAL_MODEL = """
import sys
from fault_server import FaultServer
from scripted_lm import chart_answers
from typer.testing import CliRunner
from benchagent.cli import app

def run(*args, ok=True):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert (result.exit_code == 0) == ok, (args, result.exit_code, result.stderr, result.exception)

db, missing = sys.argv[1], sys.argv[2]
run("--help")
run("models")
with FaultServer(chart_answers()) as server:
    run("build", "Build a benchmark that tests whether a model can read values off bar charts", "--size", 2,
        "--db", db, "--model", "openai/scripted", "--api-base", server.base_url)
run("status", "--db", db)
run("sources", "--db", db)
run("browse", "--db", missing, ok=False)  # refused before Datasette starts
import benchagent.store.datasette_plugin
assert "xllamacpp" not in sys.modules, "xllamacpp was imported"
"""


def test_commands_without_a_local_model_never_import_xllamacpp(tmp_path):
    env = {**os.environ, "DSPY_CACHEDIR": str(tmp_path / "dspy-cache"), "PYTHONPATH": str(Path(__file__).parent)}
    env.pop("OPENAI_API_KEY", None)
    done = subprocess.run([sys.executable, "-c", NO_LOCAL_MODEL, str(tmp_path / "b.db"), str(tmp_path / "none.db")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
