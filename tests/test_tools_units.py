"""Unit conversion: exact against the defining relations of each unit, round trips, rounding, and the targets."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchagent.program.tools import ToolError, run_tool
from benchagent.program.tools.units import UNITS

# (amount, unit, amount, unit): defining or textbook relations, typed here independently of the tool's table
RELATIONS = [
    ("1", "mile", "1.609344", "kilometre"), ("1", "inch", "2.54", "centimetre"), ("1", "foot", "12", "inch"),
    ("1", "yard", "3", "foot"), ("1", "mile", "1760", "yard"), ("1", "kilometre", "1000000", "millimetre"),
    ("1", "pound", "453.59237", "gram"), ("1", "pound", "16", "ounce"), ("1", "stone", "14", "pound"),
    ("1", "tonne", "1000000000", "milligram"),
    ("2.5", "kilogram", "2500", "gram"), ("1", "gram", "1000", "milligram"), ("1", "litre", "1000", "millilitre"),
    ("1", "minute", "60", "second"), ("1", "square foot", "0.09290304", "square metre"),
    ("1", "metre", "100", "centimetre"), ("3", "kilobyte", "3000", "byte"),
    ("1", "US gallon", "3.785411784", "litre"), ("1", "US gallon", "4", "US quart"), ("1", "US quart", "2", "US pint"),
    ("1", "US pint", "2", "US cup"), ("1", "US cup", "8", "US fluid ounce"),
    ("1", "cubic metre", "1000000", "millilitre"),
    ("1", "day", "24", "hour"), ("1", "week", "10080", "minute"), ("1", "hour", "3600", "second"),
    ("1", "knot", "1.852", "kilometre per hour"), ("1", "mile per hour", "1.609344", "kilometre per hour"),
    ("36", "kilometre per hour", "10", "metre per second"),
    ("100", "degree Celsius", "212", "degree Fahrenheit"), ("-40", "degree Celsius", "-40", "degree Fahrenheit"),
    ("0", "kelvin", "-273.15", "degree Celsius"), ("0", "degree Fahrenheit", "45967/180", "kelvin"),
    ("1", "acre", "43560", "square foot"), ("1", "square kilometre", "100", "hectare"),
    ("1", "hectare", "10000", "square metre"),
    ("1", "gibibyte", "1024", "mebibyte"), ("1", "mebibyte", "1024", "kibibyte"), ("1", "kibibyte", "1024", "byte"),
    ("1", "gigabyte", "1000", "megabyte"), ("1", "megabyte", "1000000", "byte"),
]


@pytest.mark.parametrize("a, ua, b, ub", RELATIONS)
def test_defining_relations_hold_exactly_both_ways(a, ua, b, ub):
    forward = run_tool("convert_units", {"value": a, "from_unit": ua, "to_unit": ub}).output
    assert Fraction(forward.fraction) == Fraction(b)
    back = run_tool("convert_units", {"value": b, "from_unit": ub, "to_unit": ua}).output
    assert Fraction(back.fraction) == Fraction(a)


def test_every_unit_is_covered_by_a_relation():
    assert {u for r in RELATIONS for u in (r[1], r[3])} == set(UNITS)


@given(st.sampled_from(sorted(UNITS)), st.sampled_from(sorted(UNITS)), st.fractions(max_denominator=1000))
def test_round_trips_are_exact(a, b, value):
    if UNITS[a].dimension != UNITS[b].dimension:
        with pytest.raises(ToolError, match="cannot convert"):
            run_tool("convert_units", {"value": "1", "from_unit": a, "to_unit": b})
        return
    text = f"{value.numerator}/{value.denominator}"
    there = run_tool("convert_units", {"value": text, "from_unit": a, "to_unit": b}).output.fraction
    back = run_tool("convert_units", {"value": there, "from_unit": b, "to_unit": a}).output.fraction
    assert Fraction(back) == value


def test_rounding_and_exact_answers():
    out = run_tool("convert_units", {"value": "3", "from_unit": "mile", "to_unit": "kilometre", "places": 2}).output
    assert (out.decimal, out.answer) == ("4.828032", "4.83")
    out = run_tool("convert_units", {"value": "100", "from_unit": "degree Fahrenheit", "to_unit": "degree Celsius",
                                     "places": 1}).output
    assert (out.fraction, out.decimal, out.answer) == ("340/9", None, "37.8")
    args = {"value": "100", "from_unit": "degree Fahrenheit", "to_unit": "degree Celsius"}
    out = run_tool("convert_units", args).output
    assert out.answer == out.fraction == "340/9"
    with pytest.raises(ToolError, match="from_unit"):
        run_tool("convert_units", {"value": "1", "from_unit": "furlong", "to_unit": "metre"})


def test_number_target_states_the_quantity_and_precision_but_not_the_answer():
    args = {"value": "3", "from_unit": "mile", "to_unit": "kilometre", "places": 2}
    goals = set()
    for seed in range(10):
        out = run_tool("unit_number_target", {**args, "seed": seed}).output
        assert out.answer == "4.83" and "3 miles" in out.goal and "kilometres" in out.goal
        assert "rounded to 2 decimal places" in out.goal and out.context == (
            "Quantity: 3 miles. Express it in kilometres, rounded to 2 decimal places.")
        goals.add(out.goal)
    assert len(goals) == 2
    with pytest.raises(ToolError, match="would state its answer"):
        run_tool("unit_number_target", {"value": "0", "from_unit": "degree Celsius", "to_unit": "degree Celsius",
                                        "places": None, "seed": 0})


def test_significant_figures_replace_the_records_decimal_places():
    args = {"value": "3", "from_unit": "mile", "to_unit": "kilometre", "places": 2, "figures": 3, "seed": 0}
    out = run_tool("unit_number_target", args).output
    assert out.answer == "4.83" and "rounded to 3 significant figures" in out.goal and out.query["figures"] == 3
    out = run_tool("unit_number_target", {**args, "value": "1000", "from_unit": "pound", "to_unit": "kilogram"}).output
    assert out.answer == "454" and "decimal" not in out.context
    out = run_tool("convert_units", {"value": "0.5", "from_unit": "inch", "to_unit": "metre", "figures": 3}).output
    assert (out.decimal, out.answer) == ("0.0127", "0.0127")
    assert "figures" not in run_tool("unit_number_target", {**args, "figures": None}).output.query

QUANTITIES = [{"value": "5", "unit": "mile"}, {"value": "8", "unit": "kilometre"}, {"value": "8700", "unit": "yard"}]


def test_compare_targets_rank_quantities_across_units():
    order = {"8700 yards": 0, "8 kilometres": 1, "5 miles": 2}
    for seed in range(20):
        label = run_tool("unit_label_target", {"quantities": QUANTITIES, "seed": seed}).output
        assert label.answer == ("5 miles" if label.query["largest"] else "8700 yards")
        assert ("longest" if label.query["largest"] else "shortest") in label.goal
        assert sorted(label.label_pool) == sorted(order)
        binary = run_tool("unit_binary_target", {"quantities": QUANTITIES, "seed": seed}).output
        first, second = binary.query["first"], binary.query["second"]
        assert binary.answer == ("yes" if order[first] > order[second] else "no")
        assert f"whether {first} is longer than {second}" in binary.goal
    with pytest.raises(ToolError, match="same dimension"):
        run_tool("unit_binary_target", {"quantities": [QUANTITIES[0], {"value": "1", "unit": "gram"}], "seed": 0})
    with pytest.raises(ToolError, match="uniquely"):
        run_tool("unit_label_target", {"quantities": [{"value": "1", "unit": "foot"}, {"value": "12", "unit": "inch"}],
                                       "seed": 0})
