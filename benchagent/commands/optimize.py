"""`compile` and `programs`: compile the agents against human-reviewed samples; list the program versions or
print the program tree."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from benchagent import api
from benchagent.commands.options import DB_HELP, ApiBaseOption, DbOption, ModelOption, TimeoutOption
from benchagent.commands.output import fail, guarded, out, print_json


def compile(
    db: DbOption,
    run: Annotated[Optional[str], typer.Option(help="Only this run's reviewed samples (default: all runs).")] = None,
    optimizer: Annotated[str, typer.Option(help="bootstrap, mipro, gepa or simba.")] = "bootstrap",
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    max_demos: Annotated[int, typer.Option(help="Demos per predictor (bootstrap, mipro, simba).")] = 4,
    trials: Annotated[int, typer.Option(help="mipro trials, gepa full evaluations, simba steps.")] = 4,
    heldout: Annotated[float, typer.Option(help="Share of reviewed samples held out for the figures.")] = 0.3,
    threads: Annotated[int, typer.Option(help="Held-out items evaluated at once.")] = 2,
    timeout: TimeoutOption = None,
    reflection_model: Annotated[Optional[str], typer.Option(
        help="gepa only: the model that reads the reviewers' reasons and rewrites the instructions, e.g. a stronger "
             "openai/<name> (default: --model).")] = None,
    reflection_api_base: Annotated[Optional[str], typer.Option(
        help="Base URL of the reflection model's OpenAI-compatible server.")] = None,
) -> None:
    """Align the acceptance judge to human reviews, compile the realizer against it, store the program version,
    and print judge agreement and predicted acceptance on held-out samples before and after."""
    from benchagent.commands.render import print_compiled
    from benchagent.progress import CompileProgress

    with CompileProgress() as progress:
        row = guarded(lambda: api.compile(db, run=run, optimizer=optimizer, max_demos=max_demos, trials=trials,
                                          heldout=heldout, threads=threads, model=model, api_base=api_base,
                                          timeout=timeout, reflection_model=reflection_model,
                                          reflection_api_base=reflection_api_base, on_event=progress.on_event))
    print_compiled(out, row)


def programs(
    db: Annotated[Optional[Path], typer.Option("--db", help=DB_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the versions (or the tree) as JSON.")] = False,
    tree: Annotated[bool, typer.Option("--tree", help="Print the program tree: its modules and predictors (with "
                                                      "--db, what a version compiled into each).")] = False,
    program: Annotated[str, typer.Option(help="With --tree and --db: the version shown, an id or latest.")] = "latest",
) -> None:
    """List the compiled program versions, oldest first, with their parents and before/after figures; or, with
    --tree, the program's modules and predictors."""
    from benchagent.commands.render import print_program_tree, print_programs

    if not tree and db is None:
        fail("--db is required to list the program versions")
    found = guarded(lambda: api.program_tree(db, program) if tree else api.programs(db))
    if as_json:
        print_json(found)
    elif tree:
        print_program_tree(out, found)
    else:
        print_programs(out, found)


def register(app: typer.Typer) -> None:
    for command in (compile, programs):
        app.command()(command)
