"""Answer options, gold placement and balance, and the tool registry they are served through."""

import threading
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from benchagent.program.tools import ToolError, ToolInput, ToolOutput, get_tool, list_tools, run_tool, tool
from benchagent.program.tools.options import (
    GoldBalancer, make_label_options, make_number_options, place_gold,
)

seeds = st.integers(0, 2**32)


@given(st.integers(-10**6, 10**6), seeds, st.integers(2, 8))
def test_number_options_distinct_gold_once_same_digits(answer, seed, n):
    options = make_number_options(answer, seed, n)
    assert options == make_number_options(answer, seed, n)
    assert len(options) == len(set(options)) == n and options[0] == answer
    assert all((o < 0) == (answer < 0) for o in options)
    assert {len(str(abs(o))) for o in options} == {len(str(abs(answer)))}


@given(st.integers(0, 10**6), seeds, st.integers(1, 500))
def test_number_options_keep_the_step(answer, seed, step):
    options = make_number_options(answer, seed, 4, step=step)
    assert len(set(options)) == 4 and all(o >= 0 and (o - answer) % step == 0 for o in options)


def test_number_options_near_and_gold_rank_varies():
    ranks = Counter(sorted(make_number_options(470, seed)).index(470) for seed in range(400))
    assert set(ranks) == {0, 1, 2, 3} and min(ranks.values()) > 60
    assert all(abs(o - 470) <= 60 and o % 10 == 0 for seed in range(50) for o in make_number_options(470, seed))


def test_number_options_fall_back_when_digits_run_out():
    options = make_number_options(5, seed=1, n=12)
    assert len(set(options)) == 12 and min(options) >= 0


@given(st.lists(st.text(min_size=1, max_size=12), min_size=3, max_size=30), seeds)
def test_label_options_come_from_pool(pool, seed):
    answer = pool[0].strip() or "gold"
    distinct = {p.strip().casefold() for p in pool if p.strip()} - {answer.casefold()}
    if len(distinct) < 3:
        with pytest.raises(ValueError, match="need 3"):
            make_label_options(answer, pool, seed)
        return
    options = make_label_options(answer, pool, seed)
    assert options == make_label_options(answer, pool, seed)
    assert options[0] == answer and len({o.casefold() for o in options}) == 4
    assert all(o.casefold() in distinct for o in options[1:])


def test_label_options_prefer_similar_lengths():
    pool = ["Oslo", "Rome", "Lima", "Kyiv", "Bern", "Ouagadougou", "Antananarivo", "Naypyidaw"]
    for seed in range(20):
        assert all(len(o) <= 5 for o in make_label_options("Doha", pool, seed))


@given(st.lists(st.integers(), min_size=2, max_size=10, unique=True), st.data())
def test_place_gold(options, data):
    gold = data.draw(st.sampled_from(options))
    position = data.draw(st.integers(0, len(options) - 1))
    placed = place_gold(options, gold, position)
    assert placed[position] == gold and sorted(placed) == sorted(options)
    assert [o for o in placed if o != gold] == [o for o in options if o != gold]


def test_place_gold_refuses_missing_or_repeated_gold():
    with pytest.raises(ValueError, match="exactly once"):
        place_gold(["a", "b"], "c", 0)
    with pytest.raises(ValueError, match="exactly once"):
        place_gold(["a", "a", "b"], "a", 0)
    with pytest.raises(ValueError, match="outside"):
        place_gold(["a", "b"], "a", 2)


def test_balancer_spreads_gold_letters_evenly():
    balancer = GoldBalancer(n=4, seed=3)
    picks = [balancer.next() for _ in range(100)]
    assert Counter(picks) == {0: 25, 1: 25, 2: 25, 3: 25}
    blocks = {tuple(picks[i:i + 4]) for i in range(0, 100, 4)}
    assert len(blocks) > 5 and all(sorted(b) == [0, 1, 2, 3] for b in blocks)
    again = GoldBalancer(n=4, seed=3)
    assert [again.next() for _ in range(100)] == picks


def test_balancer_resumes_from_counts():
    original = GoldBalancer(n=4, seed=11)
    first = [original.next() for _ in range(37)]
    resumed = GoldBalancer(n=4, seed=11, used=[first.count(p) for p in range(4)])
    assert [resumed.next() for _ in range(50)] == [original.next() for _ in range(50)]
    skewed = GoldBalancer(n=4, seed=0, used=[10, 3, 3, 3])
    assert 0 not in [skewed.next() for _ in range(21)] and skewed.counts == [10, 10, 10, 10]
    with pytest.raises(ValueError, match="4 non-negative counts"):
        GoldBalancer(n=4, used=[1, 2])


def test_balancer_is_thread_safe():
    balancer = GoldBalancer(n=4, seed=5)
    threads = [threading.Thread(target=lambda: [balancer.next() for _ in range(500)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert balancer.counts == [1000, 1000, 1000, 1000]


def test_shuffle_options_tool():
    args = {"options": ["Apples", "Pears", "Plums", "Cherries"], "gold": "Plums", "seed": 9}
    seeded = run_tool("shuffle_options", args)
    assert seeded.result == run_tool("shuffle_options", args).result
    assert seeded.output.options[seeded.output.gold_index] == "Plums"
    placed = run_tool("shuffle_options", {**args, "position": 3}).result
    assert placed["options"][3] == "Plums" and placed["gold_letter"] == "D"
    assert sorted(placed["options"]) == sorted(args["options"])
    letters = Counter(run_tool("shuffle_options", {**args, "seed": s}).output.gold_letter for s in range(200))
    assert set(letters) == set("ABCD")


@pytest.mark.parametrize("args, message", [
    ({"options": ["a", "b"], "gold": "c"}, "exactly once"),
    ({"options": ["a", "A", "b"], "gold": "a"}, "distinct"),
    ({"options": ["a", "b"], "gold": "a", "position": 2}, "outside 0..1"),
    ({"options": ["a"], "gold": "a"}, "at least 2"),
])
def test_shuffle_options_refuses_bad_args(args, message):
    with pytest.raises(ToolError, match=message):
        run_tool("shuffle_options", args)


def test_option_tools():
    numbers = run_tool("number_options", {"answer": 35, "seed": 2, "step": 5}).result["options"]
    assert numbers[0] == 35 and len(set(numbers)) == 4 and all(n % 5 == 0 for n in numbers)
    labels = run_tool("label_options", {"answer": "Pears", "pool": ["Apples", "Pears", "Plums", "Figs"]}).result
    assert sorted(labels["options"]) == ["Apples", "Figs", "Pears", "Plums"]
    with pytest.raises(ToolError, match="label_options: pool has 1 distinct"):
        run_tool("label_options", {"answer": "Pears", "pool": ["Pears", "Figs"]})


def test_registry_lookup_and_errors():
    names = [t.name for t in list_tools()]
    assert names == sorted(names) and {"bar_chart", "shuffle_options", "number_options"} <= set(names)
    with pytest.raises(ToolError, match="unknown tool 'eval'; known tools: bar_chart"):
        run_tool("eval", {})
    with pytest.raises(ToolError, match="arguments must be a JSON object"):
        run_tool("shuffle_options", ["a", "b"])
    assert get_tool("shuffle_options").spec()["input"]["required"] == ["options", "gold"]


def test_tool_decorator_checks_types_and_names():
    class Args(ToolInput):
        x: int

    class Out(ToolOutput):
        y: int

    with pytest.raises(TypeError, match="expected fn"):
        tool("untyped", "no hints")(lambda args: args)
    with pytest.raises(TypeError, match="expected fn"):
        @tool("plain_model", "not a ToolOutput")
        def plain(args: Args) -> BaseModel: ...
    with pytest.raises(ValueError, match="already registered"):
        @tool("bar_chart", "duplicate")
        def duplicate(args: Args) -> Out: ...


def test_number_options_match_the_answers_roundness():
    for answer, unit in [(40, 10), (35, 5), (125, 25), (1250, 250), (37, 1), (7, 1)]:
        for seed in range(20):
            assert all((o - answer) % unit == 0 for o in make_number_options(answer, seed))


def test_option_tools_chain_numbers_into_text_options():
    numbers = run_tool("number_options", {"answer": "30", "seed": 1}).result["options"]
    shuffled = run_tool("shuffle_options", {"options": numbers, "gold": "30", "position": 2}).result
    assert shuffled["options"][2] == shuffled["gold"] == "30"
    assert sorted(map(int, shuffled["options"])) == sorted(numbers)
