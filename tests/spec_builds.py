"""Building a hand-made spec on the embedded model, the way a user runs `benchagent build --spec`."""

import os
import sqlite3
import subprocess
import sys

from benchagent.signatures import Spec
from benchagent.specfile import write_spec


def build_spec(tmp_path, spec: Spec, may_deliver_nothing: bool = False) -> sqlite3.Connection:
    """Write spec, build it in a subprocess with a fresh DSPy cache, and return the finished run's database; a build
    that delivers no item exits 1 with one line saying so, which only a caller that allows it accepts."""
    path, db = tmp_path / "spec.yaml", tmp_path / "built.db"
    write_spec(spec, path)
    env = {**os.environ, "DSPY_CACHEDIR": str(tmp_path / "dspy-cache")}
    built = subprocess.run([sys.executable, "-m", "benchagent", "build", "--spec", str(path), "--db", str(db)],
                           capture_output=True, text=True, env=env, timeout=900)
    empty = may_deliver_nothing and built.returncode == 1 and "error: no item was delivered" in built.stderr
    assert built.returncode == 0 or empty, built.stderr[-2000:]
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    assert conn.execute("SELECT status FROM runs").fetchone()["status"] == "done"
    return conn
