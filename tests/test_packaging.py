"""The wheel installs every folder under the one benchagent namespace, data files included."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = out.glob("benchagent-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def test_wheel_has_one_namespace(wheel_names):
    tops = {name.split("/")[0] for name in wheel_names if not name.startswith("benchagent-")}
    assert tops == {"benchagent"}
    for module in ("benchagent/cli.py", "benchagent/signatures/design.py", "benchagent/program/build.py",
                   "benchagent/optimize/__init__.py", "benchagent/store/db.py",
                   "benchagent/store/sql/0001_initial.sql", "benchagent/store/templates/sample_row.html"):
        assert module in wheel_names


def test_every_package_folder_is_declared(wheel_names):
    for folder in ("signatures", "program", "optimize", "store"):
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.relative_to(ROOT / folder).as_posix()
            assert f"benchagent/{folder}/{relative}" in wheel_names, f"{init} is missing from the wheel"
    for init in (ROOT / "benchagent").rglob("__init__.py"):
        assert init.relative_to(ROOT).as_posix() in wheel_names, f"{init} is missing from the wheel"
