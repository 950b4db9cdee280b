"""The reader interface every source implements, its error, and the helpers readers share: PNG encoding,
JSON-safe values, field types and the JSON, JSONL and CSV parsers."""

import copy
import csv
import datetime
import decimal
import io
import json
import math
import operator
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from benchagent.program.errors import ProgramError
from benchagent.program.sources.cards import SourceCard


class SourceError(ProgramError):
    """A source cannot be used: missing, empty, corrupt or unsupported; the message names the file."""


@runtime_checkable
class Source(Protocol):
    """Records by index: dicts of JSON values whose image fields hold PNG bytes; the same index gives the same
    record, an index outside 0..capacity-1 raises ValueError."""

    card: SourceCard

    @property
    def capacity(self) -> int: ...

    def record(self, index: int) -> dict[str, Any]: ...


class RowSource:
    """A source over rows loaded once, on first use; `make` turns a row into a fresh record."""

    def __init__(self, card: SourceCard, load: Callable[[], Sequence[Any]],
                 make: Callable[[Any], dict[str, Any]] = copy.deepcopy):
        self.card = card
        self._load, self._make = load, make
        self._rows: Sequence[Any] | None = None
        self._lock = threading.Lock()

    @property
    def rows(self) -> Sequence[Any]:
        with self._lock:
            if self._rows is None:
                self._rows = self._load()
            return self._rows

    @property
    def capacity(self) -> int:
        return len(self.rows)

    def record(self, index: int) -> dict[str, Any]:
        try:
            index = operator.index(index)
        except TypeError:
            raise ValueError(f"record index {index!r} of {self.card.id} is not an integer") from None
        if not 0 <= index < self.capacity:
            raise ValueError(f"record index {index} outside 0..{self.capacity - 1} of {self.card.id}")
        return self._make(self.rows[index])

    def with_card(self, card: SourceCard) -> "RowSource":
        """The same records under another card, e.g. one with an LM-written description."""
        return RowSource(card, lambda: self.rows, self._make)


def to_png(image) -> bytes:
    """A Pillow image as PNG bytes; modes PNG cannot hold become RGB (or RGBA when they have alpha)."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def png_from(data: bytes | str | Path, where: str) -> bytes:
    """Image bytes (or an image file) of any format Pillow reads, re-encoded as PNG."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as image:
            return to_png(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise SourceError(f"{where}: not a readable image ({reason(exc)})") from None


def reason(exc: BaseException) -> str:
    """An exception's message on one line, for a SourceError."""
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def plain(value: Any) -> Any:
    """A JSON value for anything a parser returns: dates as ISO text, decimals as floats, NaN as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def value_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, (bytes, bytearray)):
        return "image"
    if isinstance(value, list):
        return f"list[{join_types({value_type(v) for v in value})}]" if value else "list"
    if isinstance(value, dict):
        return "object"
    return {bool: "bool", int: "int", float: "float", str: "str"}.get(type(value), type(value).__name__)


def join_types(types: set[str]) -> str:
    """One type for the values of a field: int and float make float, an empty list takes its element type from
    the others, null makes the type optional."""
    present = types - {"null"}
    if present == {"int", "float"}:
        present = {"float"}
    if any(t.startswith("list[") for t in present):
        present.discard("list")
    joined = " | ".join(sorted(present))
    return f"{joined} | null" if joined and "null" in types else joined or "null"


def infer_fields(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Field name -> "type: e.g. example" over all rows; a field missing from some rows is optional."""
    types: dict[str, set[str]] = {}
    examples: dict[str, Any] = {}
    for i, row in enumerate(rows):
        for name, value in row.items():
            types.setdefault(name, {"null"} if i else set()).add(value_type(value))
            if value is not None and not isinstance(value, bytes):
                examples.setdefault(name, value)
        for name in types.keys() - row.keys():
            types[name].add("null")
    return {name: describe_type(join_types(kinds), examples.get(name)) for name, kinds in types.items()}


def describe_type(kind: str, example: Any = None) -> str:
    if kind.startswith("image"):
        return f"{kind}: PNG bytes"
    return kind if example is None else f"{kind}: e.g. {short(example)}"


def short(value: Any, limit: int = 60) -> str:
    """A one-line JSON rendering of a value, cut to limit characters; bytes show as an image placeholder."""
    text = json.dumps(shorten(value, limit), ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shorten(value: Any, limit: int = 200) -> Any:
    """A JSON-safe copy with strings cut to limit characters, lists to 10 items, bytes as a placeholder."""
    if isinstance(value, (bytes, bytearray)):
        return f"<PNG image, {len(value)} bytes>"
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit - 1] + "…"
    if isinstance(value, dict):
        return {k: shorten(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten(v, limit) for v in value[:10]] + (["…"] if len(value) > 10 else [])
    return value


def read_text(path: Path) -> str:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or reason(exc)})") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not UTF-8 text") from None
    if not text.strip():
        raise SourceError(f"{path}: is empty")
    return text


def jsonl_rows(text: str, where: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            rows.append(_object(_json(line, f"{where}:{number}"), f"{where}:{number}"))
    return rows


def json_rows(text: str, where: str) -> list[dict[str, Any]]:
    data = _json(text, where)
    if not isinstance(data, list):
        raise SourceError(f"{where}: a .json source must hold an array of objects")
    return [_object(row, f"{where}[{i}]") for i, row in enumerate(data)]


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text, parse_constant=lambda name: None)
    except json.JSONDecodeError as exc:
        at = f"line {exc.lineno} column {exc.colno}" if "\n" in text.strip() else f"column {exc.colno}"
        raise SourceError(f"{where}: invalid JSON ({exc.msg} at {at})") from None


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SourceError(f"{where}: a record must be a JSON object, not {type(value).__name__}")
    return value


# Numbers without leading zeros: codes such as "02134" stay text.
_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")


def csv_rows(text: str, where: str, delimiter: str = ",") -> list[dict[str, Any]]:
    """Rows of a CSV text with a header; a column whose every value is a number holds numbers, empty cells
    are null."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        lines = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as exc:
        raise SourceError(f"{where}: malformed CSV ({reason(exc)})") from None
    if len(set(header)) != len(header) or not all(h.strip() for h in header):
        raise SourceError(f"{where}: the header needs distinct, non-empty column names")
    for number, cells in lines:
        if len(cells) > len(header):
            raise SourceError(f"{where}:{number}: {len(cells)} cells but the header has {len(header)} columns")
    columns = [_typed([cells[i] if i < len(cells) and cells[i] != "" else None for _, cells in lines])
               for i in range(len(header))]
    return [dict(zip(header, values, strict=True)) for values in zip(*columns, strict=True)]


def _typed(column: list[str | None]) -> list[Any]:
    present = [v for v in column if v is not None]
    if present and all(_INT.fullmatch(v) for v in present):
        return [None if v is None else int(v) for v in column]
    if present and all(_FLOAT.fullmatch(v) for v in present):
        return [None if v is None else float(v) for v in column]
    return column
