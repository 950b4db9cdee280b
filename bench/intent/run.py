"""Intent fidelity on requirements the project was not tuned on: plan and build each one, then report per requirement
which facets were carried, which were reported missing, items per facet, tokens and wall time.

    python bench/intent/run.py [--size 6] [--only ID,ID] [--model M] [--table]

The requirements (bench/intent/requirements.yaml) were written by a helper session that had not seen the code or the
source catalog; each lists the facets a careful reader would expect. Results accumulate in bench/intent/results.json
(one entry per requirement, the latest run wins) and the build databases stay under bench/intent/runs/ for reading
the items themselves (`benchagent browse --db bench/intent/runs/ID.db`)."""

import argparse
import json
import time
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from benchagent import api
from benchagent.errors import BenchagentError
from benchagent.program.errors import ProgramError
from benchagent.store import open_store
from benchagent.store.errors import StoreError

HERE = Path(__file__).parent
RESULTS = HERE / "results.json"


def recognised(expected: list[dict], planned: list[dict], requirement: str) -> list[str]:
    """The expected facets a planned facet states: it quotes the same words (a quote of the whole requirement
    counts for nothing) or says the same thing (fuzzy: the model may trim or rephrase)."""
    specific = [p for p in planned if len(p["quote"]) < 0.8 * len(requirement)]
    return [e["quote"] for e in expected if any(
        fuzz.partial_ratio(e["quote"].lower(), p["quote"].lower()) >= 85 for p in specific) or any(
        fuzz.token_set_ratio(e["value"].lower(), p["value"].lower()) >= 70 for p in planned)]


def items(db: Path, run_id: str) -> list[dict]:
    with open_store(db, create=False) as store:
        rows = store.query("SELECT s.question, s.options, s.answer, s.input, t.key FROM samples s "
                           "JOIN subtasks t ON t.id = s.subtask_id WHERE s.run_id = ? AND s.status IN ('ok', 'fixed') "
                           "ORDER BY s.rowid", (run_id,))
    return [{"subtask": r["key"], "question": r["question"], "options": json.loads(r["options"] or "null"),
             "answer": r["answer"], "context": str(json.loads(r["input"] or "{}").get("context", ""))[:300]}
            for r in rows]


def run_one(entry: dict, size: int, model: str | None) -> dict:
    db = HERE / "runs" / f"{entry['id']}.db"
    db.parent.mkdir(exist_ok=True)
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)  # a killed run's write-ahead log would bring its rows back
    started = time.perf_counter()
    result = {"id": entry["id"], "class": entry["class"], "requirement": entry["requirement"], "size": size}
    try:
        summary = api.build(entry["requirement"], size=size, db=db, model=model)
    except (BenchagentError, ProgramError, StoreError) as exc:
        result |= {"outcome": "refused", "message": str(exc), "wall_s": round(time.perf_counter() - started, 1)}
        return result
    except Exception as exc:  # a crash is a finding for this requirement, not the end of the suite
        result |= {"outcome": "crashed", "message": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}",
                   "wall_s": round(time.perf_counter() - started, 1)}
        return result
    intent = summary["intent"] or {"facets": [], "gaps": [], "language": "", "interpretation": ""}
    accepted = {s["key"]: s["accepted"] for s in summary["subtasks"]}
    facets = [{"key": f["key"], "kind": f["kind"], "value": f["value"], "quote": f["quote"],
               "carried_by": f["carried_by"], "items": sum(accepted.get(k, 0) for k in f["carried_by"])}
              for f in intent["facets"]]
    return result | {
        "outcome": "built", "run_id": summary["run"]["id"], "language": intent["language"],
        "interpretation": intent["interpretation"], "facets": facets, "gaps": intent["gaps"],
        "expected": [e["quote"] for e in entry["expect"]],
        "expected_recognised": recognised(entry["expect"], intent["facets"], entry["requirement"]),
        "subtasks": [{"key": s["key"], "quota": s["quota"], "accepted": s["accepted"], "rejected": s["rejected"]}
                     for s in summary["subtasks"]],
        "accepted": summary["totals"]["accepted"], "tokens": summary["totals"]["tokens"],
        "tokens_per_accepted": summary["totals"]["tokens_per_accepted"], "wall_s": summary["totals"]["wall_s"],
        "rejections": {r["name"]: r["count"] for r in summary["rejection_reasons"]},
        "items": items(db, summary["run"]["id"]),
    }


def table(results: dict) -> str:
    """One row per requirement; the reader's columns come from reader.yaml where a reader has judged the items."""
    reader_file = HERE / "reader.yaml"
    reader = yaml.safe_load(reader_file.read_text(encoding="utf-8")) if reader_file.exists() else {}
    lines = ["| requirement | class | facets carried | reported missing | expected recognised | items (accepted/size) "
             "| off-target rejected | reader: on target / all specifics / wrong gold | tokens/item | wall s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results.values():
        if r["outcome"] in ("refused", "crashed"):
            lines.append(f"| {r['id']} | {r['class']} | - | {r['outcome']}: {r['message'][:160]} | - | 0/{r['size']} "
                         f"| - | - | - | {r['wall_s']} |")
            continue
        carried = [f for f in r["facets"] if f["carried_by"]]
        verdict = reader.get(r["id"])
        judged = (f"{verdict['on_target']}/{r['accepted']} / {verdict['specifics']}/{r['accepted']} / "
                  f"{verdict.get('wrong', 0)}" if verdict else "-")
        missing = "; ".join(f"{g['facet']}" for g in r["gaps"]) or "none"
        lines.append(f"| {r['id']} | {r['class']} | {len(carried)}/{len(r['facets'])} | {missing} | "
                     f"{len(r['expected_recognised'])}/{len(r['expected'])} | {r['accepted']}/{r['size']} | "
                     f"{r['rejections'].get('off_target', 0)} | {judged} | {r['tokens_per_accepted'] or '-'} | "
                     f"{r['wall_s']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=6)
    parser.add_argument("--only", default="", help="comma-separated requirement ids")
    parser.add_argument("--model", default=None)
    parser.add_argument("--table", action="store_true", help="print the table of the stored results and stop")
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    suite = {e["id"]: e for e in yaml.safe_load((HERE / "requirements.yaml").read_text(encoding="utf-8"))}
    for r in results.values():  # recognition is recomputed, so a better measure applies to stored runs too
        if r["outcome"] == "built":
            r["expected_recognised"] = recognised(suite[r["id"]]["expect"], r["facets"], r["requirement"])
    if not args.table:
        wanted = [w for w in args.only.split(",") if w]
        by_id = suite
        unknown = [w for w in wanted if w not in by_id]
        if unknown:
            parser.error(f"unknown requirement ids: {', '.join(unknown)}")
        for entry in [by_id[w] for w in wanted] if wanted else list(suite.values()):
            print(f"== {entry['id']}: {entry['requirement']}", flush=True)
            results[entry["id"]] = run_one(entry, args.size, args.model)
            RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
            r = results[entry["id"]]
            print(f"   {r['outcome']}: {r.get('accepted', 0)}/{args.size} accepted, gaps "
                  f"{[g['facet'] for g in r.get('gaps', [])] or r.get('message', '')}, {r['wall_s']} s", flush=True)
    print(table(results))


if __name__ == "__main__":
    main()
