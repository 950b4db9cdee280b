"""`status`, `lineage`, `sources` and `browse`: read what a database holds, or serve it in Datasette."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from benchagent import api
from benchagent.commands.options import DbOption
from benchagent.commands.output import err, fail, guarded, out, print_json, stopped_by_sigterm


def status(
    db: DbOption,
    run_id: Annotated[Optional[str], typer.Argument(help="Run id; the latest run by default.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Show a run's counts per subtask, quota against delivery, and LM cost per accepted sample."""
    from benchagent.report import print_summary

    summary = guarded(lambda: api.status(db, run_id))
    if as_json:
        print_json(summary)
    else:
        print_summary(out, summary)


def lineage(
    sample_id: Annotated[str, typer.Argument(help="Sample id, e.g. smp_0123456789ab.")],
    db: DbOption,
) -> None:
    """Print a sample's full lineage as JSON: run, spec, subtask, source, steps, LM and tool calls, verdicts."""
    print_json(guarded(lambda: api.lineage(sample_id, db)))


def sources(
    db: DbOption,
    source: Annotated[Optional[list[Path]], typer.Option(
        "--source", help="Add a user source: JSONL, CSV, Parquet, a saved HF dataset, an image or text folder.",
    )] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the cards as JSON.")] = False,
) -> None:
    """List the source cards builds can ground on: generators, built-in datasets and your own data."""
    from benchagent.commands.render import print_sources

    cards = guarded(lambda: api.sources(db, source or []))
    if as_json:
        print_json(cards)
    else:
        print_sources(out, cards)


def browse(
    db: DbOption,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8001,
    host: Annotated[str, typer.Option(help="Interface to bind; 127.0.0.1 keeps it local.")] = "127.0.0.1",
    review: Annotated[bool, typer.Option(
        "--review",
        help="Add Accept and Reject buttons to sample pages; they write the reviews table (CSRF-protected).")] = False,
    reviewer: Annotated[Optional[str], typer.Option(
        help="Name recorded on reviews made in the browser (default: your user name).")] = None,
) -> None:
    """Serve the database in Datasette (read-only unless --review), with lineage queries and images inline."""
    from benchagent.store.browse import is_loopback, local_url, serve, wait_until_ready

    process = guarded(lambda: serve(db, host=host, port=port, review=review, reviewer=reviewer))
    url = local_url(host, port)
    with stopped_by_sigterm():  # a stop by SIGTERM also stops Datasette and removes its folder
        try:
            guarded(lambda: wait_until_ready(f"{url}/-/versions.json", process=process))
            if not is_loopback(host):
                err.print(f"warning: --host {host} exposes {db} to the network: anyone who can reach this machine "
                          "can read it" + (" and write reviews" if review else ""), highlight=False, soft_wrap=True)
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


def register(app: typer.Typer) -> None:
    for command in (status, lineage, sources, browse):
        app.command()(command)
