"""Planning on the embedded model: wall time, calls and tokens per planning stage for three requirements.

Run it once per code version under a label (`--label before` with an older install's `benchagent`, `--label after`
with this one); each label's figures are kept side by side in results.json. DSPy's cache is a fresh folder per run,
so every answer is decoded."""

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import yaml
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent)]
from results import RESULTS, record  # noqa: E402

REQUIREMENTS = [
    "Build a benchmark that tests whether a model can read values off bar charts",
    "Test whether a model can count the days between two calendar dates written in different formats",
    "Reading comprehension on short passages about everyday science, with multiple-choice questions asking why "
    "something happens",
]

PER_STAGE = """SELECT coalesce(s.stage, '?') AS stage, count(*) AS calls, sum(l.prompt_tokens) AS prompt_tokens,
       sum(l.completion_tokens) AS completion_tokens, round(sum(l.latency_ms) / 1000.0, 1) AS lm_s
FROM lm_calls l LEFT JOIN steps s ON s.id = l.step_id WHERE l.slot_id IS NULL GROUP BY 1 ORDER BY 1"""


def plan_once(benchagent: str, requirement: str, size: int, seed: int, keep: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DSPY_CACHEDIR": str(Path(tmp) / "dspy")}
        db, out = Path(tmp) / "plan.db", Path(tmp) / "spec.yaml"
        started = time.perf_counter()
        done = subprocess.run([benchagent, "plan", requirement, "--size", str(size), "--seed", str(seed),
                               "--db", str(db), "--out", str(out)], capture_output=True, text=True, env=env,
                              cwd=tmp)
        wall = time.perf_counter() - started
        if done.returncode:
            return {"requirement": requirement, "wall_s": round(wall, 1),
                    "error": done.stderr.strip().splitlines()[-1:]}
        con = sqlite3.connect(db)
        con.row_factory = sqlite3.Row
        stages = [dict(r) for r in con.execute(PER_STAGE)]
        con.close()
        spec = yaml.safe_load(out.read_text())
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(out, keep / f"spec_{REQUIREMENTS.index(requirement)}.yaml")
            shutil.copy(db, keep / f"plan_{REQUIREMENTS.index(requirement)}.db")
    return {"requirement": requirement, "wall_s": round(wall, 1),
            "completion_tokens": sum(s["completion_tokens"] or 0 for s in stages),
            "prompt_tokens": sum(s["prompt_tokens"] or 0 for s in stages), "calls": sum(s["calls"] for s in stages),
            "stages": stages, "facets": [f["value"] for f in spec["scope"]["facets"]],
            "subtasks": [{"key": s["key"], "answer_type": s["answer_type"], "quota": s["quota"],
                          "sources": [src["source_id"] for src in s.get("sources") or []]}
                         for s in spec["subtasks"]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="before or after (or any name)")
    parser.add_argument("--benchagent", default=shutil.which("benchagent"), help="the benchagent executable to time")
    parser.add_argument("--size", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="a folder to keep each requirement's spec YAML and plan database in")
    args = parser.parse_args()
    runs = []
    for requirement in REQUIREMENTS:
        runs.append(plan_once(args.benchagent, requirement, args.size, args.seed, args.keep))
        print(json.dumps({k: v for k, v in runs[-1].items() if k != "stages"}), flush=True)
    previous = json.loads(RESULTS.read_text()).get("planning", {}) if RESULTS.exists() else {}
    kept = {k: v for k, v in previous.items() if k not in ("date", "cores")}
    kept[args.label] = {"size": args.size, "seed": args.seed, "model": "embedded", "runs": runs,
                        "wall_s": round(sum(r.get("wall_s", 0) for r in runs), 1),
                        "completion_tokens": sum(r.get("completion_tokens", 0) for r in runs)}
    record("planning", kept)


if __name__ == "__main__":
    main()
