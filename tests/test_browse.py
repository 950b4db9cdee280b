"""Datasette over a real store: metadata, canned queries, the sample image route and read-only serving."""

import json
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from benchagent.store import StorePathError, open_store
from benchagent.store.browse import datasette_args, serve, wait_until_ready
from benchagent.store.datasette_metadata import build_metadata
from benchagent.store.errors import BrowseError


@pytest.fixture(scope="module")
def client(served_db):
    with httpx.Client(base_url=served_db.url, trust_env=False, timeout=10) as client:
        yield client


def _rows(client, path, **params) -> list[dict]:
    response = client.get(path, params={"_shape": "array", **params})
    assert response.status_code == 200, response.text
    return response.json()


def _count(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


def test_every_schema_column_is_described(sample_db):
    path, _ = sample_db
    tables = build_metadata("bench")["databases"]["bench"]["tables"]
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
        for name in names:
            if tables.get(name, {}).get("hidden"):
                continue
            columns = [r[1] for r in conn.execute(f"pragma table_info({name})")]
            assert set(columns) == set(tables[name]["columns"]), name
            assert tables[name]["title"] and tables[name]["description"]


def test_database_json_lists_tables_and_hides_fts_shadows(served_db, client):
    tables = {t["name"]: t for t in client.get(f"/{served_db.db}.json").json()["tables"]}
    assert {"runs", "samples", "assets", "steps", "lm_calls", "verdicts"} <= set(tables)
    assert not tables["samples"]["hidden"]
    shadows = [name for name in tables if name.startswith("sources_fts")]
    assert len(shadows) == 5 and all(tables[name]["hidden"] for name in shadows)


def test_samples_table_json(served_db, client):
    rows = _rows(client, f"/{served_db.db}/samples.json")
    assert [(r["id"], r["status"], r["answer"], json.loads(r["options"])) for r in rows] == [
        (served_db.ids["sample"], "ok", "green", ["red", "green", "blue"])
    ]


def test_tokens_per_accepted_sample(served_db, client):
    with sqlite3.connect(served_db.path) as conn:
        calls = conn.execute("select prompt_tokens, completion_tokens, cache_hit from lm_calls").fetchall()
    spent = sum(p + c for p, c, hit in calls if not hit)
    (row,) = _rows(client, f"/{served_db.db}/tokens_per_accepted_sample.json")
    assert row["run_id"] == served_db.ids["run"]
    assert (row["lm_calls"], row["cache_hits"], row["accepted_samples"]) == (len(calls), 1, 1)
    assert row["total_tokens"] == row["prompt_tokens"] + row["completion_tokens"] == spent == 1100
    assert row["tokens_per_accepted_sample"] == 1100.0


def test_acceptance_by_subtask(served_db, client):
    rows = _rows(client, f"/{served_db.db}/acceptance_by_subtask.json")
    assert rows == [{
        "run_id": served_db.ids["run"], "subtask_id": served_db.ids["subtask"], "subtask": "Bar chart reading",
        "quota": 2, "accepted": 1, "rejected": 0, "acceptance_rate": 1.0, "shortfall": 1,
    }]


def test_sample_lineage(served_db, client):
    ids = served_db.ids
    rows = _rows(client, f"/{served_db.db}/sample_lineage.json", sample_id=ids["sample"])
    assert {(r["sample_id"], r["requirement"], r["spec_version"], r["subtask"], r["source"]) for r in rows} == {
        (ids["sample"], "Read values off bar charts", 1, "Bar chart reading", "bar_charts")
    }
    assert [(r["event"], r["event_id"]) for r in rows] == [
        ("step", "step_realize"), ("lm_call", "lm_realize"), ("tool_call", "tool_draw"),
        ("step", "step_verify"), ("lm_call", "lm_verify"), ("lm_call", "lm_verify_cached"),
    ]
    assert _rows(client, f"/{served_db.db}/sample_lineage.json", sample_id="nope") == []


def test_sample_images_query_returns_the_png(served_db, client):
    (row,) = _rows(client, f"/{served_db.db}/sample_images.json")
    assert row["sample_id"] == served_db.ids["sample"]
    assert row["content"]["$base64"] is True
    html = client.get(f"/{served_db.db}/sample_images").text
    assert '<img src="data:image/png;base64,' in html


def test_metadata_titles_on_html_pages(served_db, client):
    assert "benchagent provenance" in client.get("/").text
    samples = client.get(f"/{served_db.db}/samples").text
    assert "<h1" in samples and "Samples" in samples and "open one to see its images" in samples
    assert "tool (deterministic) | llm" in samples
    assert "Tokens per accepted sample" in client.get(f"/{served_db.db}").text


def test_row_page_links_the_image_route(served_db, client):
    ids = served_db.ids
    html = client.get(f"/{served_db.db}/samples/{ids['sample']}").text
    src = f"/-/benchagent/{served_db.db}/assets/{ids['asset']}"
    assert f'<img src="{src}" alt="chart.png" width="240" height="160"' in html
    assert f'<a href="/{served_db.db}/sample_lineage?sample_id={ids["sample"]}">Lineage of this sample</a>' in html
    image = client.get(src)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.content == ids["png"]
    assert client.get(f"/-/benchagent/{served_db.db}/assets/nope").status_code == 404
    assert client.get(f"/-/benchagent/nodb/assets/{ids['asset']}").status_code == 404


def test_writes_are_refused(served_db, client):
    before = {t: _count(served_db.path, t) for t in ("samples", "reviews")}
    db = served_db.db
    attempts = [
        client.post(f"/{db}/samples", data={"id": "x", "status": "ok"}),
        client.post(f"/{db}/sample_lineage", data={"sample_id": served_db.ids["sample"]}),
        client.post(f"/{db}/-/insert", json={"row": {"id": "x"}}),
        client.get(f"/{db}.json", params={
            "sql": "insert into reviews (id, sample_id, reviewer, decision, created_at) "
                   "values ('r', 'smp_1', 'x', 'accept', 't')",
        }),
    ]
    assert all(400 <= r.status_code < 600 for r in attempts), [r.status_code for r in attempts]
    assert {t: _count(served_db.path, t) for t in before} == before
    queries = client.get(f"/{db}.json").json()["queries"]
    assert queries and not any(q.get("write") for q in queries)


def test_server_listens_on_loopback_only(served_db):
    assert datasette_args("x.db", metadata_path="m.json")[3:] == [
        "serve", "x.db", "--host", "127.0.0.1", "--port", "8001", "--metadata", "m.json",
    ]
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.split(":")
            if state == "0A" and int(port, 16) == served_db.port:
                listening.append(address)
    assert listening == ["0100007F"]


def test_live_writes_are_served(sample_db, free_port):
    path, ids = sample_db
    process = serve(path, port=free_port)
    try:
        url = f"http://127.0.0.1:{free_port}"
        wait_until_ready(f"{url}/-/versions.json", 60, process=process)
        store = open_store(path)
        store.insert("slots", {
            "id": "slot_2", "run_id": ids["run"], "subtask_id": ids["subtask"], "source_id": ids["source"],
            "record_index": 1, "seed": 8, "status": "rejected",
        })
        store.insert("samples", {
            "id": "smp_2", "run_id": ids["run"], "subtask_id": ids["subtask"], "slot_id": "slot_2",
            "source_id": ids["source"], "question": "?", "status": "rejected", "created_at": "2026-01-01T00:01:00Z",
        })
        store.close()
        with httpx.Client(base_url=url, trust_env=False) as client:
            (row,) = _rows(client, "/bench/acceptance_by_subtask.json")
        assert (row["accepted"], row["rejected"], row["acceptance_rate"]) == (1, 1, 0.5)
    finally:
        process.terminate()
        process.wait(10)


def test_plugin_is_harmless_on_a_foreign_database(tmp_path, free_port):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table samples (id text primary key, note text)")
        conn.execute("insert into samples values ('a', 'hello')")
    metadata = tmp_path / "metadata.json"
    metadata.write_text("{}")
    process = subprocess.Popen(datasette_args(path, port=free_port, metadata_path=metadata))
    try:
        url = f"http://127.0.0.1:{free_port}"
        wait_until_ready(f"{url}/-/versions.json", 60, process=process)
        with httpx.Client(base_url=url, trust_env=False) as client:
            page = client.get("/other/samples/a")
            assert page.status_code == 200 and "hello" in page.text and "benchagent-images" not in page.text
            assert "benchagent-lineage" not in page.text
            assert client.get("/-/benchagent/other/assets/a").status_code == 404
    finally:
        process.terminate()
        process.wait(10)


def test_serve_refuses_a_missing_database(tmp_path):
    with pytest.raises(StorePathError):
        serve(tmp_path / "missing.db")


def test_wait_until_ready_reports_an_exited_server(sample_db, free_port):
    process = serve(sample_db[0], port=free_port)
    process.kill()
    process.wait(10)
    with pytest.raises(BrowseError, match="exited"):
        wait_until_ready(f"http://127.0.0.1:{free_port}/", 60, process=process)


def test_serve_names_why_it_cannot_bind_before_starting_datasette(sample_db):
    with pytest.raises(BrowseError, match="cannot serve on 192.0.2.1:8001: Cannot assign requested address"):
        serve(sample_db[0], host="192.0.2.1", port=8001)  # TEST-NET address: nothing here can bind it


def _line_starting(stream, prefix: str, timeout: float) -> str:
    """The first line of a child's output that starts with prefix (Datasette's access log shares stdout)."""
    import select
    import time

    deadline = time.monotonic() + timeout
    while select.select([stream], [], [], max(0.0, deadline - time.monotonic()))[0]:
        line = stream.readline()
        if not line or line.startswith(prefix):
            return line
    raise AssertionError(f"no line starting {prefix!r} within {timeout} s")


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_browse_on_all_interfaces_warns_and_sigterm_stops_datasette_and_removes_its_folder(sample_db, tmp_path,
                                                                                           free_port):
    import os
    import signal
    import sys

    temp = tmp_path / "tmp"
    temp.mkdir()
    browse = subprocess.Popen(
        [sys.executable, "-m", "benchagent", "browse", "--db", str(sample_db[0]), "--port", str(free_port),
         "--host", "0.0.0.0", "--review"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(temp)},
        start_new_session=True)
    try:
        announced = _line_starting(browse.stdout, "Datasette on", timeout=60)
        (datasette,) = _children(browse.pid)
        assert [p.name for p in temp.iterdir()][0].startswith("benchagent-browse-")
        browse.send_signal(signal.SIGTERM)
        _, err = browse.communicate(timeout=30)
    finally:
        try:  # a test that failed before the SIGTERM leaves no Datasette behind
            os.killpg(browse.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert announced == f"Datasette on http://127.0.0.1:{free_port}/ (Ctrl-C stops)\n"
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: --host 0.0.0.0 exposes {sample_db[0]} to the network: anyone who can reach this "
                        "machine can read it and write reviews"]
    assert not Path(f"/proc/{datasette}").exists() and list(temp.iterdir()) == []


def test_program_queries_reach_training_samples_and_human_acceptance(sample_db):
    path, ids = sample_db
    from benchagent.store.db import now
    from benchagent.store.programs import save_program
    store = open_store(path)
    program = save_program(store, state={"realizer": {}}, optimizer="bootstrap", train_sample_ids=[ids["sample"]],
                           metrics={"judge_agreement_before": 0.5, "judge_agreement_after": 0.75, "n_train": 1,
                                    "wall_s": 12.5})
    for n, decision in enumerate(("reject", "accept")):  # the latest review counts
        store.insert("reviews", {"id": f"rev_{n}", "sample_id": ids["sample"], "reviewer": "ann",
                                 "decision": decision, "reason": "ambiguity" if decision == "reject" else None,
                                 "created_at": now()})
    store.close()
    queries = build_metadata("bench")["databases"]["bench"]["queries"]
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        trained = [dict(r) for r in conn.execute(queries["program_training_samples"]["sql"],
                                                 {"program_id": program["id"]})]
        by_run = [dict(r) for r in conn.execute(queries["review_acceptance_by_run"]["sql"])]
        [figures] = [dict(r) for r in conn.execute(queries["program_figures"]["sql"])]
    assert (figures["program_id"], figures["judge_agreement_before"], figures["judge_agreement_after"],
            figures["predicted_acceptance_after"], figures["trained_on"], figures["wall_s"]) == (
        program["id"], 0.5, 0.75, None, 1, 12.5)
    assert [(r["sample_id"], r["decision"], r["reviewer"]) for r in trained] == [(ids["sample"], "accept", "ann")]
    assert by_run == [{"run_id": ids["run"], "started_at": by_run[0]["started_at"], "program_id": None,
                       "optimizer": None, "accepted_samples": 1, "reviewed": 1, "human_accepted": 1,
                       "human_acceptance": 1.0}]
