"""User sources: a file or folder given with --source, inspected into a source card (fields, size, examples,
modalities), and the LM-written description that replaces the card's plain one."""

import copy
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import dspy

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.readers import (
    RowSource, SourceError, csv_rows, infer_fields, json_rows, jsonl_rows, read_text, shorten,
)
from benchagent.signatures.sources import DescribeSource

SUFFIXES = {".jsonl": "JSONL file", ".ndjson": "JSONL file", ".json": "JSON file", ".csv": "CSV file",
            ".tsv": "TSV file", ".parquet": "Parquet file"}
EXAMPLES = 3


def _text_rows(path: Path) -> list[dict[str, Any]]:
    text, where = read_text(path), str(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return jsonl_rows(text, where)
    if suffix == ".json":
        return json_rows(text, where)
    return csv_rows(text, where, "\t" if suffix == ".tsv" else ",")


def _open(path: Path) -> tuple[str, Sequence[Any], dict[str, str], Callable[[Any], dict[str, Any]]]:
    """(format, rows, fields, row -> fresh record) of the data at path."""
    from benchagent.program.sources import arrow, folders

    if path.is_dir():
        if (path / "state.json").exists() or (path / "dataset_dict.json").exists():
            rows = arrow.hf_rows(path)
            return "Hugging Face dataset", rows, rows.fields(), dict
        if any((path / name).exists() for name in folders.LABEL_FILES):
            items, fields = folders.image_folder(path)
            return "image folder", items, fields, folders.image_record
        return "document folder", folders.document_folder(path), dict(folders.DOCUMENT_FIELDS), dict
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SourceError(f"{path}: unsupported file type {suffix or '(none)'!r}; use "
                          f"{', '.join(SUFFIXES)}, a Hugging Face dataset folder, an image folder with "
                          f"labels.csv or labels.jsonl, or a folder of .txt/.md documents")
    if suffix == ".parquet":
        if path.stat().st_size == 0:
            raise SourceError(f"{path}: is empty")
        rows = arrow.parquet_rows(path)
        return SUFFIXES[suffix], rows, rows.fields(), dict
    rows = _text_rows(path)
    fields = infer_fields(rows)
    return SUFFIXES[suffix], [{name: row.get(name) for name in fields} for row in rows], fields, copy.deepcopy


def _modalities(fields: dict[str, str]) -> list[str]:
    """image for image fields, table for numeric ones, text for strings (and when nothing else applies)."""
    kinds = " ".join(v.split(":")[0] for v in fields.values())
    modalities = [m for m, words in (("text", ("str",)), ("image", ("image",)), ("table", ("int", "float")))
                  if any(re.search(rf"\b{w}\b", kinds) for w in words)]
    return modalities or ["text"]


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if len(w) > 1]


class UserCard(SourceCard):
    """A user source's card with where its data lies, its format and a few shortened records; these three stay out
    of the stored card, in the row."""

    ROW_ONLY: ClassVar[tuple[str, ...]] = ("path", "format", "examples")

    path: str
    format: str
    examples: list[dict[str, Any]]


def plain_description(card: UserCard) -> str:
    return (f"User-supplied {card.format} {card.name} with {card.size:,} records; each record holds "
            f"{', '.join(card.fields)}. Questions can be grounded on the values of these fields.")


def plain_keywords(card: UserCard) -> list[str]:
    words = _words(Path(card.name).stem) + [w for f in card.fields for w in _words(f)] + _words(card.format)
    return list(dict.fromkeys(words))


def with_text(card: UserCard, description: str, keywords: list[str]) -> UserCard:
    return card.model_copy(update={"description": description, "keywords": keywords})


def user_source(path: str | Path) -> RowSource:
    """Reads and inspects the data at path; SourceError names the file when it is missing, empty, corrupt or
    unsupported."""
    path = Path(path).expanduser()
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    path = path.resolve()
    fmt, rows, fields, make = _open(path)
    if not len(rows):
        raise SourceError(f"{path}: holds no records")
    slug = "_".join(_words(path.stem))[:40] or "data"
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
    card = UserCard(id=f"user_{slug}_{digest}", name=path.name, kind="user", modalities=_modalities(fields),
                    description="", fields=fields, size=len(rows), license="user-supplied", keywords=[], tools=[],
                    path=str(path), format=fmt,
                    examples=[shorten(make(rows[i])) for i in range(min(EXAMPLES, len(rows)))])
    return RowSource(with_text(card, plain_description(card), plain_keywords(card)), lambda: rows, make)


class SourceDescriber(dspy.Module):
    """Writes a user card's description and keywords with the LM; the plain ones from its fields stay when the LM
    gives none."""

    def __init__(self):
        super().__init__()
        self.describe = dspy.Predict(DescribeSource)

    def forward(self, card: UserCard) -> UserCard:
        """The card with the LM's description and keywords."""
        examples = "\n".join(json.dumps(e, ensure_ascii=False) for e in card.examples)
        out = self.describe(file_name=card.name, field_types=card.fields, size=card.size, examples=examples)
        description = " ".join((out.description or "").split()) or plain_description(card)
        keywords = list(dict.fromkeys(k.strip().lower() for k in out.keywords or [] if k.strip()))
        return with_text(card, description, keywords or plain_keywords(card))
