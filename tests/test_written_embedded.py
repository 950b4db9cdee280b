"""The embedded model writes items itself: a hand-made spec of comprehension questions on Python's docs, built."""

import json

import pytest
from spec_builds import build_spec

from benchagent.program.planner.plan_writer import template_plans
from benchagent.program.sources.builtin import builtin_source
from benchagent.signatures import Scope, Spec, SpecSource, SpecSubtask

pytestmark = pytest.mark.integration


def test_real_model_writes_items_with_briefs(tmp_path):
    about = "Docs comprehension: explain the main idea of a passage"
    plan = template_plans(builtin_source("builtin_python_docs").card, "choice", about=about)[0]
    assert [s.tool for s in plan.steps][1:3] == ["write_brief", "write_item"]
    spec = Spec(requirement="Reading comprehension of Python's documentation", seed=2,
                scope=Scope(topic="Python docs", modalities=["text"], keywords=["python", "docs", "comprehension"]),
                subtasks=[SpecSubtask(key="docs_main_idea", name="Docs comprehension", description=about,
                                      modalities=["text"], answer_type="choice", quota=2,
                                      sources=[SpecSource(source_id="builtin_python_docs", share=2, plan=plan)])])
    with build_spec(tmp_path, spec) as conn:
        samples = conn.execute("SELECT * FROM samples").fetchall()
        written = conn.execute(
            "SELECT outputs FROM steps WHERE name = 'Predict(WriteItem)' AND status = 'ok'").fetchall()
    assert samples and written  # slots that failed realization three times leave no sample
    for sample in samples:
        assert sample["answer_origin"] == "llm"
        brief = json.loads(sample["brief"])
        assert brief["core_facts"] and brief["goal"]
        options = json.loads(sample["options"])
        assert len(options) >= 2 and options.count(sample["answer"]) == 1
    for row in written:
        out = json.loads(row["outputs"])
        assert out["question"].strip() and out["answer"] in out["options"]
