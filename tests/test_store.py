"""The store on real SQLite files: migrations, WAL, refusals, catalog search and reports."""

import sqlite3

import pytest

from benchagent.store import SCHEMA_VERSION, CorruptDatabaseError, NewerSchemaError, StorePathError, open_store
from benchagent.store.catalog import list_cards, search_cards, upsert_cards
from benchagent.store.db import new_id, now

CARDS = [
    {"id": "a", "name": "bar_chart_values", "kind": "generator", "modalities": ["image", "table"],
     "description": "bar charts with integer values per category", "keywords": ["bar chart", "values"], "size": 10},
    {"id": "b", "name": "city_table", "kind": "builtin", "modalities": ["table", "text"],
     "description": "populations of cities", "keywords": "population, cities", "size": 5},
]


def test_new_database_is_migrated_and_in_wal_mode(tmp_path):
    store = open_store(tmp_path / "x.db")
    assert store.one("PRAGMA user_version")["user_version"] == SCHEMA_VERSION
    assert store.one("PRAGMA journal_mode")["journal_mode"] == "wal"
    tables = {r["name"] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "specs", "subtasks", "sources", "slots", "samples", "assets", "steps", "lm_calls",
            "tool_calls", "verdicts", "reviews", "programs"} <= tables
    store.close()
    again = open_store(tmp_path / "x.db")
    assert again.one("PRAGMA user_version")["user_version"] == SCHEMA_VERSION


def test_newer_schema_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE runs (id TEXT)")
    conn.execute("CREATE TABLE keep (x)")
    conn.execute("INSERT INTO keep VALUES (42)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer"):
        open_store(path)
    assert path.read_bytes() == before


def test_corrupt_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database at all" * 100)
    before = path.read_bytes()
    with pytest.raises(CorruptDatabaseError):
        open_store(path)
    assert path.read_bytes() == before


def test_missing_folder_and_directory_paths_are_refused(tmp_path):
    with pytest.raises(StorePathError, match="does not exist"):
        open_store(tmp_path / "nope" / "x.db")
    assert not (tmp_path / "nope").exists()
    with pytest.raises(StorePathError, match="directory"):
        open_store(tmp_path)
    with pytest.raises(StorePathError, match="does not exist"):
        open_store(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_transaction_rolls_back_on_error(tmp_path):
    store = open_store(tmp_path / "x.db")
    run = {"id": new_id("run"), "requirement": "r", "size": 1, "model": "m", "seed": 0, "status": "done",
           "started_at": now()}
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.conn.execute("INSERT INTO runs (id, requirement, size, model, seed, status, started_at) "
                            "VALUES (:id, :requirement, :size, :model, :seed, :status, :started_at)", run)
            raise RuntimeError("boom")
    assert store.query("SELECT * FROM runs") == []


def test_catalog_search_ranks_and_filters_by_modality(tmp_path):
    store = open_store(tmp_path / "x.db")
    upsert_cards(store, CARDS)
    upsert_cards(store, CARDS)  # idempotent
    assert [c["id"] for c in list_cards(store)] == ["b", "a"]
    assert [c["id"] for c in search_cards(store, ["bar chart values"])] == ["a"]
    assert [c["id"] for c in search_cards(store, ["population of cities"], ["table"])] == ["b"]
    assert search_cards(store, ["population"], ["image"]) == []
    assert search_cards(store, ["???"]) == []
    assert [c["id"] for c in search_cards(store, ["bar chart populations"], relative=0.5)] == ["a"]
    assert len(search_cards(store, ["bar chart populations"])) == 2
    updated = dict(CARDS[1], description="rivers and their lengths", keywords=["rivers"])
    upsert_cards(store, [updated])
    assert search_cards(store, ["population"]) == []
    assert [c["id"] for c in search_cards(store, ["rivers"])] == ["b"]


def test_nested_writes_join_the_outer_transaction(tmp_path):
    store = open_store(tmp_path / "x.db")
    card = {"id": "z", "name": "z", "kind": "builtin", "description": "zebra counts"}
    with pytest.raises(RuntimeError):
        with store.transaction():
            upsert_cards(store, [card])
            assert [c["id"] for c in list_cards(store)] == ["z"]
            raise RuntimeError("boom")
    assert list_cards(store) == []
    with store.transaction():
        upsert_cards(store, [card])
    assert [c["id"] for c in list_cards(store)] == ["z"]


def test_migration_applied_meanwhile_by_another_process_is_skipped(tmp_path):
    from benchagent.store.migrations import upgrade

    store = open_store(tmp_path / "x.db")
    upgrade(store.db, 0)  # what a second process does when it read version 0 before the first one committed
    assert store.one("PRAGMA user_version")["user_version"] == SCHEMA_VERSION
    assert store.query("SELECT * FROM runs") == []


def _old_store(path, version: int) -> sqlite3.Connection:
    """A database as a benchagent of schema `version` left it, opened without foreign keys."""
    from benchagent.store.sqlite import Database

    from benchagent.store.migrations import upgrade

    conn = sqlite3.connect(path, isolation_level=None)
    upgrade(Database(conn, execute_plugins=False), 0, version)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version
    return conn


def test_migration_2_files_existing_slot_reasons_under_their_category(tmp_path):
    path = tmp_path / "v1.db"
    conn = _old_store(path, 1)
    # the parents are left out: this connection does not enforce foreign keys, and the migration never reads them
    for i, (status, reason) in enumerate([("rejected", "ambiguity: two bars tie; leakage: says 40"),
                                          ("failed", "realization: no unique largest value"),
                                          ("rejected", "rejected"), ("accepted", None)]):
        conn.execute("INSERT INTO slots (id, run_id, subtask_id, source_id, record_index, seed, status, reason) "
                     "VALUES (?, 'r', 't', 'src', ?, 0, ?, ?)", (f"s{i}", i, status, reason))
    conn.close()
    store = open_store(path)
    assert [r["category"] for r in store.query("SELECT category FROM slots ORDER BY id")] == [
        "ambiguity", "realization", "rejected", None]


def test_a_store_of_the_previous_schema_upgrades_with_its_cards_searchable(tmp_path):
    """Version 4 had hand-written FTS triggers; version 5 has sqlite-utils' own, and the index is filled again."""
    path = tmp_path / "v4.db"
    conn = _old_store(path, SCHEMA_VERSION - 1)
    conn.execute("INSERT INTO runs (id, requirement, size, model, seed, status, started_at) "
                 "VALUES ('run_old', 'r', 1, 'm', 0, 'done', '2026-01-01')")
    conn.execute("INSERT INTO sources (id, name, kind, description, keywords, card) VALUES "
                 "('a', 'bar_chart_values', 'generator', 'bar charts', 'values', ?)",
                 ('{"id": "a", "modalities": []}',))
    conn.close()
    with open_store(path) as store:
        assert store.one("PRAGMA user_version")["user_version"] == SCHEMA_VERSION
        assert store.db["sources"].detect_fts() == "sources_fts"
        assert {t.name for t in store.db["sources"].triggers} == {"sources_ai", "sources_ad", "sources_au"}
        assert [c["id"] for c in search_cards(store, ["bar charts"])] == ["a"]
        upsert_cards(store, [dict(CARDS[0], description="rivers")])
        assert [c["id"] for c in search_cards(store, ["rivers"])] == ["a"]
        assert search_cards(store, ["charts"]) == []  # the old description left the index with the update
        assert store.one("SELECT id FROM runs")["id"] == "run_old"


def test_store_is_a_context_manager_that_closes(tmp_path):
    with open_store(tmp_path / "x.db") as store:
        store.insert("runs", {"id": "r", "requirement": "q", "size": 1, "model": "m", "seed": 0, "status": "done",
                              "started_at": now(), "settings": {"vision": True}})
    with pytest.raises(sqlite3.ProgrammingError):
        store.query("SELECT 1")
    with pytest.raises(RuntimeError):
        with open_store(tmp_path / "x.db") as again:
            raise RuntimeError("boom")
    with pytest.raises(sqlite3.ProgrammingError):
        again.query("SELECT 1")
    with open_store(tmp_path / "x.db", readonly=True) as reader:
        assert reader.one("SELECT settings FROM runs")["settings"] == '{"vision": true}'
