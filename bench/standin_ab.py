"""A stand-in reviewer's compile measured end to end: a training build, its review, `compile`, `ab run` on a seed the
program never saw, both sides reviewed by the same rule, then acceptance and the rule's defect before and after.

Every step is the command a user runs (`benchagent build|review import|compile|ab run|ab show`), with the stand-in rule
of scripts/standin_review.py in place of the person. Figures go to results.json under `standin_ab:<rule>`; the two
pairs quoted are items on the same record that the rule rejected plain and accepted compiled.

Run again on the same database, it goes on where it stopped: a finished training build the rule reviewed and the
program compiled from it are kept, and `ab run` keeps or resumes the sides already started.

    python bench/standin_ab.py --spec spec.yaml --db pass.db --rule asks-a-comparison --train-size 12 --size 30
"""

import argparse
import csv
import io
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent)]
from results import record  # noqa: E402

STANDIN = Path(__file__).parents[1] / "scripts" / "standin_review.py"

# The samples of two runs made from the same record with the same slot seed, with each side's latest review.
SAME_RECORD = """
WITH latest AS (SELECT sample_id, decision, row_number() OVER (PARTITION BY sample_id ORDER BY created_at DESC,
                                                              rowid DESC) AS n FROM reviews)
SELECT a.question AS plain, b.question AS compiled, ra.decision AS plain_decision, rb.decision AS compiled_decision
FROM samples a JOIN slots sa ON sa.id = a.slot_id
JOIN slots sb ON sb.source_id = sa.source_id AND sb.record_index = sa.record_index AND sb.seed = sa.seed
JOIN samples b ON b.slot_id = sb.id
JOIN latest ra ON ra.sample_id = a.id AND ra.n = 1 JOIN latest rb ON rb.sample_id = b.id AND rb.n = 1
WHERE a.run_id = ? AND b.run_id = ? AND a.status IN ('ok', 'fixed') AND b.status IN ('ok', 'fixed')
ORDER BY a.id"""


def run(args: list[str]) -> tuple[str, float]:
    """stdout of one command and its wall time; a failing command stops the bench with its stderr."""
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(args[:3])} failed: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout, round(time.perf_counter() - started, 1)


def review(benchagent: str, db: str, run_id: str, rule: str) -> dict:
    """The rule's reviews of one run, imported under reviewer rule:<rule>; returns accepted and reviewed counts."""
    csv_text, _ = run([sys.executable, str(STANDIN), "--db", db, "--run", run_id, "--rule", rule])
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    path = Path(db).with_name(f"{run_id}.{rule}.csv")
    path.write_text(csv_text)
    run([benchagent, "review", "import", str(path), "--db", db, "--reviewer", f"rule:{rule}"])
    return {"reviewed": len(rows), "accepted": sum(r["decision"] == "accept" for r in rows)}


def latest_run(db: str) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1").fetchone()[0]


def trained_before(db: str, rule: str, size: int, seed: int) -> tuple[str, float, dict] | None:
    """A finished training build of this size and seed the rule reviewed: its run, wall time and review counts."""
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT r.id, r.wall_s, count(v.id), sum(v.decision = 'accept') FROM runs r JOIN samples s ON s.run_id = "
            "r.id JOIN reviews v ON v.sample_id = s.id AND v.reviewer = ? WHERE r.size = ? AND r.seed = ? AND "
            "r.program_id IS NULL AND r.status = 'done' GROUP BY r.id ORDER BY r.started_at DESC LIMIT 1",
            (f"rule:{rule}", size, seed)).fetchone()
    return (row[0], row[1], {"reviewed": row[2], "accepted": row[3]}) if row else None


def compiled_before(db: str, train_run: str, optimizer: str) -> float | None:
    """The compile wall time of the newest program this optimizer made from the training run's samples, if any."""
    with sqlite3.connect(db) as conn:
        samples = {r[0] for r in conn.execute("SELECT id FROM samples WHERE run_id = ?", (train_run,))}
        for ids, metrics in conn.execute("SELECT train_sample_ids, metrics FROM programs WHERE optimizer = ? "
                                         "ORDER BY created_at DESC", (optimizer,)):
            if set(json.loads(ids)) <= samples:
                return json.loads(metrics).get("wall_s")
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="spec YAML from `benchagent plan`")
    parser.add_argument("--db", required=True, help="database the spec was planned in")
    parser.add_argument("--rule", required=True, help="a stand-in rule of scripts/standin_review.py")
    parser.add_argument("--train-size", type=int, default=30)
    parser.add_argument("--train-seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=30, help="items per side of the paired builds")
    parser.add_argument("--seed", type=int, default=1, help="seed of the paired builds, not the training seed")
    parser.add_argument("--optimizer", default="bootstrap")
    parser.add_argument("--benchagent", default=str(Path(sys.executable).with_name("benchagent")))
    args = parser.parse_args()
    tool, db = args.benchagent, args.db

    done = trained_before(db, args.rule, args.train_size, args.train_seed)
    if done:
        train_run, train_s, trained = done
    else:
        _, train_s = run([tool, "build", "--spec", args.spec, "--db", db, "--size", str(args.train_size),
                          "--seed", str(args.train_seed)])
        train_run = latest_run(db)
        trained = review(tool, db, train_run, args.rule)
    compile_s = compiled_before(db, train_run, args.optimizer)
    if compile_s is None:
        _, compile_s = run([tool, "compile", "--db", db, "--run", train_run, "--optimizer", args.optimizer])
    _, ab_s = run([tool, "ab", "run", "--spec", args.spec, "--db", db, "--seed", str(args.seed),
                   "--size", str(args.size)])
    shown, _ = run([tool, "ab", "show", "--db", db, "--json"])
    pair = json.loads(shown)
    for side in ("plain", "compiled"):
        review(tool, db, pair[side]["run_id"], args.rule)
    pair = json.loads(run([tool, "ab", "show", pair["id"], "--db", db, "--json"])[0])
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        matched = [dict(r) for r in conn.execute(SAME_RECORD, (pair["plain"]["run_id"], pair["compiled"]["run_id"]))]
    changed = [m for m in matched if m["plain_decision"] == "reject" and m["compiled_decision"] == "accept"]
    figures = {
        "rule": args.rule, "optimizer": args.optimizer, "pair_id": pair["id"], "program_id": pair["program_id"],
        "train": {"run_id": train_run, "size": args.train_size, "seed": args.train_seed, "wall_s": train_s, **trained},
        "compile_wall_s": compile_s, "ab_wall_s": ab_s, "seed": args.seed,
        "plain": {k: pair["plain"][k] for k in ("run_id", "delivered", "reviewed", "accepted", "acceptance")},
        "compiled": {k: pair["compiled"][k] for k in ("run_id", "delivered", "reviewed", "accepted", "acceptance")},
        "rejections": pair["reasons"], "same_record_pairs": len(matched), "changed": changed[:2]}
    record(f"standin_ab:{args.rule}", figures)
    for side in ("plain", "compiled"):
        s = pair[side]
        print(f"{side:<9} {s['accepted']}/{s['reviewed']} accepted ({s['delivered']} delivered)")
    for r in pair["reasons"]:
        print(f"  {r['plain']:>3} -> {r['compiled']:<3} {r['reason']}")
    print(f"train build {train_s} s ({trained['accepted']}/{trained['reviewed']} accepted), compile {compile_s} s, "
          f"ab run {ab_s} s")
    for m in changed[:2]:
        print(f"  plain:    {m['plain']}\n  compiled: {m['compiled']}")


if __name__ == "__main__":
    main()
