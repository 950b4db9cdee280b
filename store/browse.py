"""Serving a store in Datasette, bound to localhost, with benchagent's metadata and plugin: read-only, or taking
reviews on sample pages when asked to."""

import ipaddress
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path

from benchagent.store.datasette_metadata import build_metadata
from benchagent.store.db import check_store
from benchagent.store.errors import BrowseError


def datasette_args(db_path: str | Path, *, host: str = "127.0.0.1", port: int = 8001,
                   metadata_path: str | Path) -> list[str]:
    """The `datasette serve` command line; the benchagent plugin loads through its entry point."""
    # Not --immutable: a build may still be writing this WAL database, and immutable mode tells SQLite
    # the file never changes, so it would skip the WAL and serve stale or torn pages. Mutable databases
    # are opened with mode=ro; with no writable canned queries Datasette 0.65 has no way to write. The one
    # exception is benchagent's review route, on only with serve(review=True), through Datasette's write connection.
    return [
        sys.executable, "-m", "datasette", "serve", str(db_path),
        "--host", host, "--port", str(port), "--metadata", str(metadata_path),
    ]


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach a server bound to host."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def local_url(host: str, port: int) -> str:
    """The URL this machine reaches a server bound to host:port at (a wildcard address by loopback)."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def check_port(host: str, port: int) -> None:
    """Raise BrowseError, with the operating system's reason, unless host:port can be bound now."""
    if not 1 <= port <= 65535:
        raise BrowseError(f"--port must be between 1 and 65535, got {port}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise BrowseError(f"cannot serve on host {host!r}: {getattr(exc, 'strerror', None) or exc}") from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a port in TIME_WAIT is free
        try:
            sock.bind(address)
        except OSError as exc:
            raise BrowseError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001, *, review: bool = False,
          reviewer: str | None = None) -> subprocess.Popen:
    """Start Datasette on db_path; the caller owns the process (terminate() it to stop). With review, sample pages
    get Accept and Reject buttons that write the reviews table as reviewer (default: the user name; a signed-in
    actor's id wins)."""
    db_path = Path(db_path)
    check_store(db_path, readonly=True)
    check_port(host, port)
    metadata = build_metadata(db_path.stem)
    if review:  # the plugin reads this; without it the review route refuses every POST
        metadata["plugins"]["benchagent"] = {"review": True, **({"reviewer": reviewer} if reviewer else {})}
    workdir = Path(tempfile.mkdtemp(prefix="benchagent-browse-"))
    metadata_path = workdir / "metadata.json"
    metadata_path.write_text(json.dumps(metadata), encoding="utf-8")
    try:
        process = subprocess.Popen(datasette_args(db_path, host=host, port=port, metadata_path=metadata_path))
    except OSError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        raise BrowseError(f"cannot start datasette: {exc}") from None
    # Datasette reads the metadata once at startup; the folder goes when the process object does.
    weakref.finalize(process, shutil.rmtree, workdir, True)
    return process


def wait_until_ready(url: str, timeout: float = 30.0, *, process: subprocess.Popen | None = None) -> None:
    """Poll url until it answers 200; raise BrowseError on timeout or if process exits first."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise BrowseError(f"datasette exited with code {process.returncode} before answering at {url}")
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() >= deadline:
            raise BrowseError(f"datasette did not answer at {url} within {timeout:g} s")
        time.sleep(0.1)
