"""`--timeout` reaches the model on compile, eval and ab run, as on build: a loopback server holds the first request
for far longer than the timeout, the request is abandoned after --timeout seconds and retried, and the command succeeds
long before the server would have answered."""

import json
import time

import pytest
from fault_server import FaultServer, quick_faults
from scripted_lm import chart_answers
from test_optimize import REQUIREMENT, chart_reply, copy_db, reviewed_db  # noqa: F401 (reviewed_db is a fixture)
from typer.testing import CliRunner

from benchagent.cli import app
from benchagent.store import open_store
from benchagent.store.programs import save_program

HELD = 30.0      # seconds the server holds the first request before it resets it
TIMEOUT = "0.5"  # seconds --timeout gives a request
GAP = 10.0       # the retry must come sooner than this after the held request (without --timeout: after HELD)


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    quick_faults(monkeypatch)


class Arrivals(list):
    """Arrival times of the server's requests; called as the server's fault predicate, it holds the first."""

    def __call__(self, prompt: str) -> bool:
        self.append(time.monotonic())
        return len(self) == 1


def held_first(server_class=FaultServer, answers: dict | None = None) -> tuple[FaultServer, Arrivals]:
    """A server that holds the first request HELD seconds, then resets it, and answers every other request."""
    arrivals = Arrivals()
    return server_class(answers or {}, "timeout", arrivals, delay=HELD), arrivals


def invoke_with_timeout(server: FaultServer, arrivals: Arrivals, *args) -> None:
    """Run the command against the server's model with --timeout: it succeeds sooner than the server would have
    answered, and the held request is retried within seconds."""
    started = time.monotonic()
    result = CliRunner().invoke(app, [str(a) for a in (*args, "--model", "openai/scripted", "--api-base",
                                                        server.base_url, "--timeout", TIMEOUT)])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < HELD
    assert server.faults == 1 and len(arrivals) >= 2 and arrivals[1] - arrivals[0] < GAP, arrivals


def test_eval_timeout_reaches_the_model(sample_db, tmp_path):
    db, ids = sample_db
    server, arrivals = held_first()
    with server:
        invoke_with_timeout(server, arrivals, "eval", ids["run"], "--db", db, "--chart", tmp_path / "c.png")


class ChartServer(FaultServer):
    """Answers every predictor of a compile, the optimizers' own included, as test_optimize's scripted LM does."""

    def reply(self, prompt: str) -> str:
        return json.dumps(chart_reply("demos")([{"role": "user", "content": prompt}]))


def test_compile_timeout_reaches_the_model(reviewed_db, tmp_path):  # noqa: F811
    db = copy_db(reviewed_db[0], tmp_path)
    server, arrivals = held_first(ChartServer)
    with server:
        invoke_with_timeout(server, arrivals, "compile", "--db", db, "--max-demos", "2")
    assert open_store(db).query("SELECT count(*) AS n FROM programs")[0]["n"] == 1


def test_ab_run_timeout_reaches_the_model(tmp_path):
    db, spec = tmp_path / "ab.db", tmp_path / "spec.yaml"
    with FaultServer(chart_answers()) as healthy:
        planned = CliRunner().invoke(app, ["plan", REQUIREMENT, "--db", str(db), "--size", "2", "--out", str(spec),
                                           "--model", "openai/scripted", "--api-base", healthy.base_url])
    assert planned.exit_code == 0, planned.output
    store = open_store(db)
    save_program(store, state={"realizer": {}, "judge": {}}, optimizer="bootstrap", train_sample_ids=[], metrics={})
    store.close()
    server, arrivals = held_first(answers=chart_answers())
    with server:
        invoke_with_timeout(server, arrivals, "ab", "run", "--spec", spec, "--db", db, "--seed", "3",
                            "--concurrency", "1")
    assert open_store(db).query("SELECT count(*) AS n FROM ab_pairs")[0]["n"] == 1
