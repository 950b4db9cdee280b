"""The embedded model on hand-made specs whose facets need a degradation step, and whose answers a tool computes from
content the model proposes."""

import json

import pytest
from spec_builds import build_spec

from benchagent.program.intent import contract
from benchagent.program.planner.facets import with_degradations
from benchagent.program.sources.catalog import catalog_cards
from benchagent.program.sources.recipes import recipe_for
from benchagent.program.tools.chemistry import parse_formula
from benchagent.signatures import Facet, Scope, Spec, SpecSource, SpecSubtask

pytestmark = pytest.mark.integration
CARDS = {c["id"]: c for c in catalog_cards()}


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
    conn = build_spec(tmp_path, spec)
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
