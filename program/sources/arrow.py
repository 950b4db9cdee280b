"""Arrow-backed user data: Parquet files and Hugging Face datasets saved to disk, read with pyarrow alone; Hugging
Face Image columns become PNG bytes and ClassLabel columns their label names."""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchagent.program.sources.readers import SourceError, describe_type, plain, png_from, reason, short


class ArrowRows(Sequence):
    """The records of an Arrow table, converted one row at a time."""

    def __init__(self, table, features: dict[str, Any], where: str):
        self.table, self.where = table, where
        kinds = {name: f.get("_type") for name, f in features.items() if isinstance(f, dict)}
        self.images = {name for name, field in zip(table.column_names, table.schema, strict=True)
                       if kinds.get(name) == "Image" or _binary(field.type)}
        self.labels = {name: features[name].get("names") or [] for name in table.column_names
                       if kinds.get(name) == "ClassLabel"}
        for name in sorted(self.images):
            first = next((v for v in table.column(name).slice(0, 100).to_pylist() if v is not None), None)
            if first is not None:  # fails on binary data that is not an image
                png_from(_image_bytes(first, f"{where}: column {name!r}"), f"{where}: column {name!r}")

    def __len__(self) -> int:
        return self.table.num_rows

    def __getitem__(self, index: int) -> dict[str, Any]:
        row = self.table.slice(index, 1).to_pylist()[0]
        return {name: self._value(name, value, index) for name, value in row.items()}

    def _value(self, name: str, value: Any, index: int) -> Any:
        if value is None:
            return None
        if name in self.images:
            where = f"{self.where}: row {index}, column {name!r}"
            return png_from(_image_bytes(value, where), where)
        if name in self.labels:  # -1 is a missing label
            return self.labels[name][value] if 0 <= value < len(self.labels[name]) else None
        return plain(value)

    def fields(self) -> dict[str, str]:
        fields = {}
        for name, field in zip(self.table.column_names, self.table.schema, strict=True):
            column = self.table.column(name)
            optional = " | null" if column.null_count else ""
            if name in self.images:
                fields[name] = describe_type(f"image{optional}")
            elif name in self.labels:
                fields[name] = f"str{optional}: one of {short(self.labels[name], 120)}"
            else:
                example = next((v for v in column.slice(0, 100).to_pylist() if v is not None), None)
                fields[name] = describe_type(f"{_type_name(field.type)}{optional}", plain(example))
        return fields


def _binary(arrow_type) -> bool:
    import pyarrow as pa

    if pa.types.is_struct(arrow_type):
        return any(f.name == "bytes" and _binary(f.type) for f in arrow_type)
    return pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type)


def _image_bytes(value: Any, where: str) -> bytes:
    data = value.get("bytes") if isinstance(value, dict) else value
    if not data:
        raise SourceError(f"{where}: the image has no embedded bytes")
    return data


def _type_name(arrow_type) -> str:
    import pyarrow as pa

    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_integer(arrow_type):
        return "int"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type) or pa.types.is_duration(arrow_type):
        return "float"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) or pa.types.is_fixed_size_list(arrow_type):
        return f"list[{_type_name(arrow_type.value_type)}]"
    if pa.types.is_struct(arrow_type) or pa.types.is_map(arrow_type):
        return "object"
    if pa.types.is_null(arrow_type):
        return "null"
    return "str"  # strings, dictionary-encoded strings, dates and timestamps (ISO text)


def _hf_features(schema) -> dict[str, Any]:
    """The Hugging Face features a Parquet or Arrow file carries in its schema metadata, if any."""
    meta = (schema.metadata or {}).get(b"huggingface")
    try:
        return json.loads(meta)["info"]["features"] if meta else {}
    except (ValueError, KeyError, TypeError):
        return {}


def parquet_rows(path: Path) -> ArrowRows:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, memory_map=True)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"{path}: not a readable Parquet file ({reason(exc)})") from None
    return ArrowRows(table, _hf_features(table.schema), str(path))


def _json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"{path}: cannot be read as JSON ({reason(exc)})") from None


def _hf_split(folder: Path) -> tuple[Any, dict[str, Any]]:
    """The table and features of one saved Dataset: state.json lists its Arrow stream files in order."""
    import pyarrow as pa

    state = _json_file(folder / "state.json")
    files = [folder / entry["filename"] for entry in state.get("_data_files", [])] if isinstance(state, dict) else []
    if not files:
        raise SourceError(f"{folder / 'state.json'}: lists no data files")
    tables = []
    for file in files:
        try:
            with pa.memory_map(str(file)) as source:
                tables.append(pa.ipc.open_stream(source).read_all())
        except (pa.ArrowException, OSError) as exc:
            raise SourceError(f"{file}: not a readable Arrow stream ({reason(exc)})") from None
    try:
        table = pa.concat_tables(tables)
    except pa.ArrowException as exc:
        raise SourceError(f"{folder}: its data files do not share one schema ({reason(exc)})") from None
    info = _json_file(folder / "dataset_info.json") if (folder / "dataset_info.json").exists() else {}
    features = info.get("features") if isinstance(info, dict) else None
    return table, features if isinstance(features, dict) else _hf_features(table.schema)


def hf_rows(folder: Path) -> ArrowRows:
    """A Dataset folder, or a DatasetDict folder whose splits are joined in its order with a `split` column."""
    import pyarrow as pa

    if not (folder / "dataset_dict.json").exists():
        return ArrowRows(*_hf_split(folder), str(folder))
    splits = _json_file(folder / "dataset_dict.json").get("splits") or []
    parts = [_hf_split(folder / split) for split in splits]
    if not parts:
        raise SourceError(f"{folder / 'dataset_dict.json'}: lists no splits")
    tables = [table.append_column("split", pa.array([split] * table.num_rows, pa.string()))
              for split, (table, _) in zip(splits, parts, strict=True)]
    try:
        return ArrowRows(pa.concat_tables(tables), parts[0][1], str(folder))
    except pa.ArrowException as exc:
        raise SourceError(f"{folder}: its splits do not share one schema ({reason(exc)})") from None
