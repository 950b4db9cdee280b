"""The wheel installs every folder under the one benchagent namespace, data files included, and building it or an
editable install prints no setuptools warning."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALLED_AS = {"benchagent": "benchagent", "signatures": "benchagent/signatures", "program": "benchagent/program",
                "optimize": "benchagent/optimize", "store": "benchagent/store"}


def backend_warnings(output: str) -> list[str]:
    """The first line of each warning the build backend (setuptools) gave, as pip relays them."""
    return re.findall(r"BuildBackendWarning: (.*)", output)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel built from a copy of the sources: setuptools builds in the source tree, where a stale build/ folder
    would lend the wheel files the configuration no longer declares."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    for folder in INSTALLED_AS:
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(source)],
                          check=True, capture_output=True, text=True, timeout=600)
    (built,) = out.glob("benchagent-*.whl")
    return set(zipfile.ZipFile(built).namelist()), done.stdout + done.stderr


def test_wheel_has_one_namespace(wheel):
    names, _ = wheel
    tops = {name.split("/")[0] for name in names if not name.startswith("benchagent-")}
    assert tops == {"benchagent"}


def test_every_source_and_data_file_ships(wheel):
    names, _ = wheel
    for folder, installed in INSTALLED_AS.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.relative_to(ROOT / folder).as_posix()
                assert f"{installed}/{relative}" in names, f"{path} is missing from the wheel"
    assert {"benchagent/store/sql/0001_initial.sql", "benchagent/store/templates/sample_row.html",
            "benchagent/lm/select.py"} <= names


def test_building_the_wheel_prints_no_setuptools_warning(wheel):
    _, output = wheel
    assert backend_warnings(output) == []


def test_an_editable_install_prints_only_setuptools_notice_on_the_folder_mapping(tmp_path):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True, timeout=120)
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(tmp_path / "venv" / "bin" / "python"),
                           "install", "--no-deps", "-e", str(ROOT)],
                          check=True, capture_output=True, text=True, timeout=600)
    assert backend_warnings(done.stdout + done.stderr) == ["Editable installation."]
