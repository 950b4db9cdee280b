"""`build`, `plan` and `resume`: run the agents against a model, with live progress, and print the run summary."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from benchagent import api
from benchagent.commands.options import (ApiBaseOption, ConcurrencyOption, DbOption, MaxSubtasksOption, ModelOption,
                                         NewDbOption, SourceOption, TimeoutOption)
from benchagent.commands.output import fail, out, progressing

REQUIREMENT_HELP = "What the benchmark should test, in one sentence."


def build(
    db: NewDbOption,
    requirement: Annotated[Optional[str], typer.Argument(help=REQUIREMENT_HELP)] = None,
    size: Annotated[Optional[int], typer.Option(
        help="Number of accepted samples to deliver \\[default: 10; with --spec, the spec's, whose quotas are "
             "apportioned anew when --size is given].", show_default=False)] = None,
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    seed: Annotated[Optional[int], typer.Option(
        help="Seed for record selection and option order \\[default: 0; with --spec, the spec's].",
        show_default=False)] = None,
    max_subtasks: MaxSubtasksOption = 3,
    concurrency: ConcurrencyOption = 2,
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
    _print_summary(db, progressing(lambda on_event: api.build(
        requirement, size=size, db=db, model=model, api_base=api_base, seed=seed, max_subtasks=max_subtasks,
        concurrency=concurrency, spec_path=spec, program=program, sources=source or [], timeout=timeout,
        on_event=on_event)))


def plan(
    requirement: Annotated[str, typer.Argument(help=REQUIREMENT_HELP)],
    db: NewDbOption,
    size: Annotated[int, typer.Option(help="Number of samples the spec is for.")] = 10,
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    seed: Annotated[int, typer.Option(help="Seed for record selection and option order.")] = 0,
    max_subtasks: MaxSubtasksOption = 3,
    out_path: Annotated[Optional[Path], typer.Option("--out", help="Write the spec here as YAML you can edit.")] = None,
    source: SourceOption = None,
    timeout: TimeoutOption = None,
) -> None:
    """Plan a benchmark without building it: print the spec as a tree and, with --out, write it as YAML."""
    from benchagent.report import print_spec

    run_id, spec = progressing(lambda on_event: api.plan(
        requirement, size=size, db=db, model=model, api_base=api_base, seed=seed, max_subtasks=max_subtasks,
        out=out_path, sources=source or [], timeout=timeout, on_event=on_event))
    print_spec(out, spec)
    out.print(f"\nrun id: {run_id}", highlight=False)
    if out_path:
        out.print(f"spec written to {out_path}; build it with: benchagent build --spec {out_path} --db {db}",
                  highlight=False)


def resume(
    run_id: Annotated[str, typer.Argument(help="The run to continue.")],
    db: DbOption,
    model: Annotated[Optional[str], typer.Option(help="Model to use instead of the run's own.")] = None,
    api_base: ApiBaseOption = None,
    concurrency: Annotated[Optional[int], typer.Option(help="Samples realized at once (default: the run's).")] = None,
    timeout: TimeoutOption = None,
) -> None:
    """Continue an interrupted build: accepted samples are kept, unfinished slots redone, quotas filled."""
    _print_summary(db, progressing(lambda on_event: api.resume(
        run_id, db=db, model=model, api_base=api_base, concurrency=concurrency, timeout=timeout, on_event=on_event)))


def _print_summary(db: Path, summary: dict) -> None:
    from benchagent.report import print_summary

    print_summary(out, summary)
    run_id = summary["run"]["id"]
    out.print(f"\nrun id: {run_id}\nbrowse: benchagent browse --db {db}", highlight=False)
    planned_only = summary["run"]["settings"].get("plan_only")  # a resumed `plan` builds nothing, by design
    if summary["totals"]["target"] and not summary["totals"]["accepted"] and not planned_only:
        fail(f"no item was delivered: every slot failed or was rejected (the shortfalls above say why); see them "
             f"with: benchagent status {run_id} --db {db}")


def register(app: typer.Typer) -> None:
    for command in (build, plan, resume):
        app.command()(command)
