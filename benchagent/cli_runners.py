"""The `export`, `eval`, `report` and `serve` commands: take a built benchmark to the runners and score models on it."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from benchagent import api
from benchagent.settings import EVAL_MAX_TOKENS, EVAL_PARALLEL

DbOption = Annotated[Path, typer.Option("--db", help="SQLite database file holding the run.")]
RunArgument = Annotated[str, typer.Argument(help="The run whose accepted samples to use (see `benchagent status`).")]


def export(
    run_id: RunArgument,
    db: DbOption,
    formats: Annotated[list[str], typer.Option(
        "--format", help="jsonl, csv, hf, inspect or lm-eval (repeatable, or comma-separated).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write; each format goes to its own subfolder.")],
    force: Annotated[bool, typer.Option("--force", help="Replace format folders that already hold files.")] = False,
) -> None:
    """Export the run's accepted samples, images included, with a benchmark card (README.md) in every folder."""
    from benchagent.cli import guarded, out

    chosen = [f.strip() for value in formats for f in value.split(",") if f.strip()]
    result = guarded(lambda: api.export(run_id, db=db, formats=chosen, out=out_dir, force=force))
    for fmt, folder in result["folders"].items():
        out.print(f"{fmt:<8} {folder}", highlight=False)
    out.print(f"{result['items']} items exported; benchmark card: {result['card']}", highlight=False)


def _interval(figures: dict) -> str:
    return f"{figures['accuracy']:.0%} [{figures['low']:.0%}, {figures['high']:.0%}]"


def print_eval(console, figures: dict) -> None:
    from rich.table import Table

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


def evaluate(
    run_id: RunArgument,
    db: DbOption,
    models: Annotated[list[str], typer.Option(
        "--model", help="A model to score (repeatable, smallest first): embedded, local:/path/model.gguf, or a "
                        "DSPy/LiteLLM model such as openai/<name> with --api-base.")],
    api_base: Annotated[Optional[str], typer.Option(help="Base URL of an OpenAI-compatible server.")] = None,
    chart: Annotated[Optional[Path], typer.Option(help="PNG chart to write [default: eval-RUN_ID.png].")] = None,
    max_tokens: Annotated[int, typer.Option(help="Most tokens a model may answer with (room to reason before "
                                                          "answering).")] = EVAL_MAX_TOKENS,
    parallel: Annotated[int, typer.Option(help="Items asked at once per model (latency then includes waiting for the "
                                                "server).")] = EVAL_PARALLEL,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Score models on the run's accepted items: predictions go to the evals table; prints accuracy per subtask with
    95% bootstrap intervals, whether accuracy rises with size, and how well the items separate the models."""
    import json
    import sys

    from benchagent.cli import err, guarded, out

    with err.status("evaluating...") as status:
        figures = guarded(lambda: api.evaluate(
            run_id, db=db, models=models, api_base=api_base, chart=chart or Path(f"eval-{run_id}.png"),
            max_tokens=max_tokens, parallel=parallel,
            on_item=lambda model, done, total: status.update(f"{model}: {done}/{total}")))
    if as_json:
        sys.stdout.write(json.dumps(figures, indent=2, default=str) + "\n")
        return
    print_eval(out, figures)
    out.print(f"chart: {figures['chart']}\npredictions: table evals, eval id {figures['eval_id']}", highlight=False)


def report(
    run_id: RunArgument,
    db: DbOption,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write index.html, figures/ and items/ into.")],
) -> None:
    """Write one HTML page with PNG figures (quotas and facets, rejections, tokens and LM seconds by stage, human
    review per program version, evaluation results with intervals) and a gallery of the run's items."""
    from benchagent.cli import guarded, out

    page = guarded(lambda: api.report(run_id, db=db, out=out_dir))
    out.print(f"report: {page}", highlight=False)


def serve(
    model: Annotated[str, typer.Option(help="embedded (default) or local:/path/model.gguf.")] = "embedded",
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8080,
    parallel: Annotated[int, typer.Option(help="Requests served at once (llama.cpp slots).")] = 2,
    export_dir: Annotated[Optional[Path], typer.Option(
        "--export", help="A folder from `benchagent export`, to print the exact runner commands for it.")] = None,
) -> None:
    """Serve a GGUF model as an OpenAI-compatible server on 127.0.0.1 (llama.cpp's own server) for Inspect,
    lm-evaluation-harness or `benchagent eval`; Ctrl-C stops it."""
    import os
    import time

    from benchagent.cli import err, guarded, out
    from benchagent.serve import runner_commands, start_server

    with err.status(f"loading {model}..."):
        server, base_url, name = guarded(lambda: start_server(model, port=port, n_parallel=parallel))
    out.print(f"serving {name} at {base_url} (OpenAI-compatible; Ctrl-C stops)", highlight=False)
    for command in runner_commands(base_url, name, export_dir):
        out.print(f"  {command}", highlight=False, soft_wrap=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        out.print("stopped", highlight=False)
        out.file.flush()
        # llama.cpp's server finishes every generation in flight before its destructor returns; a stop does not wait
        os._exit(0)
