"""`export`, `eval`, `report` and `serve`: take a built benchmark to the runners and score models on it."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from benchagent import api
from benchagent.commands.options import ApiBaseOption, DbOption, TimeoutOption
from benchagent.commands.output import err, guarded, out, print_json
from benchagent.settings import EVAL_MAX_TOKENS, EVAL_PARALLEL

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
    chosen = [f.strip() for value in formats for f in value.split(",") if f.strip()]
    result = guarded(lambda: api.export(run_id, db=db, formats=chosen, out=out_dir, force=force))
    for fmt, folder in result["folders"].items():
        out.print(f"{fmt:<8} {folder}", highlight=False)
    out.print(f"{result['items']} items exported; benchmark card: {result['card']}", highlight=False)


def evaluate(
    run_id: RunArgument,
    db: DbOption,
    models: Annotated[list[str], typer.Option(
        "--model", help="A model to score (repeatable, smallest first): embedded, local:/path/model.gguf, or a "
                        "DSPy/LiteLLM model such as openai/<name> with --api-base.")],
    api_base: ApiBaseOption = None,
    chart: Annotated[Optional[Path], typer.Option(help="PNG chart to write \\[default: eval-RUN_ID.png].")] = None,
    max_tokens: Annotated[int, typer.Option(help="Most tokens a model may answer with (room to reason before "
                                                 "answering).")] = EVAL_MAX_TOKENS,
    parallel: Annotated[int, typer.Option(help="Items asked at once per model (latency then includes waiting for the "
                                               "server).")] = EVAL_PARALLEL,
    timeout: TimeoutOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Score models on the run's accepted items: predictions go to the evals table; prints accuracy per subtask with
    95% bootstrap intervals, whether accuracy rises with size, and how well the items separate the models."""
    from benchagent.commands.render import print_eval

    with err.status("evaluating...") as status:
        figures = guarded(lambda: api.evaluate(
            run_id, db=db, models=models, api_base=api_base, chart=chart or Path(f"eval-{run_id}.png"),
            max_tokens=max_tokens, parallel=parallel, timeout=timeout,
            on_item=lambda model, done, total: status.update(f"{model}: {done}/{total}")))
    if as_json:
        print_json(figures)
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


def register(app: typer.Typer) -> None:
    app.command()(export)
    app.command("eval")(evaluate)
    app.command()(report)
    app.command()(serve)
