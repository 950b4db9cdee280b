"""`benchagent serve` with the embedded model: Inspect and lm-eval run a real export against it on 127.0.0.1."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from scripted_lm import scripted_lm
from test_build import DOCS, docs_answers

from benchagent.export import task_base
from benchagent.program.build import Build, BuildRequest
from benchagent.store import open_store

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def test_inspect_and_lm_eval_run_an_export_against_benchagent_serve(tmp_path):
    from inspect_ai.log import read_eval_log

    store = open_store(tmp_path / "b.db")
    run_id = Build(store, scripted_lm(docs_answers("mutable")), BuildRequest(DOCS, 2, "scripted", seed=0)).run()
    store.close()
    export = tmp_path / "export"
    subprocess.run([sys.executable, "-m", "benchagent", "export", run_id, "--db", tmp_path / "b.db", "--format",
                    "inspect,lm-eval", "--out", export], check=True, timeout=300)
    server = subprocess.Popen([sys.executable, "-m", "benchagent", "serve", "--port", "0", "--export", export],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        first = server.stdout.readline()
        found = re.search(r"serving (\S+) at (http://127\.0\.0\.1:\d+/v1)", first)
        assert found, first
        name, base_url = found.groups()
        commands = [server.stdout.readline().strip() for _ in range(3)]
        assert commands[0].startswith(f"cd {export / 'inspect'} && LOCAL_BASE_URL={base_url}")
        env = {**os.environ, "LOCAL_BASE_URL": base_url, "LOCAL_API_KEY": "none", "OPENAI_API_KEY": "none"}
        subprocess.run([BIN / "inspect", "eval", "task.py", "--model", f"openai-api/local/{name}", "--log-dir",
                        tmp_path / "logs", "--display", "none"], cwd=export / "inspect", env=env, check=True,
                       timeout=900)
        subprocess.run([BIN / "lm_eval", "run", "--model", "local-chat-completions", "--model_args",
                        f"model={name},base_url={base_url}/chat/completions", "--apply_chat_template",
                        "--include_path", export / "lm-eval", "--tasks", task_base(run_id), "--limit", "2",
                        "--output_path", tmp_path / "lm"], env=env, check=True, timeout=900)
        server.send_signal(signal.SIGINT)
        assert server.wait(60) == 0 and "stopped" in server.stdout.read()
    finally:
        if server.poll() is None:
            server.kill()
    [log] = (tmp_path / "logs").glob("*.eval")
    log = read_eval_log(str(log))
    assert log.status == "success" and 0 <= log.results.scores[0].metrics["accuracy"].value <= 1
    [results] = (tmp_path / "lm").rglob("results_*.json")
    figures = json.loads(results.read_text())["results"][f"{task_base(run_id)}_choice"]
    assert 0 <= figures["exact_match,extract"] <= 1
