"""JSONL and CSV exports: one row per accepted item, with its images as PNG files beside the data."""

import csv
import json
from pathlib import Path
from typing import Any

from benchagent.export.files import image_paths, write_images
from benchagent.items import BenchItem

COLUMNS = ("id", "subtask", "answer_type", "context", "question", "options", "answer", "answer_letter", "images",
           "prompt", "answer_origin", "source", "source_license", "status", "program")


def row(item: BenchItem) -> dict[str, Any]:
    """The item as a flat record: options as a list, images as paths relative to the data file."""
    return {"id": item.sample_id, "subtask": item.subtask, "answer_type": item.answer_type,
            "context": item.item.extra_input, "question": item.item.question, "options": item.item.options,
            "answer": item.item.answer, "answer_letter": item.letter, "images": list(image_paths(item).values()),
            "prompt": item.prompt(), "answer_origin": item.answer_origin, "source": item.source_id,
            "source_license": item.source_license, "status": item.status, "program": item.program_id}


def write_jsonl(folder: Path, items: list[BenchItem]) -> list[Path]:
    path = folder / "data.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(row(item), ensure_ascii=False) + "\n")
    write_images(folder, items)
    return [path]


def write_csv(folder: Path, items: list[BenchItem]) -> list[Path]:
    """data.csv; list and mapping cells (context, options, images) hold JSON."""
    path = folder / "data.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for item in items:
            writer.writerow({key: json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
                             for key, value in row(item).items()})
    write_images(folder, items)
    return [path]
