"""Orchestration figures against a fake LM with a fixed latency and N server slots: overhead share and scaling."""

import sys
import tempfile
import threading
import time
from pathlib import Path

import dspy
from dspy.utils import DummyLM

from benchagent.program.build import Build, BuildRequest
from benchagent.program.provenance import HistoryTagging
from benchagent.store import open_store

REQ = "Build a benchmark that tests whether a model can read values off bar charts"
SUBTASK = {"key": "read_value", "name": "Read a bar value", "description": "ask the value of one bar",
           "capability": "reading values off charts", "modalities": ["image"], "answer_type": "choice",
           "rationale": "the core capability"}


def answers(size: int) -> dict:
    return {
        "scope": {"scope": {"topic": "bar charts", "modalities": ["image"], "keywords": ["bar", "chart", "values"]}},
        "subtasks": {"subtasks": [SUBTASK]},
        "decisions": {"decisions": []},
        "judgments": {"judgments": [{"source_id": "gen_bar_chart_values", "transformable": True, "alignment": 0.9,
                                     "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "fits"}]},
        "quotas": {"quotas": [{"key": "read_value", "importance": 1.0, "quota": size}]},
        "question": {"question": "Which value does the chart show for the category in the options?"},
        "fits": {"fits": True},
        "issues": {"issues": []},
    }


class SlotServer(HistoryTagging, DummyLM):
    """Every call holds one of `slots` server slots for `latency` seconds, like a busy inference server."""

    def __init__(self, replies: dict, latency: float, slots: int):
        super().__init__({f"fields: `{k}`": v for k, v in replies.items()}, adapter=dspy.JSONAdapter())
        self.latency, self.gate = latency, threading.Semaphore(slots)
        self.busy = 0.0

    def __call__(self, *args, **kwargs):
        with self.gate:
            time.sleep(self.latency)
            self.busy += self.latency
        return super().__call__(*args, **kwargs)


def run(size: int, concurrency: int, latency: float, slots: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        lm = SlotServer(answers(size), latency, slots)
        lm.cache = False
        build = Build(store, lm, BuildRequest(REQ, size, "fake", concurrency=concurrency))
        build.plan_only()
        executor = Build(store, lm, build.request, run_id=build.run_id)  # loads the catalog once, before timing
        started = time.perf_counter()
        executor.run()
        wall = time.perf_counter() - started
        calls = store.one("SELECT count(*) AS n FROM lm_calls WHERE stage IN ('realize', 'verify')")["n"]
        return wall, calls * latency, calls


def main(size: int = 40, latency: float = 0.25) -> None:
    wall, lm_time, calls = run(size, 1, latency, 1)
    print(f"orchestration overhead, concurrency 1: {(wall - lm_time) / wall:.1%} of {wall:.1f} s wall "
          f"({calls} LM calls of {latency * 1000:.0f} ms; target <= 2%)")
    base = size / wall
    for n in (2, 4, 8):
        wall_n, _, _ = run(size, n, latency, n)
        print(f"throughput with {n} slots and --concurrency {n}: {size / wall_n / base:.2f}x of 1 "
              f"(target >= {0.85 * n:.2f}x at 8)" if n == 8 else
              f"throughput with {n} slots and --concurrency {n}: {size / wall_n / base:.2f}x of 1")


if __name__ == "__main__":
    main(*(float(a) if i else int(a) for i, a in enumerate(sys.argv[1:3])))
