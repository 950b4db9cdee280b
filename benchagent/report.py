"""Rich tables of a run summary."""

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from benchagent.signatures import Spec


def _n(value) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else str(value)


def print_summary(console: Console, summary: dict) -> None:
    run, totals = summary["run"], summary["totals"]
    program = summary.get("program")
    compiled = (f", program {program['id']} ({program['optimizer']}, trained on {program['n_train']} reviewed samples)"
                if program else "")
    console.print(f"[bold]{run['requirement']}[/bold]  ({run['status']}, model {run['model']}{compiled})",
                  highlight=False)
    table = Table(title="subtasks")
    table.add_column("subtask", no_wrap=True)
    for column in ("answer", "quota", "accepted", "rejected", "failed", "LM calls", "tokens"):
        table.add_column(column, justify="left" if column == "answer" else "right")
    for s in summary["subtasks"]:
        table.add_row(s["key"], s["answer_type"], _n(s["quota"]), _n(s["accepted"]), _n(s["rejected"]),
                      _n(s["failed"]), _n(s["lm_calls"]), _n(s["tokens"]))
    table.add_row("total", "", _n(totals["target"]), _n(totals["accepted"]), _n(totals["rejected"]),
                  _n(totals["failed"]), _n(totals["lm_calls"]), _n(totals["tokens"]), style="bold")
    console.print(table)
    stages = Table(title="LM use by stage")
    for column in ("stage", "calls", "prompt tok", "completion tok", "cached tok", "LM s", "calls/acc", "tok/acc"):
        stages.add_column(column, justify="left" if column == "stage" else "right")
    for s in summary["stages"]:
        stages.add_row(s["stage"], _n(s["lm_calls"]), _n(s["prompt_tokens"]), _n(s["completion_tokens"]),
                       _n(s["cached_tokens"]), _n(s["lm_seconds"]), _n(s["calls_per_accepted"]),
                       _n(s["tokens_per_accepted"]))
    console.print(stages)
    console.print(
        f"wall time {_n(totals['wall_s'])} s; per accepted sample: {_n(totals['lm_calls_per_accepted'])} LM calls, "
        f"{_n(totals['tokens_per_accepted'])} tokens" + (f", cost ${totals['cost']:.4f}" if totals["cost"] else ""),
        highlight=False,
    )
    if summary["image_items_checked_as_text"]:
        console.print(f"{summary['image_items_checked_as_text']} accepted image items: answers made by pure tools; the "
                      "inspector checked the data behind each image, not its pixels", highlight=False)
    if summary.get("unplaced"):
        unplaced = summary["unplaced"]
        console.print(f"[yellow]not planned[/yellow] {unplaced['count']} samples: " +
                      "; ".join(f"{k}: {v}" for k, v in unplaced["reasons"].items()), highlight=False)
    for short in summary["shortfalls"]:
        why = ", ".join(f"{reason} x{count}" for reason, count in short["reasons"].items()) or "no slot tried"
        console.print(f"[yellow]shortfall[/yellow] {short['subtask']}: {short['missing']} missing after "
                      f"{short['attempts']} attempts ({short['unfinished']} unfinished); {why}", highlight=False)
    if summary["rejection_reasons"]:
        console.print("rejections: " + ", ".join(f"{r['name']} x{r['count']}" for r in summary["rejection_reasons"]),
                      highlight=False)


def print_spec(console: Console, spec: Spec) -> None:
    tree = Tree(f"[bold]{spec.requirement}[/bold]  size {spec.size}, seed {spec.seed}")
    scope = spec.scope
    tree.add(f"scope: {scope.topic}; modalities {', '.join(scope.modalities)}; keywords {', '.join(scope.keywords)}")
    for subtask in spec.subtasks:
        branch = tree.add(f"[bold]{subtask.key}[/bold] ({subtask.answer_type}, {', '.join(subtask.modalities)}): "
                          f"quota {subtask.quota}")
        branch.add(subtask.description)
        for source in subtask.sources:
            score = f", score {source.score:.2f}" if source.score is not None else ""
            leaf = branch.add(f"{source.source_id}: share {source.share}{score}")
            for step in source.plan.steps:
                leaf.add(f"{step.kind} {step.tool}: {', '.join(step.inputs)} -> {', '.join(step.outputs)}")
    console.print(tree)
