"""Exact arithmetic: expression trees against Fraction arithmetic done here, decimal formatting and options, and
word-problem targets; nothing read as text is ever executed."""

import re
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchagent.program.tools import ToolError, run_tool
from benchagent.program.tools.arithmetic import decimal_text, make_decimal_options, round_half_up, significant_text

leaves = st.one_of(
    st.integers(-10**6, 10**6).map(lambda n: (n, Fraction(n))),
    st.tuples(st.integers(-999, 999), st.integers(1, 999)).map(lambda t: (f"{t[0]}/{t[1]}", Fraction(*t))),
    st.tuples(st.integers(0, 9999), st.integers(0, 999)).map(
        lambda t: (f"{t[0]}.{t[1]:03d}", Fraction(t[0] * 1000 + t[1], 1000))),
)


def _apply(op, values):
    if op == "+":
        return sum(values, Fraction(0))
    if op == "-":
        return values[0] - sum(values[1:], Fraction(0))
    result = values[0]
    for v in values[1:]:
        result = result * v if op == "*" else result / v
    return result


def _node(children):
    return st.tuples(st.sampled_from("+-*/"), st.lists(children, min_size=2, max_size=4)).map(
        lambda t: ({"op": t[0], "args": [c[0] for c in t[1]]},
                   None if any(c[1] is None for c in t[1]) or (t[0] == "/" and 0 in [c[1] for c in t[1][1:]])
                   else _apply(t[0], [c[1] for c in t[1]])))


trees = st.recursive(leaves, _node, max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(trees)
def test_expression_trees_evaluate_exactly(pair):
    tree, expected = pair
    if expected is None:
        with pytest.raises(ToolError, match="division by zero"):
            run_tool("exact_arithmetic", {"expression": tree})
        return
    out = run_tool("exact_arithmetic", {"expression": tree}).output
    assert Fraction(out.fraction) == expected and out.integer == (expected.denominator == 1)
    d = expected.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        assert re.fullmatch(r"-?\d+(\.\d*[1-9])?", out.decimal) and Fraction(out.decimal) == expected
    else:
        assert out.decimal is None


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "1e3", "2**8", "1+1", "0x10", "1_000", "nan",
                                  "3/0", "١٢",
                                  " ", "1/2/3"])
def test_text_that_is_not_a_plain_number_is_refused(text):
    with pytest.raises(ToolError, match="not an integer, decimal or fraction"):
        run_tool("exact_arithmetic", {"expression": text})


def test_deep_nesting_and_unknown_operators_are_refused():
    tree = 1
    for _ in range(40):
        tree = {"op": "+", "args": [tree, 1]}
    with pytest.raises(ToolError, match="deeper than 32"):
        run_tool("exact_arithmetic", {"expression": tree})
    with pytest.raises(ToolError, match="bad arguments"):
        run_tool("exact_arithmetic", {"expression": {"op": "**", "args": [2, 3]}})
    with pytest.raises(ToolError, match="bad arguments"):
        run_tool("exact_arithmetic", {"expression": {"op": "+", "args": [2]}})


def test_decimal_text_and_rounding_half_away_from_zero():
    assert decimal_text(Fraction(9, 2)) == "4.5" and decimal_text(Fraction(-1, 8)) == "-0.125"
    assert decimal_text(Fraction(120)) == "120" and decimal_text(Fraction(0)) == "0"
    assert decimal_text(Fraction(2345, 1000), 2) == "2.35" and decimal_text(Fraction(-2345, 1000), 2) == "-2.35"
    assert decimal_text(Fraction(1, 3), 3) == "0.333" and decimal_text(Fraction(2, 3), 0) == "1"
    assert decimal_text(Fraction(-1, 1000), 2) == "0.00" and decimal_text(Fraction(5), 2) == "5.00"
    with pytest.raises(ValueError, match="no finite decimal expansion"):
        decimal_text(Fraction(1, 3))


@given(st.fractions(), st.integers(0, 6))
def test_rounding_is_within_half_a_unit(value, places):
    rounded = round_half_up(value, places)
    assert abs(rounded - value) <= Fraction(1, 2 * 10**places)
    assert Fraction(decimal_text(value, places)) == rounded


@settings(max_examples=150)
@given(st.integers(-10**7, 10**7), st.integers(0, 3), st.integers(0, 2**32), st.integers(2, 6))
def test_decimal_options_are_distinct_and_printed_like_the_answer(scaled, places, seed, n):
    answer = decimal_text(Fraction(scaled, 10**places), places)
    options = make_decimal_options(answer, seed, n)
    assert options[0] == answer and len(set(options)) == n == len(options)
    assert all(len(o.partition(".")[2]) == places for o in options)
    assert all(o.startswith("-") == answer.startswith("-") for o in options if Fraction(o) != 0)
    assert options == run_tool("decimal_options", {"answer": answer, "seed": seed, "n": n}).output.options


def test_decimal_options_with_a_step():
    options = make_decimal_options("4.5", 7, 4, step="0.5")
    assert sorted(Fraction(o) for o in options) == [Fraction(o) for o in sorted(options, key=Fraction)]
    gaps = {b - a for a, b in pairwise(sorted(map(Fraction, options)))}
    assert gaps == {Fraction(1, 2)}
    with pytest.raises(ToolError, match="not a positive multiple"):
        run_tool("decimal_options", {"answer": "4.5", "step": "0.25"})


STORY = {
    "facts": ["Ana has 12 marbles.", "Ben has 5 marbles.", "Ana gives 3 marbles to Ben.",
              "Cleo bakes 3 cakes, and each cake needs 3/4 cup of flour."],
    "quantities": [
        {"name": "Ana", "ask": "how many marbles Ana has at the end", "expression": {"op": "-", "args": [12, 3]}},
        {"name": "Ben", "ask": "how many marbles Ben has at the end", "expression": {"op": "+", "args": [5, 3]}},
        {"name": "Cleo", "ask": "how many cups of flour Cleo needs", "expression": {"op": "*", "args": [3, "3/4"]}},
    ],
    "total_ask": "the total", "compare": {"more": "has more than", "most": "has the most", "least": "has the least"},
}


def test_word_problem_targets_answer_from_the_expressions():
    answers = {run_tool("word_problem_number_target", {**STORY, "seed": s}).output.answer for s in range(40)}
    assert answers == {"9", "8", "2.25", "19.25"}
    labels = {(o.query["largest"], o.answer) for s in range(20)
              for o in [run_tool("word_problem_label_target", {**STORY, "seed": s}).output]}
    assert labels == {(True, "Ana"), (False, "Cleo")}
    for s in range(20):
        out = run_tool("word_problem_binary_target", {**STORY, "seed": s}).output
        values = {"Ana": 9, "Ben": 8, "Cleo": Fraction(9, 4)}
        assert out.answer == ("yes" if values[out.query["first"]] > values[out.query["second"]] else "no")
        assert out.context == " ".join(STORY["facts"]) == out.facts


def test_word_problem_number_target_never_asks_what_the_story_states():
    story = {**STORY, "facts": [*STORY["facts"], "Dev has 9 stamps and 8 coins."]}
    answers = {run_tool("word_problem_number_target", {**story, "seed": s}).output.answer for s in range(40)}
    assert answers == {"2.25", "19.25"}


@pytest.mark.parametrize(("value", "figures", "text"), [
    ("9.996", 3, "10.0"), ("12345", 3, "12300"), ("0.012", 3, "0.0120"), ("-0.0004449", 2, "-0.00044"),
    ("0", 3, "0.00"), ("1.005", 3, "1.01"), ("273.15", 3, "273"), ("99950", 3, "100000"), ("-2.5", 1, "-3")])
def test_significant_figures_round_half_away_from_zero_and_print_every_figure(value, figures, text):
    assert significant_text(Fraction(value), figures) == text


@settings(max_examples=200)
@given(st.fractions(min_value=-10**6, max_value=10**6).filter(lambda v: v != 0), st.integers(1, 6))
def test_significant_figures_keep_the_value_within_half_a_unit_of_the_last_figure(value, figures):
    text = significant_text(value, figures)
    digits = text.lstrip("-0.").replace(".", "")
    assert len(digits.rstrip("0")) <= figures
    power = len(str(int(abs(Fraction(text))))) - figures if abs(Fraction(text)) >= 1 else -len(text.split(".")[1])
    assert abs(Fraction(text) - value) <= Fraction(10) ** power / 2
