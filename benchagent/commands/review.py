"""`review`: the terminal review loop, and `review import` for files of decisions."""

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from benchagent.commands.options import DB_HELP, DbOption
from benchagent.commands.output import fail, guarded

ReviewerOption = Annotated[Optional[str], typer.Option(help="Who is reviewing (default: your user name).")]


def _reviewer(name: str | None) -> str:
    from benchagent.store.reviews import default_reviewer

    return name or default_reviewer()


def review(
    ctx: typer.Context,
    db: Annotated[Optional[Path], typer.Option("--db", help=DB_HELP)] = None,  # optional: `review import` has its own
    run: Annotated[Optional[str], typer.Option("--run", help="Review only this run's samples.")] = None,
    reviewer: ReviewerOption = None,
) -> None:
    """Review samples in the terminal (a accept, r reject with a reason, s skip, q quit), or import decisions.

    Each decision is saved at once; run the same command again to continue where you stopped."""
    if ctx.invoked_subcommand is not None:
        return
    if db is None:
        fail("--db is required: benchagent review --db PATH")
    from benchagent.review import review_loop

    console = Console()
    name = _reviewer(reviewer)
    done = guarded(lambda: review_loop(db, run_id=run, reviewer=name, console=console))
    console.print(f"{name}: {done['accept']} accepted, {done['reject']} rejected, {done['skip']} skipped; "
                  f"{done['left']} left to review" + (" (run the same command to continue)" if done["left"] else ""),
                  highlight=False, soft_wrap=True)


def import_file(
    file: Annotated[Path, typer.Argument(help="CSV (header sample_id,decision,reason) or JSONL of such objects.")],
    db: DbOption,
    reviewer: ReviewerOption = None,
) -> None:
    """Import review decisions from a file: every row is written, or none if any row is bad."""
    from benchagent.review import import_reviews

    written = guarded(lambda: import_reviews(file, db, reviewer=_reviewer(reviewer)))
    print(f"{written} review(s) written to {db}")


def register(app: typer.Typer) -> None:
    group = typer.Typer()
    group.callback(invoke_without_command=True)(review)
    group.command("import")(import_file)
    app.add_typer(group, name="review")
