"""`benchagent serve` with the embedded model: Inspect and lm-eval run a real export of image items against it on
127.0.0.1, through the text-only variants the commands it prints name."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from scripted_lm import chart_answers, scripted_lm
from test_build import REQUIREMENT

from benchagent.export import task_base
from benchagent.program.build import Build, BuildRequest
from benchagent.store import open_store

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def test_inspect_and_lm_eval_run_an_export_against_benchagent_serve(tmp_path):
    from inspect_ai.log import read_eval_log

    store = open_store(tmp_path / "b.db")
    run_id = Build(store, scripted_lm(chart_answers()), BuildRequest(REQUIREMENT, 2, "scripted", seed=0)).run()
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
        assert commands[0] == (f"cd {export / 'inspect'} && LOCAL_BASE_URL={base_url} LOCAL_API_KEY=none inspect eval "
                               f"task.py --model openai-api/local/{name} -T images=false")
        assert commands[1].endswith(f"--tasks {task_base(run_id)}_text")
        env = {**os.environ, "OPENAI_API_KEY": "none", "PATH": f"{BIN}:{os.environ['PATH']}"}
        for command, extra in zip(commands, (f" --log-dir {tmp_path / 'logs'} --display none",  # run as printed
                                             f" --limit 2 --output_path {tmp_path / 'lm'}"),
                                  strict=False):  # only the first two of the three printed commands run here
            subprocess.run(["bash", "-c", command + extra], env=env, check=True, timeout=900)
        server.send_signal(signal.SIGINT)
        assert server.wait(60) == 0 and "stopped" in server.stdout.read()
    finally:
        if server.poll() is None:
            server.kill()
    [log] = (tmp_path / "logs").glob("*.eval")
    log = read_eval_log(str(log))
    assert log.status == "success" and 0 <= log.results.scores[0].metrics["accuracy"].value <= 1
    [results] = (tmp_path / "lm").rglob("results_*.json")
    figures = json.loads(results.read_text())["results"][f"{task_base(run_id)}_text"]
    assert 0 <= figures["exact_match,extract"] <= 1
