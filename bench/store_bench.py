"""Store figures: bulk sample inserts per second, and a sample's full lineage time with 1 M steps stored."""

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from results import record

from benchagent.store import open_store
from benchagent.store.db import now
from benchagent.store.lineage import sample_lineage

SAMPLES = 100_000
STEPS = 1_000_000
STEPS_PER_SLOT = 20


def main(samples: int = SAMPLES, steps: int = STEPS) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        stamp = now()
        store.insert("runs", {"id": "run", "requirement": "bench", "size": samples, "model": "m", "seed": 0,
                              "status": "done", "started_at": stamp})
        store.insert("specs", {"id": "spec", "run_id": "run", "version": 1, "scope": "{}", "spec": "{}",
                               "created_at": stamp})
        store.insert("subtasks", {"id": "sub", "run_id": "run", "spec_id": "spec", "key": "k", "name": "n",
                                  "description": "d", "answer_type": "choice", "quota": samples})
        store.insert("sources", {"id": "src", "name": "s", "kind": "generator", "description": "d"})
        slots = [{"id": f"slot{i}", "run_id": "run", "subtask_id": "sub", "source_id": "src", "record_index": i,
                  "seed": i, "status": "accepted"} for i in range(samples)]
        store.insert_many("slots", slots)
        rows = [{"id": f"smp{i}", "run_id": "run", "subtask_id": "sub", "slot_id": f"slot{i}", "source_id": "src",
                 "record": '{"values": [1, 2, 3]}', "question": f"What is the value of bar {i}?",
                 "options": '["1", "2", "3", "4"]', "answer": "2", "input": "{}", "output": "{}",
                 "answer_origin": "tool", "status": "ok", "reasons": "[]", "created_at": stamp}
                for i in range(samples)]
        t0 = time.perf_counter()
        store.insert_many("samples", rows)
        insert_rate = samples / (time.perf_counter() - t0)

        batch = []
        for i in range(steps):
            slot = f"slot{(i // STEPS_PER_SLOT) % samples}"
            batch.append({"id": f"st{i}", "run_id": "run", "slot_id": slot, "sample_id": slot.replace("slot", "smp"),
                          "stage": "realize", "name": "Predict(PhraseQuestion)", "kind": "module",
                          "inputs": '{"goal": "x"}', "outputs": '{"question": "y"}', "status": "ok",
                          "started_at": stamp, "duration_ms": 1.0})
            if len(batch) == 50_000:
                store.insert_many("steps", batch)
                batch = []
        store.insert_many("steps", batch)
        store.conn.execute("ANALYZE")

        rng = random.Random(0)
        timings = []
        for _ in range(200):
            sample_id = f"smp{rng.randrange(samples)}"
            t0 = time.perf_counter()
            lineage = sample_lineage(store, sample_id)
            timings.append((time.perf_counter() - t0) * 1000)
            assert lineage["sample"]["id"] == sample_id and len(lineage["steps"]) <= STEPS_PER_SLOT
        median, p95 = statistics.median(timings), sorted(timings)[int(len(timings) * 0.95)]
        print(f"bulk insert: {insert_rate:,.0f} sample rows/s ({samples:,} rows; target >= 20,000)")
        print(f"lineage with {steps:,} steps: median {median:.2f} ms, p95 {p95:.2f} ms (target < 20 ms)")
        record("store", {"samples": samples, "steps": steps, "insert_rows_per_s": round(insert_rate),
                         "lineage_median_ms": round(median, 2), "lineage_p95_ms": round(p95, 2)})


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
