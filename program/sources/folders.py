"""Folder sources: images listed in a labels file (each re-encoded as PNG), and .txt/.md documents chunked into
passages."""

from pathlib import Path
from typing import Any

from benchagent.program.sources.passages import passages
from benchagent.program.sources.readers import (
    SourceError, csv_rows, infer_fields, jsonl_rows, png_from, read_text, reason,
)

LABEL_FILES = ("labels.csv", "labels.jsonl")
DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown")
_FILE_COLUMNS = ("file", "file_name", "filename", "image", "path")
DOCUMENT_FIELDS = {
    "document": "str: path of the document inside the folder",
    "section": "str: the heading the passage falls under, empty before the first heading",
    "passage": "int: position of the passage in its document, from 0",
    "text": "str: about 150-250 words cut on paragraph boundaries",
}


def files_in(folder: Path) -> list[Path]:
    """Every file under folder, sorted, skipping hidden files and folders."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _labels(folder: Path) -> tuple[Path, list[dict[str, Any]]]:
    path = next(folder / name for name in LABEL_FILES if (folder / name).exists())
    text = read_text(path)
    rows = csv_rows(text, str(path)) if path.suffix == ".csv" else jsonl_rows(text, str(path))
    if not rows:
        raise SourceError(f"{path}: lists no images")
    return path, rows


def image_folder(folder: Path) -> tuple[list[tuple[Path, dict[str, Any]]], dict[str, str]]:
    """(image file, its label columns) per labels-file row, in the file's order, and the records' fields.
    Every file in the folder must be an image Pillow opens and every image needs a row."""
    from PIL import Image, UnidentifiedImageError

    labels_path, rows = _labels(folder)
    key = next((c for c in _FILE_COLUMNS if c in rows[0]), next(iter(rows[0])))
    if len(rows[0]) < 2:
        raise SourceError(f"{labels_path}: needs a label column beside the file column {key!r}")
    images = {p.relative_to(folder).as_posix(): p for p in files_in(folder)}
    images = {name: path for name, path in images.items() if name not in LABEL_FILES}
    for path in images.values():
        try:
            with Image.open(path) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise SourceError(f"{path}: not an image ({reason(exc)})") from None
    items, listed = [], set()
    for number, row in enumerate(rows, 1):
        name = str(row.get(key) or "")
        if name not in images:
            raise SourceError(f"{labels_path}: row {number} names {name!r}, which is not an image in {folder}")
        listed.add(name)
        items.append((images[name], {"file": name, **{k: v for k, v in row.items() if k != key}}))
    if missing := sorted(images.keys() - listed):
        raise SourceError(f"{folder / missing[0]}: has no row in {labels_path.name}")
    fields = {"image": "image: PNG bytes", **infer_fields([labels for _, labels in items])}
    fields["file"] = "str: image file name inside the folder"
    return items, fields


def image_record(item: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    path, labels = item
    return {"image": png_from(path, str(path)), **labels}


def document_folder(folder: Path) -> list[dict[str, Any]]:
    """The passages of every .txt/.md document under folder, in path order."""
    records = []
    for path in files_in(folder):
        if path.suffix.lower() not in DOCUMENT_SUFFIXES:
            raise SourceError(f"{path}: not a .txt or .md document (a document folder holds only those; an image "
                              f"folder needs {' or '.join(LABEL_FILES)})")
        document = path.relative_to(folder).as_posix()
        for i, (section, text) in enumerate(passages(read_text(path))):
            records.append({"document": document, "section": section, "passage": i, "text": text})
    return records
