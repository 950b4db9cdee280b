"""Orchestration figures against a fake LM with a fixed latency and N server slots: overhead share and scaling.

Overhead is wall time minus the LM latency on the critical path: calls x latency / slots, i.e. what the build would
take if everything but the model's answers cost nothing (the fake server's own reply-making is inside its latency)."""

import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parents[1] / "tests")]
from results import record  # noqa: E402
from scripted_lm import chart_answers, scripted_lm  # noqa: E402

from benchagent.program.build import Build, BuildRequest  # noqa: E402
from benchagent.store import open_store  # noqa: E402
from benchagent.store.reports import ACCEPTED  # noqa: E402

REQ = "Build a benchmark that tests whether a model can read values off bar charts"


def slot_server(size: int, latency: float, slots: int):
    """A scripted LM whose every answer holds one of `slots` server slots for `latency` seconds, its own making
    included, like a busy inference server."""
    lm = scripted_lm(chart_answers(quotas={"quotas": [{"key": "read_value", "importance": 1.0, "quota": size}]}))
    lm.cache = False
    engine, gate = lm._engine_spec, threading.Semaphore(slots)
    answer = engine._complete_messages

    def served(messages):
        with gate:
            t0 = time.perf_counter()
            reply = answer(messages)
            time.sleep(max(0.0, latency - (time.perf_counter() - t0)))
        return reply

    engine._complete_messages = served
    return lm


def run(size: int, latency: float, slots: int) -> dict:
    """One planned build of `size` bar-chart samples with `--concurrency slots`; the execution alone is timed."""
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(Path(tmp) / "bench.db") as store:
            lm = slot_server(size, latency, slots)
            build = Build(store, lm, BuildRequest(REQ, size, "fake", concurrency=slots))
            build.plan_only()
            executor = Build(store, lm, build.request, run_id=build.run_id)  # loads the catalog once, before timing
            before = store.one("SELECT count(*) AS n FROM lm_calls")["n"]
            started = time.perf_counter()
            executor.run()
            wall = time.perf_counter() - started
            calls = store.one("SELECT count(*) AS n FROM lm_calls")["n"] - before
            accepted = store.one(f"SELECT count(*) AS n FROM samples WHERE status IN {ACCEPTED}")["n"]
    ideal = calls * latency / slots
    return {"samples": size, "accepted": accepted, "slots": slots, "latency_ms": latency * 1000, "lm_calls": calls,
            "wall_s": round(wall, 3), "ideal_s": round(ideal, 3), "overhead_share": round((wall - ideal) / wall, 4),
            "overhead_ms_per_sample": round((wall - ideal) / size * 1000, 1),
            "accepted_per_s": round(accepted / wall, 2)}


def main(size: int = 40, latency: float = 0.25) -> None:
    figures = {"definition": "overhead = wall - calls x latency / slots, the LM latency on the critical path"}
    print(f"orchestration: {figures['definition']}")
    overhead = figures["overhead"] = []
    for n, lat in ((size, latency), (size, latency), (max(1, size // 4), 1.0)):
        r = run(n, lat, 1)
        overhead.append(r)
        print(f"overhead, --concurrency 1, {r['latency_ms']:.0f} ms per call: {r['overhead_share']:.1%} of "
              f"{r['wall_s']:.1f} s wall, {r['overhead_ms_per_sample']:.0f} ms per sample ({r['samples']} samples, "
              f"{r['lm_calls']} LM calls, {r['accepted']} accepted; target <= 2% at 250 ms)")
    base = overhead[0]["accepted_per_s"]
    scaling = figures["scaling"] = []
    for n in (8, 32, 64):
        r = run(4 * n, latency, n)
        r["speedup"] = round(r["accepted_per_s"] / base, 2)
        scaling.append(r)
        print(f"throughput, {n} server slots and --concurrency {n}: {r['accepted_per_s']:.1f} accepted/s, "
              f"{r['speedup']:.1f}x of 1 (ideal {n}x), overhead {r['overhead_share']:.1%} of {r['wall_s']:.1f} s wall "
              f"({r['samples']} samples, {r['accepted']} accepted)")
    record("orchestration", figures)


if __name__ == "__main__":
    main(*(float(a) if i else int(a) for i, a in enumerate(sys.argv[1:3])))
