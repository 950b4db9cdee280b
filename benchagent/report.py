"""Rich tables of a run summary."""

from rich.console import Console
from rich.markup import escape
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
    print_intent(console, summary.get("intent"))
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


def print_intent(console: Console, intent: dict | None) -> None:
    """Each facet of the requirement and what carries it; the facets nothing carries, in yellow, with the reason."""
    if not intent or not intent["facets"]:
        return
    if intent["interpretation"]:
        console.print(f"[yellow]interpretation[/yellow] the requirement is vague; read as: {intent['interpretation']}",
                      highlight=False)
    gaps = {g["facet"]: g for g in intent["gaps"]}
    table = Table(title=f"requirement facets (items in {intent['language']})")
    for column in ("facet", "kind", "asks", "carried by"):
        table.add_column(column, overflow="fold")
    for facet in intent["facets"]:
        gap = gaps.get(facet["key"])
        carried = ", ".join(facet["carried_by"]) or (f"[yellow]not carried[/yellow]: {gap['reason']}" if gap else "-")
        table.add_row(facet["key"], facet["kind"], facet["value"], carried)
    console.print(table)
    for gap in intent["gaps"]:
        console.print(f"[yellow]not carried[/yellow] {gap['facet']}: {gap['reason']}"
                      + (f"; to carry it: {gap['remedy']}" if gap.get("remedy") else ""), highlight=False)


def print_spec(console: Console, spec: Spec) -> None:
    tree = Tree(f"[bold]{spec.requirement}[/bold]  size {spec.size}, seed {spec.seed}")
    scope = spec.scope
    tree.add(f"scope: {scope.topic}; modalities {', '.join(scope.modalities)}; keywords {', '.join(scope.keywords)}; "
             f"items in {scope.language}")
    if scope.interpretation:
        tree.add(f"[yellow]interpretation[/yellow] (the requirement is vague): {scope.interpretation}")
    facets = tree.add("facets")
    gaps = {g.facet: g for g in spec.gaps}
    for facet in scope.facets:
        carriers = [s.key for s in spec.subtasks if facet.key in s.facets]
        gap = gaps.get(facet.key)
        state = (f"[yellow]not carried[/yellow]: {gap.reason}" if gap else
                 f"carried by {', '.join(carriers)}" if carriers else "carried by every subtask")
        facets.add(escape(f"{facet.key} ({facet.kind}) {facet.value!r} from \"{facet.quote}\": ") + state)
    for subtask in spec.subtasks:
        branch = tree.add(f"[bold]{subtask.key}[/bold] ({subtask.answer_type}, {', '.join(subtask.modalities)}): "
                          f"quota {subtask.quota}; carries {', '.join(subtask.facets) or '-'}")
        branch.add(subtask.description)
        for source in subtask.sources:
            score = f", score {source.score:.2f}" if source.score is not None else ""
            leaf = branch.add(f"{source.source_id}: share {source.share}{score}")
            for step in source.plan.steps:
                serves = f"  [serves {', '.join(step.serves)}]" if step.serves else ""
                flow = f"{', '.join(step.inputs)} -> {', '.join(step.outputs)}"
                leaf.add(escape(f"{step.kind} {step.tool}: {flow}{serves}"))
    console.print(tree)
