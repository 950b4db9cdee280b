"""Deterministic planner rules: quota apportionment, source spreading, plan validation, subtask keys."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchagent.program.errors import PlanValidationError
from benchagent.program.planner.allocation import SourceShare, exact_quotas, spread
from benchagent.program.planner.design import normalize_subtasks
from benchagent.program.planner.grounding import combine
from benchagent.program.planner.plan_check import validate_plan
from benchagent.signatures import PlanStep, SubtaskDraft, TransformPlan


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.floats(0, 100), min_size=1, max_size=8),
       st.integers(0, 10_000))
def test_exact_quotas_sum_to_size(weights, size):
    quotas = exact_quotas(weights, size)
    assert sum(quotas.values()) == size and set(quotas) == set(weights)
    assert all(q >= 0 for q in quotas.values())


def test_exact_quotas_follow_weights():
    assert exact_quotas({"a": 3, "b": 1}, 8) == {"a": 6, "b": 2}
    assert exact_quotas({"a": 0, "b": 0}, 3) == {"a": 2, "b": 1}


@given(st.integers(0, 500), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 300)), min_size=1, max_size=5))
def test_spread_respects_capacity_and_fills_what_it_can(quota, shares):
    sources = [SourceShare(f"s{i}", score, cap) for i, (score, cap) in enumerate(shares)]
    result = spread(quota, sources)
    assert all(result[s.source_id] <= s.capacity for s in sources)
    assert sum(result.values()) == min(quota, sum(s.capacity for s in sources))
    assert spread(quota, sources) == result


def test_spread_caps_each_source_before_topping_up():
    sources = [SourceShare("best", 0.9, 100), SourceShare("other", 0.5, 100)]
    assert spread(5, sources) == {"best": 3, "other": 2}
    assert spread(5, [SourceShare("best", 0.9, 1), SourceShare("other", 0.5, 100)]) == {"best": 1, "other": 4}


def step(kind, tool, inputs, outputs):
    return PlanStep(kind=kind, tool=tool, inputs=inputs, outputs=outputs, instruction="x")


GOOD = TransformPlan(kind="metadata_rich", steps=[
    step("PURE", "target", ["original.values", "slot.seed"], ["interim.goal", "final.output.answer:answer"]),
    step("PURE", "chart", ["original.values"], ["final.input.image:image"]),
    step("LLM", "phrase_question", ["interim.goal"], ["final.input.question"]),
])
RULES = dict(answer_type="number", modalities=["image"], record_fields={"values"}, tools={"target", "chart"},
             predictors={"phrase_question"})


def test_valid_plan_passes():
    validate_plan(GOOD, **RULES)


@pytest.mark.parametrize("change, message", [
    (lambda s: s[:2], "never produces"),
    (lambda s: [step("PURE", "nope", [], ["interim.x"])] + s, "unknown tool"),
    (lambda s: [step("LLM", "phrase_question", ["interim.later"], ["final.input.question"])] + s,
     "before anything produces"),
    (lambda s: s + [step("PURE", "chart", ["final.output.answer"], ["final.input.hint"])], "copies final.output"),
    (lambda s: s + [step("PURE", "chart", ["original.values"], ["original.values"])], "writes into the source"),
    (lambda s: s + [step("PURE", "chart", ["secret.x"], ["interim.y"])], "outside"),
])
def test_invalid_plans_are_refused(change, message):
    plan = TransformPlan(kind="metadata_rich", steps=change(list(GOOD.steps)))
    with pytest.raises(PlanValidationError, match=message):
        validate_plan(plan, **RULES)


def test_choice_plans_must_make_options():
    with pytest.raises(PlanValidationError, match="final.input.options"):
        validate_plan(GOOD, **{**RULES, "answer_type": "choice"})


def draft(key, name):
    return SubtaskDraft(key=key, name=name, description="d", capability="c", modalities=["text"], answer_type="label",
                        rationale="r")


def test_subtask_keys_are_unique_slugs_and_bounded():
    result = normalize_subtasks([draft("Read Value!", "A"), draft("read value", "B"), draft("x", "a"),
                                 draft("", "Compare Bars"), draft("z", "Z")], 3)
    assert [d.key for d in result] == ["read_value", "read_value_2", "compare_bars"]


def test_combined_score_weights_and_clamps():
    assert combine({"alignment": 1, "coverage": 1, "simplicity": 1, "risk": 0}) == 1.0
    assert combine({"alignment": 0, "coverage": 0, "simplicity": 0, "risk": 1}) == 0.0
    assert combine({"alignment": 2, "coverage": -1, "simplicity": 0.5, "risk": 0.5}) == pytest.approx(0.55)


def test_near_duplicate_subtasks_are_dropped():
    kept = normalize_subtasks([draft("a", "Read values from bar chart"),
                               draft("b", "Read values from bar chart with labels"),
                               draft("c", "Compare two bars")], 3)
    assert [d.name for d in kept] == ["Read values from bar chart", "Compare two bars"]


def test_record_order_is_seeded_distinct_and_near_the_start_for_generators():
    from benchagent.program.executor.quota import EXCHANGEABLE_WINDOW, Scheduler
    spread_out = Scheduler.record_order(3, "read", "builtin_elements", 118, 40)
    assert len(set(spread_out)) == 40 and max(spread_out) > 40
    drawn = Scheduler.record_order(3, "read", "gen_bar_chart_values", 10_000, 40, exchangeable=True)
    assert drawn == Scheduler.record_order(3, "read", "gen_bar_chart_values", 10_000, 40, exchangeable=True)
    assert len(set(drawn)) == 40 and max(drawn) < EXCHANGEABLE_WINDOW * 40
    assert drawn != Scheduler.record_order(4, "read", "gen_bar_chart_values", 10_000, 40, exchangeable=True)
    assert sorted(Scheduler.record_order(0, "k", "gen_x", 30, 20, exchangeable=True)) != list(range(20))
    assert len(Scheduler.record_order(0, "k", "gen_x", 30, 50, exchangeable=True)) == 30


def test_restored_slots_are_booked_as_the_process_that_ran_them_left_them():
    from benchagent.program.executor.quota import Job, Scheduler, SourceQuota, SubtaskQuota
    source = SourceQuota("grd", "gen_x", GOOD, 4, [0, 1, 2, 3, 4])
    subtask = SubtaskQuota("sub", draft("read", "Read"), 4, 12, [source])
    scheduler = Scheduler([subtask], 0)
    for index, status, category, spent in [(0, "accepted", None, True), (1, "rejected", "off_target", True),
                                           (2, "failed", "malformed model output", False), (3, "pending", None, True)]:
        scheduler.restore(Job(subtask, source, index, 7, f"slot{index}"), status, category, spent=spent)
    assert (source.used, source.accepted, source.off_target, subtask.attempts) == ({0, 1, 2, 3}, 1, 1, 2)
    assert subtask.reasons == {"off_target": 1, "malformed model output": 1}
    redo = scheduler.next_job()
    assert (redo.slot_id, redo.index, subtask.attempts, source.inflight) == ("slot3", 3, 3, 1)
    assert scheduler.next_job().index == 4
