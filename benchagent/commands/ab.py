"""`ab run` and `ab show`: one spec and seed built without and with a compiled program, then their reviews compared."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from benchagent import api
from benchagent.commands.options import ApiBaseOption, ConcurrencyOption, DbOption, ModelOption, TimeoutOption
from benchagent.commands.output import err, guarded, out, print_json, progressing


def _side_line(side: str, left: dict | None) -> str:
    if left is None:
        return f"building the {side} side"
    if left["status"] == "done":
        return f"the {side} side is run {left['id']}, built before"
    return f"resuming the {side} side, run {left['id']}"


def run(
    spec: Annotated[Path, typer.Option(help="The spec YAML to build twice (from `benchagent plan`).")],
    db: DbOption,
    program: Annotated[str, typer.Option(help="The compiled program: 'latest' or its id.")] = "latest",
    seed: Annotated[Optional[int], typer.Option(help="Seed of both builds \\[default: the spec's]; use one the "
                                                     "program's training builds did not, so the records are new.",
                                                show_default=False)] = None,
    size: Annotated[Optional[int], typer.Option(help="Samples per build \\[default: the spec's].",
                                                show_default=False)] = None,
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    concurrency: ConcurrencyOption = 2,
    timeout: TimeoutOption = None,
) -> None:
    """Build the spec without and with the program on the same records, and record the pair; review both runs
    (without telling the reviewer which is which), then `benchagent ab show`. Interrupted, the same command goes on
    where it stopped: a side already built from this spec, seed, size and program, and in no pair, is kept or
    resumed."""
    result = progressing(lambda on_event: api.ab(
        spec, db=db, program=program, seed=seed, size=size, model=model, api_base=api_base, concurrency=concurrency,
        timeout=timeout, on_event=on_event, on_build=lambda side, left: err.print(_side_line(side, left),
                                                                                  highlight=False)))
    for side in ("plain", "compiled"):
        s = result[side]
        out.print(f"{side:<9} run {s['run']['id']}: {s['totals']['accepted']}/{s['totals']['target']} delivered",
                  highlight=False)
    out.print(f"pair {result['pair_id']} (program {result['program_id']}); review both runs, then: benchagent ab show "
              f"{result['pair_id']} --db {db}", highlight=False)


def show(
    db: DbOption,
    pair: Annotated[str, typer.Argument(help="The pair's id, or 'latest'.")] = "latest",
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Acceptance of both sides of a paired build under their latest reviews, and rejections by reason."""
    from benchagent.commands.render import print_pair

    figures = guarded(lambda: api.ab_figures(pair, db=db))
    if as_json:
        print_json(figures)
    else:
        print_pair(out, figures)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Paired builds: one spec and seed without and with a compiled program, then their "
                             "reviews side by side.", no_args_is_help=True)
    group.command("run")(run)
    group.command("show")(show)
    app.add_typer(group, name="ab")
