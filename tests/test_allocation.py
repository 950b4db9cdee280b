"""The allocation agent against a scripted LM: quotas, spreading over shared sources, shortfall diagnosis rounds."""

from collections import Counter

import dspy
from hypothesis import given, settings
from hypothesis import strategies as st
from scripted_lm import ScriptedLM

from benchagent.program.planner.allocation import Allocation, AllocationAgent, SourceShare
from benchagent.signatures import SubtaskDraft


class SequencedLM(ScriptedLM):
    """A reply that is a list is used in order, one per call; its last entry then repeats."""

    def _format_answer_fields(self, replies):
        if isinstance(replies, list):
            replies = replies.pop(0) if len(replies) > 1 else replies[0]
        return super()._format_answer_fields(replies)


def scripted(quotas: dict[str, tuple[float, int]], diagnoses=None) -> SequencedLM:
    """quotas: key -> (importance, quota); diagnoses: one reply per round, each a list of (key, cause, action)."""
    replies = {"fields: `quotas`": {"quotas": [{"key": k, "importance": i, "quota": q}
                                               for k, (i, q) in quotas.items()]}}
    if diagnoses is not None:
        replies["fields: `diagnoses`"] = [
            {"diagnoses": [{"key": k, "cause": c, "action": a, "rationale": f"{a} {k}"} for k, c, a in reply]}
            if isinstance(reply, list) else reply for reply in diagnoses]
    return SequencedLM(replies, adapter=dspy.JSONAdapter())


def draft(key: str) -> SubtaskDraft:
    return SubtaskDraft(key=key, name=key, description=f"items of {key}", capability="c", modalities=["text"],
                        answer_type="label", rationale="r")


def allocate(lm, sources: dict[str, list[SourceShare]], size: int, rounds: int = 2, keys=None) -> Allocation:
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return AllocationAgent()(requirement="read bar charts", subtasks=[draft(k) for k in keys or sources],
                                 size=size, sources=sources, rounds=rounds)


def check(result: Allocation, sources: dict[str, list[SourceShare]], size: int) -> None:
    """The guarantees that hold whatever the LLM says."""
    capacity = {s.source_id: s.capacity for listed in sources.values() for s in listed}
    used = Counter()
    for key, quota in result.quotas.items():
        assert sum(result.shares[key].values()) == quota >= 0
        used.update(result.shares[key])
    assert all(used[sid] <= cap for sid, cap in capacity.items())
    assert sum(result.quotas.values()) + result.unfillable == size
    assert result.unfillable == max(0, size - sum(capacity.values()))
    assert bool(result.reasons) == bool(result.unfillable)


def steps(result: Allocation) -> list[tuple]:
    return [(d["round"], d["key"], d["cause"], d["action"], d["unfilled"]) for d in result.diagnoses]


def test_nothing_short_takes_one_call_and_follows_the_proposal():
    sources = {"a": [SourceShare("s1", 0.9, 100), SourceShare("s2", 0.5, 100)], "b": [SourceShare("s3", 0.7, 100)]}
    lm = scripted({"a": (0.8, 6), "b": (0.4, 4)})
    result = allocate(lm, sources, 10)
    assert len(lm.history) == 1
    assert result == Allocation({"a": 6, "b": 4}, {"a": 0.8, "b": 0.4}, {"a": {"s1": 3, "s2": 3}, "b": {"s3": 4}})


def test_proposal_is_scaled_to_the_size():
    sources = {"a": [SourceShare("s1", 0.9, 100)], "b": [SourceShare("s2", 0.7, 100)]}
    result = allocate(scripted({"a": (0.5, 30), "b": (0.5, 10)}), sources, 8)
    assert result.quotas == {"a": 6, "b": 2}


def test_a_lone_subtask_takes_the_whole_size_without_a_call():
    sources = {"a": [SourceShare("s1", 0.9, 50)]}
    lm = scripted({"a": (0.1, 3)}, [])
    result = allocate(lm, sources, 12)
    assert lm.history == [] and result.quotas == {"a": 12} and result.importance == {"a": 1.0}
    check(result, sources, 12)


def test_exhausted_source_is_diagnosed_and_requota_moves_the_rest_by_importance():
    sources = {"a": [SourceShare("s1", 0.9, 2)], "b": [SourceShare("s2", 0.5, 100)], "c": [SourceShare("s3", 0.5, 100)]}
    lm = scripted({"a": (1.0, 6), "b": (0.75, 2), "c": (0.25, 2)}, [[("a", "source_exhausted", "requota")]])
    result = allocate(lm, sources, 10)
    assert len(lm.history) == 2
    assert "a: quota 6, unfilled 4; s1 has 2: 2 here, 0 to others" in lm.history[1]["messages"][-1]["content"]
    assert steps(result) == [(1, "a", "source_exhausted", "requota", 4)]
    assert result.quotas == {"a": 2, "b": 5, "c": 3}
    assert not result.redesign
    check(result, sources, 10)


def test_order_starvation_is_fixed_by_reordering():
    shared = SourceShare("s1", 0.9, 10)
    sources = {"a": [shared, SourceShare("s2", 0.5, 10)], "b": [shared]}
    lm = scripted({"a": (0.9, 10), "b": (0.5, 10)}, [[("b", "order_starvation", "reorder")]])
    result = allocate(lm, sources, 20)
    assert "b: quota 10, unfilled 5; s1 has 10: 5 here, 5 to others" in lm.history[1]["messages"][-1]["content"]
    assert len(lm.history) == 2
    assert steps(result) == [(1, "b", "order_starvation", "reorder", 5)]
    assert result.quotas == {"a": 10, "b": 10}
    assert result.shares == {"a": {"s1": 0, "s2": 10}, "b": {"s1": 10}}


def test_a_reorder_that_leaves_more_unfilled_is_undone():
    shared = SourceShare("s1", 0.9, 10)
    sources = {"x": [shared, SourceShare("s2", 0.1, 10)], "y": [shared]}
    lm = scripted({"x": (0.1, 12), "y": (0.9, 10)}, [[("x", "order_starvation", "reorder")]])
    result = allocate(lm, sources, 22, rounds=1)
    assert steps(result) == [(1, "x", "order_starvation", "reorder", 2), (2, "x", "insufficient_supply", "requota", 2)]
    assert result.shares == {"x": {"s1": 0, "s2": 10}, "y": {"s1": 10}} and result.unfillable == 2
    check(result, sources, 22)


def test_redesign_reports_the_subtask_and_moves_its_quota():
    sources = {"a": [], "b": [SourceShare("s2", 0.5, 100)]}
    lm = scripted({"a": (0.5, 5), "b": (0.5, 5)}, [[("a", "insufficient_supply", "redesign")]])
    result = allocate(lm, sources, 10)
    assert len(lm.history) == 2
    assert "a: quota 5, unfilled 5; no source" in lm.history[1]["messages"][-1]["content"]
    assert result.redesign == {"a": "redesign a"}
    assert result.quotas == {"a": 0, "b": 10} and result.shares["a"] == {}
    check(result, sources, 10)


def test_round_limit_bounds_the_calls_then_code_moves_the_rest():
    sources = {"a": [SourceShare("s1", 0.9, 2)], "b": [SourceShare("s2", 0.5, 100)]}
    for rounds in (0, 1, 3):
        lm = scripted({"a": (0.5, 5), "b": (0.5, 5)}, [[("a", "order_starvation", "reorder")]])
        result = allocate(lm, sources, 10, rounds=rounds)
        assert len(lm.history) == 1 + rounds
        assert steps(result) == [(r, "a", "order_starvation", "reorder", 3) for r in range(1, rounds + 1)] + [
            (rounds + 1, "a", "source_exhausted", "requota", 3)]
        assert result.diagnoses[-1]["rationale"] == (
            "round limit reached: code moved 3 of 3 unfilled items to other subtasks")
        assert result.quotas == {"a": 2, "b": 8}
        check(result, sources, 10)


def test_short_supply_is_reported_not_silently_shrunk():
    sources = {"a": [SourceShare("s1", 0.9, 3)], "b": [SourceShare("s2", 0.5, 4)]}
    lm = scripted({"a": (0.5, 5), "b": (0.5, 5)},
                  [[("a", "insufficient_supply", "requota"), ("b", "insufficient_supply", "redesign")]])
    result = allocate(lm, sources, 10)
    assert len(lm.history) == 3
    assert result.quotas == {"a": 3, "b": 4} and result.unfillable == 3
    assert result.reasons == {
        "a": "2 of its 5 items cannot be placed: its sources s1 (3 records) are used up and no other subtask has "
             "records left",
        "b": "1 of its 5 items cannot be placed: its sources s2 (4 records) are used up and no other subtask has "
             "records left"}
    assert result.redesign == {"b": "redesign b"}
    check(result, sources, 10)


def test_unparsable_diagnosis_falls_back_to_requota_when_others_have_room():
    sources = {"a": [SourceShare("s1", 0.9, 2)], "b": [SourceShare("s2", 0.5, 100)], "c": []}
    lm = scripted({"a": (0.5, 4), "b": (0.5, 4), "c": (0.5, 2)}, [{"diagnoses": "not a list"}])
    result = allocate(lm, sources, 10)
    assert len(lm.history) == 2
    assert [(d["key"], d["cause"], d["action"], d["rationale"]) for d in result.diagnoses] == [
        ("a", "source_exhausted", "requota", "diagnosis could not be parsed; default action requota"),
        ("c", "source_exhausted", "requota", "diagnosis could not be parsed; default action requota")]
    assert result.quotas == {"a": 2, "b": 8, "c": 0}
    check(result, sources, 10)


def test_missing_diagnosis_falls_back_to_redesign_when_nobody_has_room():
    sources = {"a": [SourceShare("s1", 0.9, 2)], "b": [SourceShare("s2", 0.5, 3)]}
    lm = scripted({"a": (0.5, 5), "b": (0.5, 5)}, [[]])
    result = allocate(lm, sources, 10)
    assert len(lm.history) == 3
    assert steps(result)[:2] == [(1, "a", "insufficient_supply", "redesign", 3),
                                 (1, "b", "insufficient_supply", "redesign", 2)]
    assert result.redesign == {"a": "no diagnosis given; default action redesign",
                               "b": "no diagnosis given; default action redesign"}
    assert result.quotas == {"a": 2, "b": 3} and result.unfillable == 5
    check(result, sources, 10)


CAUSES = ["source_exhausted", "order_starvation", "insufficient_supply"]
ACTIONS = ["reorder", "requota", "redesign"]


@st.composite
def situations(draw):
    pool = {f"s{i}": SourceShare(f"s{i}", draw(st.floats(0, 1)), draw(st.integers(0, 30))) for i in range(4)}
    keys = [f"k{i}" for i in range(draw(st.integers(1, 4)))]
    sources = {k: [pool[s] for s in draw(st.lists(st.sampled_from(sorted(pool)), max_size=3, unique=True))]
               for k in keys}
    proposal = {k: (draw(st.floats(0, 1)), draw(st.integers(-2, 40))) for k in keys}
    replies = draw(st.lists(st.one_of(
        st.just({"diagnoses": "unparsable"}),
        st.lists(st.tuples(st.sampled_from(keys), st.sampled_from(CAUSES), st.sampled_from(ACTIONS)), max_size=4)),
        min_size=1, max_size=3))
    return sources, proposal, replies, draw(st.integers(0, 100)), draw(st.integers(0, 3))


@settings(max_examples=60, deadline=None)
@given(situations())
def test_guarantees_hold_whatever_the_llm_says(case):
    sources, proposal, replies, size, rounds = case
    lm = scripted(proposal, list(replies))
    result = allocate(lm, sources, size, rounds=rounds)
    check(result, sources, size)
    llm_rounds = {d["round"] for d in result.diagnoses if d["round"] <= rounds}
    proposed = len(sources) > 1  # a lone subtask takes the whole size without asking
    assert len(lm.history) == proposed + len(llm_rounds) and llm_rounds == set(range(1, len(llm_rounds) + 1))
    assert allocate(scripted(proposal, list(replies)), sources, size, rounds=rounds) == result
