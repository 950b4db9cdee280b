"""The benchagent command line: parse, call the API, print."""

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from benchagent import api
from benchagent.cli_review import review_app
from benchagent.errors import BenchagentError
from benchagent.program.errors import Interrupted, ProgramError
from benchagent.settings import REQUEST_TIMEOUT_S
from benchagent.store.errors import StoreError
from benchagent.store.redact import scrub

app = typer.Typer(
    help="Build evaluation benchmarks for LLMs from a one-line requirement; every sample's lineage lands in SQLite.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(review_app, name="review")
out = Console(width=None if sys.stdout.isatty() else 120)  # tables stay readable in logs and pipes
err = Console(stderr=True)

NewDbOption = Annotated[Path, typer.Option("--db", help="SQLite database file (created if missing).")]
DbOption = Annotated[Path, typer.Option("--db", help="A benchagent SQLite database (this command never creates one).")]
SourceOption = Annotated[Optional[list[Path]], typer.Option(
    "--source", help="Your own data to ground on (repeatable): JSONL, CSV, Parquet, a saved HF dataset, a folder of "
                     "images with a labels file, or a folder of text or Markdown documents.")]
ModelOption = Annotated[Optional[str], typer.Option(
    "--model", envvar="BENCHAGENT_MODEL",
    help="embedded (default), local:/path/model.gguf, or a DSPy/LiteLLM model such as openai/gpt-4o-mini.")]
TimeoutOption = Annotated[Optional[float], typer.Option(
    "--timeout", envvar="BENCHAGENT_TIMEOUT", show_default=False,
    help=f"Seconds a model server may take over one request before it is retried (default {REQUEST_TIMEOUT_S:g}).")]


def fail(message: str, code: int = 1) -> None:
    sys.stderr.write(f"error: {' '.join(scrub(message).split())}\n")
    raise typer.Exit(code)


def guarded(fn):
    """Run a command body; known failures become one line on stderr and a non-zero exit."""
    try:
        return fn()
    except Interrupted as exc:
        fail(str(exc), 130)
    except (BenchagentError, StoreError, ProgramError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted", 130)


@app.command()
def build(
    db: NewDbOption,
    requirement: Annotated[Optional[str], typer.Argument(help="What the benchmark should test, in one sentence.")] = None,
    size: Annotated[Optional[int], typer.Option(
        help="Number of accepted samples to deliver [default: 10; with --spec, the spec's, whose quotas are "
             "apportioned anew when --size is given].", show_default=False)] = None,
    model: ModelOption = None,
    api_base: Annotated[Optional[str], typer.Option(help="Base URL of an OpenAI-compatible server.")] = None,
    seed: Annotated[Optional[int], typer.Option(
        help="Seed for record selection and option order [default: 0; with --spec, the spec's].",
        show_default=False)] = None,
    max_subtasks: Annotated[int, typer.Option(help="Most subtasks the design agent may propose (1-8).")] = 3,
    concurrency: Annotated[int, typer.Option(help="Samples realized at once against the model.")] = 2,
    spec: Annotated[Optional[Path], typer.Option(
        help="Build this spec YAML (from `benchagent plan`, maybe edited) without planning again; --size and "
             "--seed override its own.")] = None,
    program: Annotated[Optional[str], typer.Option(
        help="Use a compiled program version: 'latest' or its id (see `benchagent programs`).")] = None,
    source: SourceOption = None,
    timeout: TimeoutOption = None,
) -> None:
    """Plan and build a benchmark, showing progress, then print the run summary: quotas, the requirement's facets
    and what carries each, and every facet or quota that could not be met, with its reason."""
    _with_progress(db, lambda on_event: api.build(requirement, size=size, db=db, model=model, api_base=api_base,
                                                  seed=seed, max_subtasks=max_subtasks, concurrency=concurrency,
                                                  spec_path=spec, program=program, sources=source or [],
                                                  timeout=timeout, on_event=on_event))


@app.command()
def plan(
    requirement: Annotated[str, typer.Argument(help="What the benchmark should test, in one sentence.")],
    db: NewDbOption,
    size: Annotated[int, typer.Option(help="Number of samples the spec is for.")] = 10,
    model: ModelOption = None,
    api_base: Annotated[Optional[str], typer.Option(help="Base URL of an OpenAI-compatible server.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for record selection and option order.")] = 0,
    max_subtasks: Annotated[int, typer.Option(help="Most subtasks the design agent may propose (1-8).")] = 3,
    out_path: Annotated[Optional[Path], typer.Option("--out", help="Write the spec here as YAML you can edit.")] = None,
    source: SourceOption = None,
    timeout: TimeoutOption = None,
) -> None:
    """Plan a benchmark without building it: print the spec as a tree and, with --out, write it as YAML."""
    from benchagent.report import print_spec

    run_id, spec = _progressing(lambda on_event: api.plan(
        requirement, size=size, db=db, model=model, api_base=api_base, seed=seed, max_subtasks=max_subtasks,
        out=out_path, sources=source or [], timeout=timeout, on_event=on_event))
    print_spec(out, spec)
    out.print(f"\nrun id: {run_id}", highlight=False)
    if out_path:
        out.print(f"spec written to {out_path}; build it with: benchagent build --spec {out_path} --db {db}",
                  highlight=False)


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(help="The run to continue.")],
    db: DbOption,
    model: Annotated[Optional[str], typer.Option(help="Model to use instead of the run's own.")] = None,
    api_base: Annotated[Optional[str], typer.Option(help="Base URL of an OpenAI-compatible server.")] = None,
    concurrency: Annotated[Optional[int], typer.Option(help="Samples realized at once (default: the run's).")] = None,
    timeout: TimeoutOption = None,
) -> None:
    """Continue an interrupted build: accepted samples are kept, unfinished slots redone, quotas filled."""
    _with_progress(db, lambda on_event: api.resume(run_id, db=db, model=model, api_base=api_base,
                                                   concurrency=concurrency, timeout=timeout, on_event=on_event))


def _progressing(call):
    """call(on_event) under a progress display, which is gone before a failure's one line is printed."""
    from benchagent.progress import BuildProgress

    def run():
        with BuildProgress(err) as progress:
            return call(progress.on_event)

    return guarded(run)


def _with_progress(db: Path, call) -> None:
    from benchagent.report import print_summary

    summary = _progressing(call)
    print_summary(out, summary)
    out.print(f"\nrun id: {summary['run']['id']}\nbrowse: benchagent browse --db {db}", highlight=False)


@app.command()
def status(
    db: DbOption,
    run_id: Annotated[Optional[str], typer.Argument(help="Run id; the latest run by default.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Show a run's counts per subtask, quota against delivery, and LM cost per accepted sample."""
    from benchagent.report import print_summary

    summary = guarded(lambda: api.status(db, run_id))
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
    else:
        print_summary(out, summary)


@app.command()
def lineage(
    sample_id: Annotated[str, typer.Argument(help="Sample id, e.g. smp_0123456789ab.")],
    db: DbOption,
) -> None:
    """Print a sample's full lineage as JSON: run, spec, subtask, source, steps, LM and tool calls, verdicts."""
    result = guarded(lambda: api.lineage(sample_id, db))
    sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")


@app.command()
def sources(
    db: DbOption,
    source: Annotated[Optional[list[Path]], typer.Option(
        "--source", help="Add a user source: JSONL, CSV, Parquet, a saved HF dataset, an image or text folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the cards as JSON.")] = False,
) -> None:
    """List the source cards builds can ground on: generators, built-in datasets and your own data."""
    from rich.table import Table

    cards = guarded(lambda: api.sources(db, source or []))
    if as_json:
        sys.stdout.write(json.dumps(cards, indent=2, default=str) + "\n")
        return
    table = Table(title=f"{len(cards)} sources")
    for column in ("id", "kind", "modalities", "size", "description"):
        table.add_column(column, overflow="fold")
    for card in cards:
        table.add_row(card["id"], card["kind"], ", ".join(card.get("modalities") or []), f"{card.get('size') or 0:,}",
                      card["description"][:140])
    out.print(table)


@app.command()
def browse(
    db: DbOption,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8001,
    host: Annotated[str, typer.Option(help="Interface to bind; 127.0.0.1 keeps it local.")] = "127.0.0.1",
    review: Annotated[bool, typer.Option(
        "--review", help="Add Accept and Reject buttons to sample pages; they write the reviews table (CSRF-protected).")] = False,
    reviewer: Annotated[Optional[str], typer.Option(
        help="Name recorded on reviews made in the browser (default: your user name).")] = None,
) -> None:
    """Serve the database in Datasette (read-only unless --review), with lineage queries and images inline."""
    import signal

    from benchagent.store.browse import is_loopback, local_url, serve, wait_until_ready

    process = guarded(lambda: serve(db, host=host, port=port, review=review, reviewer=reviewer))
    signal.signal(signal.SIGTERM, _interrupt)  # so a stop by SIGTERM also stops Datasette and removes its folder
    url = local_url(host, port)
    try:
        guarded(lambda: wait_until_ready(f"{url}/-/versions.json", process=process))
        if not is_loopback(host):
            err.print(f"warning: --host {host} exposes {db} to the network: anyone who can reach this machine can "
                      "read it" + (" and write reviews" if review else ""), highlight=False, soft_wrap=True)
        out.print(f"Datasette on {url}/ (Ctrl-C stops)", highlight=False)
        code = process.wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait()
    if code not in (0, -15):
        fail(f"datasette exited with status {code}")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@app.command()
def models(
    check: Annotated[bool, typer.Option("--check", help="Load the embedded model and time a short completion.")] = False,
) -> None:
    """List the models benchagent can use; --check loads the embedded one and reports its speed."""
    from benchagent.lm import available_models, check_embedded

    for entry in guarded(available_models):
        out.print(f"{entry['name']:<34} {entry.get('status', '')}  {entry.get('note', '')}", highlight=False)
    if check:
        with err.status("loading the embedded model..."):
            figures = guarded(check_embedded)
        out.print(
            f"load {figures['load_s']:.1f} s, {figures['completion_tokens']} tokens generated at "
            f"{figures['tokens_per_s']:.1f} tokens/s, prompt at {figures['prompt_tokens_per_s']:.1f} tokens/s",
            highlight=False,
        )


from benchagent.cli_optimize import ab_app, compile as compile_command, programs as programs_command  # noqa: E402

app.command("compile")(compile_command)
app.command("programs")(programs_command)
app.add_typer(ab_app, name="ab")

from benchagent.cli_runners import evaluate as eval_command, export as export_command  # noqa: E402
from benchagent.cli_runners import report as report_command, serve as serve_command  # noqa: E402

app.command("export")(export_command)
app.command("eval")(eval_command)
app.command("report")(report_command)
app.command("serve")(serve_command)


def main() -> None:
    app()
