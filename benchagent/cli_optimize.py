"""The `compile` and `programs` commands: compile the agents against human-reviewed samples; list the versions."""

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

DbOption = Annotated[Path, typer.Option("--db", help="SQLite database file holding reviewed samples.")]


class CompileProgress:
    """The compile's events as a rich progress line: stage, items evaluated, LM calls."""

    def __init__(self):
        # bound to the real stderr now: the optimizers' own output is redirected while they run
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("LM calls {task.fields[calls]}"), TimeElapsedColumn(),
                                 console=Console(file=sys.stderr))
        self.task = self.progress.add_task("reading reviews", total=None, calls=0)

    def __enter__(self) -> "CompileProgress":
        return self

    def __exit__(self, *exc) -> None:
        if self.progress.live.is_started:
            self.progress.stop()

    def on_event(self, kind: str, **data: Any) -> None:
        if not self.progress.live.is_started:  # shown from the first event on: a refusal before it stays one line
            self.progress.start()
        if kind == "stage":
            self.progress.update(self.task, description=data["stage"], total=data["total"], completed=0)
        elif kind == "step":
            self.progress.advance(self.task)
        elif kind == "lm_call":
            self.progress.update(self.task, calls=data["calls"])


def run_compile(db: Path, *, model: str | None, api_base: str | None, options, on_event) -> dict[str, Any]:
    """Check the store and the options, then load the model and compile; returns the new program's row."""
    from benchagent.lm import make_lm
    from benchagent.optimize.compile import check_compile, compile_program
    from benchagent.store import open_store

    store = open_store(db, create=False)
    try:
        check_compile(store, options)
        return compile_program(store, make_lm(model, api_base), options, on_event=on_event)
    finally:
        store.close()


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _change(metrics: dict[str, Any], name: str) -> str:
    return f"{_figure(metrics.get(name + '_before'))} → {_figure(metrics.get(name + '_after'))}"


def _steps_in(metrics: dict[str, Any]) -> list:
    """The realizer steps a program's metrics have figures for."""
    from benchagent.optimize.compile import STEP_FIGURES

    return [f for f in STEP_FIGURES if f"{f.metric}_before" in metrics]


def print_compiled(console: Console, row: dict[str, Any]) -> None:
    m = row["metrics"]
    table = Table(title=f"program {row['id']} ({row['optimizer']})")
    for column in ("held-out figure", "before", "after"):
        table.add_column(column, justify="left" if column == "held-out figure" else "right")
    table.add_row(f"judge agreement with humans ({m['n_heldout']} samples)",
                  _figure(m["judge_agreement_before"]), _figure(m["judge_agreement_after"]))
    steps = _steps_in(m)
    for f in steps:
        table.add_row(f"predicted acceptance ({m[f'n_{f.count}_heldout']} {f.heldout} samples)",
                      _figure(m[f"{f.metric}_before"]), _figure(m[f"{f.metric}_after"]))
    if m.get("inspector_agreement_after") is not None:
        table.add_row(f"build's inspector blocks what humans rejected{'' if m.get('inspector_trusted') else ' (demos left out)'}",
                      _figure(m["inspector_agreement_before"]), _figure(m["inspector_agreement_after"]))
    if m.get("recall_agreement") is not None:
        table.add_row("recall step names the lesson a sample repeats", "-", _figure(m["recall_agreement"]))
    console.print(table)
    if m.get("lessons"):
        use = ("the recall step checks every new item against them" if m.get("recall_trusted") else
               "the recall step is left out: its held-out agreement did not beat always or never naming a lesson")
        console.print(f"lessons taught to the phrasing, writing and judge steps: {'; '.join(m['lessons'])}; {use}",
                      highlight=False)
    baseline = f"the parent program {row['parent_id']}" if row["parent_id"] else "the uncompiled program"
    accepted = ", ".join(f"{m[f'n_{f.count}_train']} accepted for the {f.step} step" for f in steps)
    console.print(f"before: {baseline}; trained on {m['n_train']} reviewed samples ({accepted}); "
                  f"{m['lm_calls']} LM calls, {m['wall_s']} s", highlight=False)


def compile(
    db: DbOption,
    run: Annotated[Optional[str], typer.Option(help="Only this run's reviewed samples (default: all runs).")] = None,
    optimizer: Annotated[str, typer.Option(help="bootstrap, mipro, gepa or simba.")] = "bootstrap",
    model: Annotated[Optional[str], typer.Option(
        "--model", envvar="BENCHAGENT_MODEL",
        help="embedded (default), local:/path/model.gguf, or a DSPy/LiteLLM model such as openai/gpt-4o-mini.")] = None,
    api_base: Annotated[Optional[str], typer.Option(help="Base URL of an OpenAI-compatible server.")] = None,
    max_demos: Annotated[int, typer.Option(help="Demos per predictor (bootstrap, mipro, simba).")] = 4,
    trials: Annotated[int, typer.Option(help="mipro trials, gepa full evaluations, simba steps.")] = 4,
    heldout: Annotated[float, typer.Option(help="Share of reviewed samples held out for the figures.")] = 0.3,
    threads: Annotated[int, typer.Option(help="Held-out items evaluated at once.")] = 2,
) -> None:
    """Align the acceptance judge to human reviews, compile the realizer against it, store the program version,
    and print judge agreement and predicted acceptance on held-out samples before and after."""
    from dspy.utils.exceptions import AdapterParseError, LMError

    from benchagent.cli import fail, guarded, out
    from benchagent.optimize.compile import CompileOptions
    from benchagent.optimize.optimizers import Budget

    options = CompileOptions(optimizer=optimizer, budget=Budget(max_demos=max_demos, trials=trials),
                             heldout=heldout, threads=threads, run_id=run)
    guarded(options.check)
    with CompileProgress() as progress:
        try:
            row = guarded(lambda: run_compile(db, model=model, api_base=api_base, options=options,
                                              on_event=progress.on_event))
        except (LMError, AdapterParseError) as exc:
            fail(f"model: {type(exc).__name__}: {exc}")
    print_compiled(out, row)


def programs(
    db: DbOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print the versions as JSON.")] = False,
) -> None:
    """List the compiled program versions, oldest first, with their parents and before/after figures."""
    from benchagent.cli import guarded, out
    from benchagent.store import open_store
    from benchagent.store.programs import list_programs

    def listed() -> list[dict]:
        store = open_store(db, create=False)
        try:
            return list_programs(store)
        finally:
            store.close()

    rows = guarded(listed)
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
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
    out.print(table)


ab_app = typer.Typer(help="Paired builds: one spec and seed without and with a compiled program, then their reviews "
                          "side by side.", no_args_is_help=True)


@ab_app.command("run")
def ab_run(
    spec: Annotated[Path, typer.Option(help="The spec YAML to build twice (from `benchagent plan`).")],
    db: DbOption,
    program: Annotated[str, typer.Option(help="The compiled program: 'latest' or its id.")] = "latest",
    seed: Annotated[Optional[int], typer.Option(help="Seed of both builds [default: the spec's]; use one the "
                                                     "program's training builds did not, so the records are new.",
                                                show_default=False)] = None,
    size: Annotated[Optional[int], typer.Option(help="Samples per build [default: the spec's].",
                                                show_default=False)] = None,
    model: Annotated[Optional[str], typer.Option(
        "--model", envvar="BENCHAGENT_MODEL",
        help="embedded (default), local:/path/model.gguf, or a DSPy/LiteLLM model such as openai/gpt-4o-mini.")] = None,
    api_base: Annotated[Optional[str], typer.Option(help="Base URL of an OpenAI-compatible server.")] = None,
    concurrency: Annotated[int, typer.Option(help="Samples realized at once against the model.")] = 2,
) -> None:
    """Build the spec without and with the program on the same records, and record the pair; review both runs
    (without telling the reviewer which is which), then `benchagent ab show`."""
    from benchagent import api
    from benchagent.cli import err, guarded, out
    from benchagent.progress import BuildProgress

    with BuildProgress(err) as progress:
        result = guarded(lambda: api.ab(spec, db=db, program=program, seed=seed, size=size, model=model,
                                        api_base=api_base, concurrency=concurrency, on_event=progress.on_event,
                                        on_build=lambda side: err.print(f"building the {side} side", highlight=False)))
    for side in ("plain", "compiled"):
        s = result[side]
        out.print(f"{side:<9} run {s['run']['id']}: {s['totals']['accepted']}/{s['totals']['target']} delivered",
                  highlight=False)
    out.print(f"pair {result['pair_id']} (program {result['program_id']}); review both runs, then: benchagent ab show "
              f"{result['pair_id']} --db {db}", highlight=False)


def print_pair(console: Console, figures: dict[str, Any]) -> None:
    table = Table(title=f"pair {figures['id']}: program {figures['program_id']}, seed {figures['seed']}")
    for column in ("", "plain", "compiled"):
        table.add_column(column, justify="left" if not column else "right")
    plain, compiled = figures["plain"], figures["compiled"]
    table.add_row("run", plain["run_id"], compiled["run_id"])
    table.add_row("delivered", str(plain["delivered"]), str(compiled["delivered"]))
    table.add_row("reviewed", str(plain["reviewed"]), str(compiled["reviewed"]))
    table.add_row("accepted by reviewers", f"{plain['accepted']} ({_figure(plain['acceptance'])})",
                  f"{compiled['accepted']} ({_figure(compiled['acceptance'])})")
    for reason in figures["reasons"]:
        table.add_row(f"rejected: {reason['reason']}", str(reason["plain"]), str(reason["compiled"]))
    console.print(table)


@ab_app.command("show")
def ab_show(
    db: DbOption,
    pair: Annotated[str, typer.Argument(help="The pair's id, or 'latest'.")] = "latest",
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Acceptance of both sides of a paired build under their latest reviews, and rejections by reason."""
    from benchagent import api
    from benchagent.cli import guarded, out

    figures = guarded(lambda: api.ab_figures(pair, db=db))
    if as_json:
        sys.stdout.write(json.dumps(figures, indent=2, default=str) + "\n")
        return
    print_pair(out, figures)
