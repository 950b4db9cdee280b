"""The benchmark card, README.md: what was asked and delivered, how items were verified and reviewed, where they came
from, what built them, and how to run them."""

from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from benchagent.items import BenchItem
from benchagent.store.benchmark import verdict_counts
from benchagent.store.db import Store
from benchagent.store.reports import run_summary
from benchagent.store.reviews import review_counts


def benchagent_version() -> str:
    try:
        return version("benchagent")
    except PackageNotFoundError:
        return "unknown"


def card_facts(store: Store, run_id: str, items: list[BenchItem]) -> dict[str, Any]:
    """The figures a card and a report need, read from the store."""
    summary = run_summary(store, run_id)
    checks = verdict_counts(store, [item.sample_id for item in items])
    return {"summary": summary, "checks": checks, "reviews": review_counts(store, run_id),
            "origins": Counter(item.answer_origin for item in items), "kinds": Counter(item.kind for item in items),
            "sources": _sources(items), "version": benchagent_version()}


def _sources(items: list[BenchItem]) -> list[dict[str, Any]]:
    counts = Counter(item.source_id for item in items)
    first = {item.source_id: item for item in reversed(items)}
    return [{"id": sid, "name": first[sid].source_name, "license": first[sid].source_license or "not stated",
             "items": n} for sid, n in counts.most_common()]


def _cell(value: Any) -> str:
    return " ".join(str(value if value is not None else "-").split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def card_markdown(facts: dict[str, Any], items: list[BenchItem], how_to_run: list[str]) -> str:
    summary = facts["summary"]
    run, totals, intent = summary["run"], summary["totals"], summary.get("intent") or {}
    program = summary.get("program")
    parts = [f"# {_cell(run['requirement'])}", "",
             f"A benchmark of {len(items)} items built by benchagent {facts['version']} from the requirement above "
             f"(run `{run['id']}`, status {run['status']}, seed {run['seed']}).", ""]
    facets = intent.get("facets") or []
    gaps = {g["facet"]: g for g in intent.get("gaps") or []}
    if facets:
        parts += ["## Facets of the requirement", "", _table(
            ["facet", "kind", "asks", "from the words", "carried by"],
            [[f["key"], f["kind"], f["value"], f.get("quote", ""), ", ".join(f["carried_by"]) or (
                f"not carried: {gaps[f['key']]['reason']}" if f["key"] in gaps else "-")] for f in facets]), ""]
        if intent.get("interpretation"):
            parts += [f"The requirement is vague; it was read as: {intent['interpretation']}", ""]
    parts += ["## Subtasks", "", _table(
        ["subtask", "name", "answer", "quota", "delivered", "rejected", "facets"],
        [[s["key"], s["name"], s["answer_type"], s["quota"], s["accepted"], s["rejected"],
          ", ".join(f["key"] for f in facets if s["key"] in f["carried_by"]) or "-"] for s in summary["subtasks"]]), ""]
    parts += [f"Delivered {totals['accepted']} of {totals['target']} requested items "
              f"({', '.join(f'{n} {k}' for k, n in sorted(facts['kinds'].items()))}); "
              f"{totals['rejected']} candidates were rejected and {totals['failed']} slots failed."]
    for short in summary["shortfalls"]:
        why = ", ".join(f"{reason} x{count}" for reason, count in short["reasons"].items()) or "no slot tried"
        parts.append(f"- shortfall in {short['subtask']}: {short['missing']} missing ({why})")
    parts += ["", "## Verification", "",
              f"Answers made by pure tools: {facts['origins'].get('tool', 0)}; written by the LLM and cross-checked "
              f"by an independent solver: {facts['origins'].get('llm', 0)}.", ""]
    if facts["checks"]:
        parts += [_table(["stage", "check", "passed", "checked"],
                         [[c["stage"], c["name"], c["passed"], c["checked"]] for c in facts["checks"]]), ""]
    if summary["rejection_reasons"]:
        parts += ["Rejections: " + ", ".join(f"{r['name']} x{r['count']}" for r in summary["rejection_reasons"]), ""]
    reviews = facts["reviews"]
    share = f" ({reviews['accept'] / reviews['reviewed']:.0%} accepted)" if reviews["reviewed"] else ""
    parts += ["## Human review", "",
              f"{reviews['reviewed']} of {reviews['samples']} samples of this run were reviewed by a human: "
              f"{reviews['accept']} accepted, {reviews['reject']} rejected{share}.", "",
              "## Sources", "", _table(["source", "name", "license", "items"],
                                       [[s["id"], s["name"], s["license"], s["items"]] for s in facts["sources"]]), "",
              "## How it was built", "",
              f"- model: `{run['model']}`",
              f"- program version: {program['id'] + ' (' + program['optimizer'] + ')' if program else 'uncompiled'}",
              f"- benchagent {facts['version']}; started {run['started_at']}, wall time {totals['wall_s']} s",
              f"- per accepted item: {totals['lm_calls_per_accepted']} LM calls, "
              f"{totals['tokens_per_accepted']} tokens",
              "", "## How to run it", "", *how_to_run, ""]
    return "\n".join(parts)
