"""The options several commands share, each declared once as a typed `Annotated` alias."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from benchagent.settings import REQUEST_TIMEOUT_S

DB_HELP = "A benchagent SQLite database (this command never creates one)."

NewDbOption = Annotated[Path, typer.Option("--db", help="SQLite database file (created if missing).")]
DbOption = Annotated[Path, typer.Option("--db", help=DB_HELP)]
ModelOption = Annotated[Optional[str], typer.Option(
    "--model", envvar="BENCHAGENT_MODEL",
    help="embedded (default), local:/path/model.gguf, or a DSPy/LiteLLM model such as openai/gpt-4o-mini.")]
ApiBaseOption = Annotated[Optional[str], typer.Option("--api-base", help="Base URL of an OpenAI-compatible server.")]
TimeoutOption = Annotated[Optional[float], typer.Option(
    "--timeout", envvar="BENCHAGENT_TIMEOUT", show_default=False,
    help=f"Seconds a model server may take over one request before it is retried (default {REQUEST_TIMEOUT_S:g}).")]
ConcurrencyOption = Annotated[int, typer.Option("--concurrency", help="Samples realized at once against the model.")]
MaxSubtasksOption = Annotated[int, typer.Option("--max-subtasks",
                                                help="Most subtasks the design agent may propose (1-8).")]
SourceOption = Annotated[Optional[list[Path]], typer.Option(
    "--source", help="Your own data to ground on (repeatable): JSONL, CSV, Parquet, a saved HF dataset, a folder of "
                     "images with a labels file, or a folder of text or Markdown documents.")]
