"""`benchagent review`: the terminal review loop, and `benchagent review import` for files of decisions."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from benchagent.errors import BenchagentError
from benchagent.store.errors import StoreError

review_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

ReviewerOption = Annotated[Optional[str], typer.Option(help="Who is reviewing (default: your user name).")]


def _fail(message: str) -> None:
    """An `error:` line on stderr, then one indented line per further line of message (bad rows); exit 1."""
    head, *rest = message.splitlines() or [""]
    sys.stderr.write(f"error: {' '.join(head.split())}\n" + "".join(f"  {line}\n" for line in rest))
    raise typer.Exit(1)


def _guarded(fn):
    try:
        return fn()
    except (BenchagentError, StoreError) as exc:
        _fail(str(exc))


def _reviewer(name: str | None) -> str:
    from benchagent.store.reviews import default_reviewer

    return name or default_reviewer()


@review_app.callback(invoke_without_command=True)
def review(
    ctx: typer.Context,
    db: Annotated[Optional[Path], typer.Option("--db", help="SQLite database file of a build.")] = None,
    run: Annotated[Optional[str], typer.Option("--run", help="Review only this run's samples.")] = None,
    reviewer: ReviewerOption = None,
) -> None:
    """Review samples in the terminal (a accept, r reject with a reason, s skip, q quit), or import decisions.

    Each decision is saved at once; run the same command again to continue where you stopped."""
    if ctx.invoked_subcommand is not None:
        return
    if db is None:
        _fail("--db is required: benchagent review --db PATH")
    from benchagent.review import review_loop

    console = Console()
    name = _reviewer(reviewer)
    done = _guarded(lambda: review_loop(db, run_id=run, reviewer=name, console=console))
    console.print(f"{name}: {done['accept']} accepted, {done['reject']} rejected, {done['skip']} skipped; "
                  f"{done['left']} left to review" + (" (run the same command to continue)" if done["left"] else ""),
                  highlight=False, soft_wrap=True)


@review_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV (header sample_id,decision,reason) or JSONL of such objects.")],
    db: Annotated[Path, typer.Option("--db", help="SQLite database file of a build.")],
    reviewer: ReviewerOption = None,
) -> None:
    """Import review decisions from a file: every row is written, or none if any row is bad."""
    from benchagent.review import import_reviews

    written = _guarded(lambda: import_reviews(file, db, reviewer=_reviewer(reviewer)))
    print(f"{written} review(s) written to {db}")
