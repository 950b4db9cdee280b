"""Shared fixtures: a small real store with one fully traced sample, free ports and a served store."""

import hashlib
import io
import signal
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from benchagent.store import open_store
from benchagent.store.browse import serve, wait_until_ready



def pytest_configure(config):
    """A suite started in the background by a shell without job control inherits SIGINT ignored, and so would every
    command the tests start; the Ctrl-C tests need it delivered, so the commands get Python's own handler."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


# (RGB, box) of each bar of the fixture chart, on a 240x160 white canvas.
BARS = [
    ((220, 40, 40), (30, 90, 80, 150)),
    ((40, 170, 60), (95, 30, 145, 150)),
    ((40, 80, 220), (160, 60, 210, 150)),
]


def _chart_png() -> bytes:
    image = Image.new("RGB", (240, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.line((20, 150, 225, 150), fill="black", width=2)
    for color, box in BARS:
        draw.rectangle(box, fill=color)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _at(second: int) -> str:
    return f"2026-01-01T00:00:{second:02d}.000+00:00"


def build_sample_db(directory: Path) -> tuple[Path, dict]:
    """Create directory/bench.db holding one run whose one sample has its whole lineage."""
    path = directory / "bench.db"
    store = open_store(path)
    png = _chart_png()
    ids = {
        "run": "run_1", "spec": "spec_1", "subtask": "sub_1", "source": "src_1", "grounding": "grd_1",
        "slot": "slot_1", "sample": "smp_1", "asset": "ast_1",
        "steps": ["step_design", "step_realize", "step_verify"],
        "lm_calls": ["lm_design", "lm_realize", "lm_verify", "lm_verify_cached"],
        "tool_calls": ["tool_draw"], "verdicts": ["vd_options", "vd_leak", "vd_solver"],
        "png": png, "bars": BARS,
    }
    run, slot, sample = ids["run"], ids["slot"], ids["sample"]
    store.insert("runs", {
        "id": run, "requirement": "Read values off bar charts", "size": 2, "model": "local/qwen2.5-coder-1.5b",
        "seed": 7, "status": "done", "settings": {"threads": 2}, "started_at": _at(0), "finished_at": _at(30),
        "wall_s": 30.0,
    })
    store.insert("specs", {
        "id": ids["spec"], "run_id": run, "version": 1, "scope": {"topic": "bar charts"},
        "spec": {"subtasks": ["bar_read"]}, "created_at": _at(1),
    })
    store.insert("subtasks", {
        "id": ids["subtask"], "run_id": run, "spec_id": ids["spec"], "key": "bar_read", "name": "Bar chart reading",
        "description": "Pick the tallest bar", "modalities": ["image", "text"], "answer_type": "choice",
        "rationale": "Chart reading is the core capability", "importance": 1.0, "quota": 2,
    })
    store.insert("sources", {
        "id": ids["source"], "name": "bar_charts", "kind": "generator", "modalities": ["image"],
        "description": "Bar charts drawn with Pillow; answers come from the drawing code",
        "keywords": "chart bar pillow", "card": {"name": "bar_charts"},
    })
    store.insert("groundings", {
        "id": ids["grounding"], "run_id": run, "subtask_id": ids["subtask"], "source_id": ids["source"],
        "kind": "metadata_rich", "plan": [{"op": "PURE", "tool": "draw_bar_chart"}], "score": 0.9, "accepted": 1,
    })
    store.insert("slots", {
        "id": slot, "run_id": run, "subtask_id": ids["subtask"], "source_id": ids["source"],
        "grounding_id": ids["grounding"], "record_index": 0, "seed": 7, "status": "accepted",
    })
    store.insert("samples", {
        "id": sample, "run_id": run, "subtask_id": ids["subtask"], "slot_id": slot, "source_id": ids["source"],
        "record": {"values": [60, 120, 90]}, "question": "Which bar is the tallest?",
        "options": ["red", "green", "blue"], "answer": "green", "answer_origin": "tool", "status": "ok",
        "created_at": _at(20),
    })
    store.insert("assets", {
        "id": ids["asset"], "run_id": run, "sample_id": sample, "name": "chart.png", "mime": "image/png",
        "width": 240, "height": 160, "sha256": hashlib.sha256(png).hexdigest(), "content": png,
    })
    for step_id, parent, stage, slot_id, sample_id, second in [
        ("step_design", None, "design", None, None, 2),
        ("step_realize", None, "realize", slot, None, 10),
        ("step_verify", "step_realize", "verify", slot, sample, 15),
    ]:
        store.insert("steps", {
            "id": step_id, "run_id": run, "parent_id": parent, "slot_id": slot_id, "sample_id": sample_id,
            "stage": stage, "name": stage.title(), "kind": "module", "inputs": {}, "outputs": {}, "status": "ok",
            "started_at": _at(second), "duration_ms": 1000.0,
        })
    for call_id, step_id, slot_id, stage, prompt, completion, cache_hit, second in [
        ("lm_design", "step_design", None, "design", 400, 100, 0, 3),
        ("lm_realize", "step_realize", slot, "realize", 300, 60, 0, 11),
        ("lm_verify", "step_verify", slot, "verify", 200, 40, 0, 16),
        ("lm_verify_cached", "step_verify", slot, "verify", 200, 40, 1, 17),
    ]:
        store.insert("lm_calls", {
            "id": call_id, "run_id": run, "step_id": step_id, "slot_id": slot_id, "stage": stage,
            "model": "local/qwen2.5-coder-1.5b", "messages": [{"role": "user", "content": "..."}], "response": "{}",
            "prompt_tokens": prompt, "completion_tokens": completion, "cost": 0.0, "latency_ms": 900.0,
            "cache_hit": cache_hit, "status": "ok", "created_at": _at(second),
        })
    store.insert("tool_calls", {
        "id": "tool_draw", "run_id": run, "step_id": "step_realize", "slot_id": slot, "tool": "draw_bar_chart",
        "args": {"values": [60, 120, 90]}, "result": {"asset": ids["asset"]}, "status": "ok", "started_at": _at(12),
        "duration_ms": 5.0,
    })
    for verdict_id, stage, name in [("vd_options", "check", "answer_in_options"), ("vd_leak", "inspector", "leakage"),
                                    ("vd_solver", "solver", "agreement")]:
        store.insert("verdicts", {
            "id": verdict_id, "run_id": run, "sample_id": sample, "stage": stage, "name": name, "passed": 1,
            "created_at": _at(18),
        })
    store.close()
    return path, ids


def find_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    return find_free_port()


@pytest.fixture
def sample_db(tmp_path) -> tuple[Path, dict]:
    return build_sample_db(tmp_path)


@pytest.fixture(scope="session")
def served_db(tmp_path_factory):
    """The sample store served by benchagent's Datasette for the whole session."""
    path, ids = build_sample_db(tmp_path_factory.mktemp("served"))
    port = find_free_port()
    process = serve(path, port=port)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/-/versions.json", 60, process=process)
        yield SimpleNamespace(url=url, db=path.stem, path=path, ids=ids, port=port)
    finally:
        process.terminate()
        process.wait(10)
