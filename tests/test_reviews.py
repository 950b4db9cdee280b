"""The reviews API on a real store: validation, all-or-nothing batches, the pending queue and the counts."""

import sqlite3
from pathlib import Path

import pytest

from benchagent.store import open_store
from benchagent.store.errors import NotFoundError
from benchagent.store.reviews import (ReviewError, add_review, add_reviews, check_reviews, pending_samples,
                                      review_counts)


def add_samples(path: Path, ids: dict, questions: list[str]) -> list[str]:
    """Add one text sample per question to the fixture run, created after smp_1 in order; returns their ids."""
    store = open_store(path)
    made = []
    for n, question in enumerate(questions, 2):
        store.insert("slots", {"id": f"slot_{n}", "run_id": ids["run"], "subtask_id": ids["subtask"],
                               "source_id": ids["source"], "record_index": n, "seed": n, "status": "accepted"})
        store.insert("samples", {
            "id": f"smp_{n}", "run_id": ids["run"], "subtask_id": ids["subtask"], "slot_id": f"slot_{n}",
            "source_id": ids["source"], "record": {"n": n}, "question": question, "options": ["yes", "no"],
            "answer": "yes", "status": "ok", "created_at": f"2026-01-01T00:01:{n:02d}.000+00:00",
        })
        made.append(f"smp_{n}")
    store.close()
    return made


def reviews(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("select sample_id, reviewer, decision, reason from reviews order by rowid").fetchall()


@pytest.fixture
def store(sample_db):
    path, ids = sample_db
    add_samples(path, ids, ["Is 2 even?", "Is 3 even?"])
    store = open_store(path)
    yield store
    store.close()


def test_add_review_normalizes_and_writes(store):
    first = add_review(store, "smp_1", " Accept ", None, "ann")
    add_review(store, "smp_2", "reject", "Choice  uniqueness", "ann")
    add_review(store, "smp_3", "reject", "  the chart has no axis labels ", " bob ")
    assert first.startswith("rev_")
    assert reviews(store.path) == [
        ("smp_1", "ann", "accept", None),
        ("smp_2", "ann", "reject", "choice_uniqueness"),
        ("smp_3", "bob", "reject", "the chart has no axis labels"),
    ]
    assert store.one("select created_at from reviews where id = ?", (first,))["created_at"].startswith("20")


@pytest.mark.parametrize("sample_id, decision, reason, reviewer, message", [
    ("smp_1", "maybe", None, "ann", "decision must be accept or reject"),
    ("smp_1", "reject", None, "ann", "a rejection needs a reason"),
    ("smp_1", "reject", "   ", "ann", "a rejection needs a reason"),
    ("smp_1", "reject", 5, "ann", "reason must be text"),
    ("smp_1", "reject", "x" * 2001, "ann", "longer than 2000"),
    ("smp_1", "accept", None, " ", "reviewer must be"),
])
def test_add_review_refuses_bad_values(store, sample_id, decision, reason, reviewer, message):
    with pytest.raises(ReviewError, match=message):
        add_review(store, sample_id, decision, reason, reviewer)
    assert reviews(store.path) == []


def test_add_review_refuses_an_unknown_sample(store):
    with pytest.raises(NotFoundError, match="no sample 'smp_9'"):
        add_review(store, "smp_9", "accept", None, "ann")
    assert reviews(store.path) == []


def test_add_reviews_is_all_or_nothing(store):
    rows = [
        {"sample_id": "smp_1", "decision": "accept", "reviewer": "ann"},
        {"sample_id": "nope", "decision": "accept", "reviewer": "ann"},
        {"sample_id": "smp_2", "decision": "yes", "reviewer": "ann"},
        {"sample_id": "smp_1", "decision": "reject", "reason": "ambiguity", "reviewer": "ann"},
        {"decision": "accept", "reviewer": "ann"},
    ]
    with pytest.raises(ReviewError) as caught:
        add_reviews(store, rows)
    assert [(i, m.split(" ")[0]) for i, m in caught.value.problems] == [
        (1, "unknown"), (2, "decision"), (3, "sample"), (4, "sample_id")]
    assert "reviewed twice by 'ann'" in caught.value.problems[2][1]
    assert check_reviews(store, rows) == caught.value.problems
    assert reviews(store.path) == []
    add_reviews(store, [rows[0], {**rows[3], "reviewer": "bob"}])
    assert reviews(store.path) == [("smp_1", "ann", "accept", None), ("smp_1", "bob", "reject", "ambiguity")]


def test_pending_samples_skip_what_the_reviewer_did(store):
    queue = pending_samples(store, reviewer="ann")
    assert [s["id"] for s in queue] == ["smp_1", "smp_2", "smp_3"]
    first = queue[0]
    assert (first["image_id"], first["options"], first["answer"], first["record"], first["subtask"]) == (
        "ast_1", ["red", "green", "blue"], "green", {"values": [60, 120, 90]}, "Bar chart reading")
    assert queue[1]["image_id"] is None
    add_review(store, "smp_1", "accept", None, "ann")
    add_review(store, "smp_2", "accept", None, "bob")
    assert [s["id"] for s in pending_samples(store, "run_1", reviewer="ann")] == ["smp_2", "smp_3"]
    assert [s["id"] for s in pending_samples(store, reviewer="bob")] == ["smp_1", "smp_3"]
    with pytest.raises(NotFoundError, match="no run 'run_9'"):
        pending_samples(store, "run_9", reviewer="ann")


def test_review_counts_use_each_samples_latest_review(store):
    assert review_counts(store, "run_1") == {"samples": 3, "reviewed": 0, "accept": 0, "reject": 0}
    add_review(store, "smp_1", "reject", "leakage", "ann")
    add_review(store, "smp_1", "accept", None, "ann")
    add_review(store, "smp_2", "reject", "ambiguity", "bob")
    assert review_counts(store, "run_1") == {"samples": 3, "reviewed": 2, "accept": 1, "reject": 1}
    assert review_counts(store) == review_counts(store, "run_1")
    with pytest.raises(NotFoundError):
        review_counts(store, "run_9")
