"""Where an export's files go: the output folder checked before anything is written, and item images as PNG files."""

import os
import shutil
from pathlib import Path

from benchagent.errors import InputError
from benchagent.items import BenchItem


def prepare_folder(out: str | Path, names: list[str], *, force: bool) -> Path:
    """out created if missing and checked writable; each named subfolder must not hold files unless force, which
    removes it. Raises InputError with one line, before anything is written."""
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file, not a folder")
    taken = [out / name for name in names if (out / name).exists() and any((out / name).iterdir())]
    if taken and not force:
        raise InputError(f"{taken[0]} already holds files: choose another --out, or add --force to replace it")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create --out {out}: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(f"--out {out} is not writable")
    for folder in taken:
        shutil.rmtree(folder)
    return out


def image_paths(item: BenchItem) -> dict[str, str]:
    """Each image of the item as a path relative to the data file: images/<sample id>[_<name>].png."""
    names = list(item.item.images)
    return {name: f"images/{item.sample_id}{'' if len(names) == 1 else '_' + name}.png" for name in names}


def write_images(folder: Path, items: list[BenchItem]) -> int:
    """Write every item's images under folder/images/; returns how many were written."""
    count = 0
    for item in items:
        for name, relative in image_paths(item).items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(item.item.images[name])
            count += 1
    return count
