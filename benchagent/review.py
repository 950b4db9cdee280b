"""Human review from the shell: the terminal loop behind `benchagent review` and `benchagent review import`."""

import csv
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.columns import Columns
from rich.console import Console, Group
from rich.panel import Panel
from rich.style import Style
from rich.text import Text

from benchagent.errors import InputError
from benchagent.settings import cache_dir
from benchagent.signatures.inspect import INSPECTOR_CATEGORIES
from benchagent.store import Store, open_store
from benchagent.store.reviews import add_review, add_reviews, check_reviews, pending_samples
from benchagent.store.samples import asset
from benchagent.terminal_images import image_protocol, inline_png

KEYS = {"a": "accept", "accept": "accept", "r": "reject", "reject": "reject", "s": "skip", "skip": "skip",
        "q": "quit", "quit": "quit"}
RECORD_CHARS = 600
SHOWN_PROBLEMS = 5  # bad rows named in an import's error; the rest are counted


class ReviewImportError(InputError):
    """A review file with bad rows; problems holds (line number, message) for each, the message shows the first few."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]):
        self.problems = problems
        lines = [f"line {line}: {_clipped(message)}" for line, message in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            lines.append(f"... and {len(problems) - SHOWN_PROBLEMS:,} more")
        super().__init__(f"{path}: {len(problems):,} bad row(s), nothing written", lines)


def _clipped(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[:limit] + "…"


def image_file(store: Store, asset_id: str) -> Path:
    """The asset written once to the review cache, named by its content hash."""
    row = asset(store, asset_id)
    suffix = row["mime"].split("/")[-1]
    name = f"{hashlib.sha256(row['content']).hexdigest()}.{suffix if suffix.isalnum() else 'bin'}"
    path = cache_dir() / "review" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(row["content"])
    return path


def show_item(console: Console, item: dict[str, Any], image: Path | None, position: int, total: int, *,
              inline: str | None = None) -> None:
    """One sample as a panel: question, lettered options with the gold one marked, source record, image path;
    the image itself too when inline names the terminal's image protocol."""
    parts: list[Any] = [Text(item["question"] or "(no question)", style="bold")]
    options = item["options"] if isinstance(item["options"], list) else []
    for index, option in enumerate(options):
        gold = str(option) == str(item["answer"])
        parts.append(Text(f"  {chr(65 + index)}. {option}" + ("   <- gold" if gold else ""),
                          style="bold green" if gold else ""))
    if not any(str(o) == str(item["answer"]) for o in options):
        parts.append(Text(f"gold answer: {item['answer']}", style="bold green"))
    record = json.dumps(item["record"], ensure_ascii=False, separators=(",", ":"), default=str)
    record = record if len(record) <= RECORD_CHARS else record[:RECORD_CHARS] + "…"
    parts.append(Text(f"source record: {record}", style="dim"))
    title = f"{position}/{total}  {item['id']}  {item['subtask'] or ''}  (pipeline: {item['status']})"
    console.print(Panel(Group(*parts), title=Text(title), title_align="left"))
    if image is not None:  # outside the panel, so the path stays on one line to copy or click
        console.print(Text(f"image: {image}", style=Style(link=image.resolve().as_uri())), soft_wrap=True)
        if inline and image.suffix == ".png":
            console.file.write(inline_png(image.read_bytes(), inline))
            console.file.flush()


def _ask(console: Console, prompt: str) -> str | None:
    """One line of input; None when input ends (EOF) or the reviewer presses Ctrl-C."""
    try:
        return console.input(Text(prompt)).strip()
    except (EOFError, KeyboardInterrupt):
        return None


def _ask_action(console: Console) -> str:
    while True:
        answer = _ask(console, "[a]ccept  [r]eject  [s]kip  [q]uit > ")
        if answer is None:
            return "quit"
        if answer.lower() in KEYS:
            return KEYS[answer.lower()]
        console.print("press a, r, s or q, then Enter")


def _ask_reason(console: Console) -> str | None:
    console.print(Columns([Text(f"{n}. {c}") for n, c in enumerate(INSPECTOR_CATEGORIES, 1)], padding=(0, 3)))
    while True:
        answer = _ask(console, "reason (a number above, or your own words) > ")
        if answer is None:
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(INSPECTOR_CATEGORIES):
            return INSPECTOR_CATEGORIES[int(answer) - 1]
        if answer and not answer.isdigit():
            return answer
        console.print(f"type 1-{len(INSPECTOR_CATEGORIES)} or a reason in words")


def review_loop(db: str | Path, *, reviewer: str, console: Console, run_id: str | None = None) -> dict[str, int]:
    """Show each sample reviewer has not reviewed and write each decision at once; returns this session's counts
    (accept, reject, skip) and how many are left."""
    with open_store(db, create=False) as store:
        queue = pending_samples(store, run_id, reviewer=reviewer)
        done = {"accept": 0, "reject": 0, "skip": 0}
        inline = image_protocol(os.environ) if console.is_terminal else None
        for position, item in enumerate(queue, 1):
            show_item(console, item, item["image_id"] and image_file(store, item["image_id"]), position, len(queue),
                      inline=inline)
            action = _ask_action(console)
            reason = _ask_reason(console) if action == "reject" else None
            if action == "quit" or (action == "reject" and reason is None):
                break
            if action != "skip":
                add_review(store, item["id"], action, reason, reviewer)
            done[action] += 1
        return {**done, "left": len(pending_samples(store, run_id, reviewer=reviewer))}


def _fields(line: int, record: dict[str, Any]) -> tuple[int, dict[str, Any] | None, str | None]:
    missing = [f for f in ("sample_id", "decision") if record.get(f) in (None, "")]
    if missing:
        return line, None, f"missing {' and '.join(missing)}"
    return line, {f: record.get(f) for f in ("sample_id", "decision", "reason", "reviewer")}, None


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"sample_id", "decision"} - set(reader.fieldnames or [])
        if missing:
            yield 1, None, f"the header must be sample_id,decision,reason (no {', '.join(sorted(missing))} column)"
            return
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, None, f"bad CSV ({exc})"
                return
            if None in record:
                yield reader.line_num, None, "more fields than the header"
            else:
                yield _fields(reader.line_num, record)


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, 1):
            if not text.strip():
                continue
            try:
                record = json.loads(text.rstrip("\r\n"))
            except json.JSONDecodeError as exc:
                yield line, None, f"bad JSON ({exc.msg} at column {exc.colno})"
                continue
            yield _fields(line, record) if isinstance(record, dict) else (line, None, "expected a JSON object")


def import_reviews(path: str | Path, db: str | Path, *, reviewer: str) -> int:
    """Write every review in a CSV or JSONL file, or none if any row is bad (ReviewImportError names each line);
    returns how many were written. A row's own reviewer field, if any, overrides reviewer."""
    path = Path(path)
    readers = {".csv": _csv_rows, ".jsonl": _jsonl_rows, ".ndjson": _jsonl_rows}
    if not path.is_file():
        raise InputError(f"review file {path} does not exist")
    if path.suffix.lower() not in readers:
        raise InputError(f"{path}: review files must be .csv or .jsonl")
    with open_store(db, create=False) as store:
        try:
            parsed = list(readers[path.suffix.lower()](path))
        except UnicodeDecodeError:
            raise InputError(f"{path} is not UTF-8 text") from None
        problems = [(line, problem) for line, _, problem in parsed if problem]
        lines = [line for line, row, _ in parsed if row]
        rows = [{**row, "reviewer": row["reviewer"] or reviewer} for _, row, _ in parsed if row]
        problems += [(lines[i], message) for i, message in check_reviews(store, rows)]
        if problems:
            raise ReviewImportError(path, sorted(problems))
        if not rows:
            raise InputError(f"{path} holds no reviews")
        return len(add_reviews(store, rows))
