"""The embedded model on hand-made specs whose facets need a degradation step, and whose answers a tool computes from
content the model proposes; and a user's folder of documents built from a one-line requirement, planning included,
its items written by the model from briefs it planned."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from spec_builds import build_spec

from benchagent.program.intent import contract
from benchagent.program.planner.facets import with_degradations
from benchagent.program.sources.catalog import catalog_cards
from benchagent.program.sources.recipes import recipe_for
from benchagent.program.tools.chemistry import parse_formula
from benchagent.signatures import Facet, Scope, Spec, SpecSource, SpecSubtask

pytestmark = pytest.mark.integration
CARDS = {c.id: c for c in catalog_cards()}


def test_real_model_builds_degraded_charts_the_facet_asks_for(tmp_path):
    requirement = "Test whether a model can read values off bar charts that are blurred or noisy"
    scope = contract(requirement, Scope(topic="degraded bar charts", modalities=["image"], keywords=["bar", "chart"],
                                        facets=[Facet(kind="degradation", value="blurred or noisy charts",
                                                      quote="blurred or noisy")]))
    plan = with_degradations(recipe_for(CARDS["gen_bar_chart_values"], "choice"), scope.facets, requirement)
    keys = [f.key for f in scope.facets]
    spec = Spec(requirement=requirement, seed=3, scope=scope, subtasks=[SpecSubtask(
        key="read_degraded", name="Read a degraded bar", description="ask the value of one bar of a degraded chart",
        facets=keys, modalities=["image"], answer_type="choice", quota=1,
        sources=[SpecSource(source_id="gen_bar_chart_values", share=1, plan=plan)])])
    conn = build_spec(tmp_path, spec, may_deliver_nothing=True)  # the 1.5B fit check may reject all three tries
    calls = conn.execute("SELECT result FROM tool_calls WHERE tool = 'degrade_image'").fetchall()
    assert calls and {json.loads(c["result"])["degradation"] for c in calls} <= {"blur", "noise"}
    fits = conn.execute("SELECT passed FROM verdicts WHERE stage = 'fit'").fetchall()
    assert fits  # every item that passed the checks met the fit check
    for sample in conn.execute("SELECT * FROM samples WHERE status IN ('ok', 'fixed')"):
        asset = conn.execute("SELECT name FROM assets WHERE sample_id = ?", (sample["id"],)).fetchone()
        assert asset is not None
        assert json.loads(sample["options"]).count(sample["answer"]) == 1


def test_real_model_proposes_compounds_whose_mass_a_tool_computes(tmp_path):
    requirement = "Test whether a model can compute the molar mass of compounds from their chemical formula"
    scope = contract(requirement, Scope(topic="molar mass", modalities=["text"], keywords=["molar", "mass"]))
    spec = Spec(requirement=requirement, seed=1, scope=scope, subtasks=[SpecSubtask(
        key="molar_mass", name="Molar mass", description="compute the molar mass of a compound from its formula",
        facets=[f.key for f in scope.facets], modalities=["text"], answer_type="choice", quota=2,
        sources=[SpecSource(source_id="gen_proposed_compounds", share=2,
                            plan=recipe_for(CARDS["gen_proposed_compounds"], "choice"))])])
    conn = build_spec(tmp_path, spec)
    proposals = conn.execute("SELECT outputs FROM steps WHERE name = 'Predict(ProposeContent)' AND status = 'ok'")
    assert proposals.fetchall()
    weighed = conn.execute("SELECT args, result FROM tool_calls WHERE tool = 'molar_mass_target' AND status = 'ok'")
    computed = {json.loads(r["args"])["formula"]: json.loads(r["result"])["answer"] for r in weighed}
    assert computed
    assert all(s["answer_origin"] == "tool" for s in conn.execute("SELECT answer_origin FROM samples"))
    for sample in conn.execute("SELECT * FROM samples WHERE status IN ('ok', 'fixed')"):
        formula = next(f for f in computed if f in sample["question"])  # the target check makes the question name it
        _, atoms = parse_formula(formula)
        assert sample["answer"] == computed[formula]
        assert abs(float(sample["answer"]) - sum(e.mass * n for e, n in atoms.items())) < 0.006


NEWS = {
    "library.txt": "The public library of Marston reopened on Monday after an eighteen-month renovation. The council "
                   "spent 2.4 million pounds on a new roof, a children's wing and a cafe run by volunteers. On the "
                   "first day 1,200 visitors came through the doors, twice the number the staff had expected. The "
                   "head librarian, Ruth Okafor, said the queue reached the market square before opening time.",
    "bridge.txt": "Repairs to the Old Mill bridge in Hadley will close it to cars until March, the county said on "
                  "Tuesday. Engineers found cracks in two of the three stone arches during an inspection in the "
                  "autumn. Buses will take a detour of four miles through Westbury, and a temporary footbridge will "
                  "let walkers cross the river. Shop owners on Mill Street fear they will lose customers.",
    "orchard.txt": "A community orchard planted by pupils of Greenfield Primary School produced its first harvest "
                   "this week. The forty apple trees were planted five years ago on land given by a local farmer. The "
                   "children picked 300 kilograms of apples, which they will press into juice and sell at the school "
                   "fair to pay for new books.",
}


def test_real_model_builds_comprehension_items_from_a_users_documents(tmp_path):
    docs = tmp_path / "news"
    docs.mkdir()
    for name, text in NEWS.items():
        (docs / name).write_text(text + "\n", encoding="utf-8")
    db = tmp_path / "docs.db"
    env = {**os.environ, "DSPY_CACHEDIR": str(tmp_path / "dspy-cache")}
    built = subprocess.run(
        [sys.executable, "-m", "benchagent", "build",
         "Write reading comprehension questions about my local news articles", "--source", str(docs),
         "--size", "2", "--db", str(db)], capture_output=True, text=True, env=env, timeout=1500)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    sources = {r["source_id"] for r in conn.execute("SELECT source_id FROM groundings WHERE accepted = 1")}
    assert sources and all(s.startswith("user_") for s in sources)
    written = [json.loads(r["outputs"]) for r in conn.execute(
        "SELECT outputs FROM steps WHERE name = 'Predict(WriteItem)' AND status = 'ok'")]
    assert written  # the model wrote items itself, from a brief it planned
    for out in written:
        assert out["question"].strip() and out["answer"] in out["options"]
    samples = conn.execute("SELECT * FROM samples WHERE status IN ('ok', 'fixed')").fetchall()
    if not samples:  # the 1.5B model's items vary from run to run; some runs have every one rejected by the checks
        assert built.returncode == 1 and "no item was delivered" in built.stderr, built.stderr[-2000:]
        assert conn.execute("SELECT count(*) FROM samples WHERE status = 'rejected'").fetchone()[0]
        return
    assert built.returncode == 0, built.stderr[-2000:]
    texts = " ".join(NEWS.values())
    for sample in samples:
        assert sample["source_id"] in sources
        context = json.loads(sample["input"]).get("context", "")
        assert context and context.strip()[:40] in texts  # the item shows a part of one of the user's articles
        fits = conn.execute("SELECT passed FROM verdicts WHERE sample_id = ? AND stage = 'fit'", (sample["id"],))
        assert [r["passed"] for r in fits] == [1]
        brief, options = json.loads(sample["brief"]), json.loads(sample["options"])
        assert sample["answer_origin"] == "llm" and brief["core_facts"] and brief["goal"]
        assert len(options) >= 2 and options.count(sample["answer"]) == 1
