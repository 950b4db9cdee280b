"""The rich tables the commands print: source cards, compiled programs, their versions and the program tree, paired
builds, eval accuracy."""

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def print_sources(console: Console, cards: list[dict[str, Any]]) -> None:
    table = Table(title=f"{len(cards)} sources")
    for column in ("id", "kind", "modalities", "size", "description"):
        table.add_column(column, overflow="fold")
    for card in cards:
        table.add_row(card["id"], card["kind"], ", ".join(card.get("modalities") or []), f"{card.get('size') or 0:,}",
                      card["description"][:140])
    console.print(table)


def _change(metrics: dict[str, Any], name: str) -> str:
    return f"{_percent(metrics.get(name + '_before'))} → {_percent(metrics.get(name + '_after'))}"


def _steps_in(metrics: dict[str, Any]) -> list:
    """The realizer steps a program's metrics have figures for."""
    from benchagent.optimize.compiler import STEP_FIGURES

    return [f for f in STEP_FIGURES if f"{f.metric}_before" in metrics]


def print_compiled(console: Console, row: dict[str, Any]) -> None:
    m = row["metrics"]
    table = Table(title=f"program {row['id']} ({row['optimizer']})")
    for column in ("held-out figure", "before", "after"):
        table.add_column(column, justify="left" if column == "held-out figure" else "right")
    table.add_row(f"judge agreement with humans ({m['n_heldout']} samples)",
                  _percent(m["judge_agreement_before"]), _percent(m["judge_agreement_after"]))
    steps = _steps_in(m)
    for f in steps:
        table.add_row(f"predicted acceptance ({m[f'n_{f.count}_heldout']} {f.heldout} samples)",
                      _percent(m[f"{f.metric}_before"]), _percent(m[f"{f.metric}_after"]))
    if m.get("inspector_agreement_after") is not None:
        left_out = "" if m.get("inspector_trusted") else " (demos left out)"
        table.add_row(f"build's inspector blocks what humans rejected{left_out}",
                      _percent(m["inspector_agreement_before"]), _percent(m["inspector_agreement_after"]))
    if m.get("recall_agreement") is not None:
        balanced = m.get("recall_balanced_agreement")
        table.add_row("recall step names the lesson a sample repeats", "-", _percent(m["recall_agreement"]) + (
            f" ({_percent(balanced)} balanced)" if balanced is not None else ""))
    console.print(table)
    if m.get("lessons"):
        from benchagent.optimize.lessons import RECALL_BAR

        use = ("the recall step checks every new item against them" if m.get("recall_trusted") else
               "the recall step is left out: its held-out balanced agreement (the mean over samples that repeat a "
               f"lesson and samples that do not) is under {RECALL_BAR:.0%}")
        console.print(f"lessons taught to the phrasing, writing and judge steps: {'; '.join(m['lessons'])}; {use}",
                      highlight=False)
    baseline = f"the parent program {row['parent_id']}" if row["parent_id"] else "the uncompiled program"
    accepted = ", ".join(f"{m[f'n_{f.count}_train']} accepted for the {f.step} step" for f in steps)
    console.print(f"before: {baseline}; trained on {m['n_train']} reviewed samples ({accepted}); "
                  f"{m['lm_calls']} LM calls, {m['wall_s']} s", highlight=False)


def print_programs(console: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"{len(rows)} program versions",
                  caption="held out: judge agreement with humans, predicted acceptance; before → after")
    for column in ("id", "parent", "created", "optimizer", "hash", "train", "judge", "acceptance", "wall s"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        m = row["metrics"] or {}
        table.add_row(row["id"], row["parent_id"] or "-", row["created_at"][5:16].replace("T", " "),
                      row["optimizer"] or "-", row["hash"][:8], str(row["n_train"]),
                      _change(m, "judge_agreement"),
                      _change(m, steps[0].metric) if (steps := _steps_in(m)) else "- → -",
                      str(m.get("wall_s", "-")))
    console.print(table)


def print_program_tree(console: Console, tree: dict[str, Any]) -> None:
    """The program's modules and predictors as a tree; with a program version, what it compiled into each."""
    root = Tree(tree["root"] + (f" (program {tree['program_id']})" if tree["program_id"] else ""), highlight=False)
    nodes: dict[str, Tree] = {"": root}
    for predictor in tree["predictors"]:
        parts = predictor["name"].split(".")
        for depth, module in enumerate(predictor["modules"], 1):
            path, parent = ".".join(parts[:depth]), ".".join(parts[:depth - 1])
            if path not in nodes:
                nodes[path] = nodes[parent].add(f"{parts[depth - 1]}: {module}", highlight=False)
        compiled = [f"{predictor['demos']} demos"] if predictor["demos"] else []
        compiled += ["compiled instructions"] if predictor["compiled_instructions"] else []
        nodes[".".join(parts[:-1])].add(f"{predictor['name']}: {predictor['type']}({predictor['signature']})"
                                        + (f" ← {', '.join(compiled)}" if compiled else ""), highlight=False)
    console.print(root)


def print_pair(console: Console, figures: dict[str, Any]) -> None:
    table = Table(title=f"pair {figures['id']}: program {figures['program_id']}, seed {figures['seed']}")
    for column in ("", "plain", "compiled"):
        table.add_column(column, justify="left" if not column else "right")
    plain, compiled = figures["plain"], figures["compiled"]
    table.add_row("run", plain["run_id"], compiled["run_id"])
    table.add_row("delivered", str(plain["delivered"]), str(compiled["delivered"]))
    table.add_row("reviewed", str(plain["reviewed"]), str(compiled["reviewed"]))
    table.add_row("accepted by reviewers", f"{plain['accepted']} ({_percent(plain['acceptance'])})",
                  f"{compiled['accepted']} ({_percent(compiled['acceptance'])})")
    for reason in figures["reasons"]:
        table.add_row(f"rejected: {reason['reason']}", str(reason["plain"]), str(reason["compiled"]))
    console.print(table)


def _interval(figures: dict) -> str:
    return f"{figures['accuracy']:.0%} [{figures['low']:.0%}, {figures['high']:.0%}]"


def print_eval(console: Console, figures: dict) -> None:
    table = Table(title=f"accuracy on {figures['items']} items, 95% bootstrap intervals (models smallest first)")
    table.add_column("model", no_wrap=True)
    table.add_column("overall", justify="right")
    for key in figures["subtasks"]:
        table.add_column(key, justify="right")
    for column in ("tok/item", "s/item", "notes"):
        table.add_column(column, justify="left" if column == "notes" else "right")
    for m in figures["models"]:
        notes = [f"text-only: {m['images_not_shown']} image items asked without their image"] \
            if m["images_not_shown"] else []
        notes += [f"{m['errors']} calls failed"] if m["errors"] else []
        notes += [f"{m['unparsed']} replies without an answer"] if m["unparsed"] else []
        table.add_row(m["model"], _interval(m), *(_interval(m["subtasks"][k]) if k in m["subtasks"] else "-"
                                                   for k in figures["subtasks"]),
                      str(m["tokens_per_item"]), str(m["seconds_per_item"]), "; ".join(notes))
    console.print(table)
    consistency, spread = figures["consistency"], figures["discrimination"]
    console.print(f"consistency: {consistency['verdict']}"
                  + (f" (Spearman {consistency['spearman']:.2f})" if consistency["spearman"] is not None else ""),
                  highlight=False)
    if spread["spread"]:
        s = spread["spread"]
        console.print(f"discrimination: {spread['best']} - {spread['worst']} = {s['delta']:+.0%} "
                      f"[{s['low']:+.0%}, {s['high']:+.0%}]; {spread['separating']} items separate the models, "
                      f"{len(spread['solved_by_none'])} no model solves, {len(spread['solved_by_all'])} every model "
                      "solves", highlight=False)
