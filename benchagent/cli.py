"""The benchagent command line: one Typer app, on which each module of benchagent.commands registers its commands."""

import typer

from benchagent.commands import ab, build, database, models, optimize, review, runners

app = typer.Typer(
    help="Build evaluation benchmarks for LLMs from a one-line requirement; every sample's lineage lands in SQLite.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for commands in (review, build, database, models, optimize, ab, runners):
    commands.register(app)


def main() -> None:
    app()
