"""The stand-in reviewer's rule (scripts/standin_review.py), and its CSV going through `review import`."""

import importlib.util
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parent.parent / "scripts" / "standin_review.py"
spec = importlib.util.spec_from_file_location("standin_review", SCRIPT)
standin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(standin)

CONES = {"title": "Ice cream cones sold by flavour in Marlow", "y_label": "Cones sold", "unit": "cones"}
RAIN = {"title": "Rainfall per month in Elmstead", "y_label": "Rainfall (mm)", "unit": "mm"}


def test_a_question_naming_the_measure_is_accepted():
    assert standin.decide("Which flavour sold the fewest cones?", CONES) == ("accept", "")
    assert standin.decide("In which month was the rainfall highest in Elmstead?", RAIN) == ("accept", "")
    assert standin.decide("How many millimetres, in mm, fell in May?", RAIN)[0] == "accept"


def test_the_quoted_title_does_not_count_and_generic_wording_is_rejected():
    decision, reason = standin.decide(
        "What is the category with the smallest value in the bar chart titled 'Ice cream cones sold by flavour in "
        "Marlow'?", CONES)
    assert decision == "reject" and reason.startswith("ambiguity:")
    assert standin.decide('Which bar is highest in "Rainfall per month in Elmstead"?', RAIN)[0] == "reject"


def test_records_without_an_axis_label_are_left_unreviewed():
    assert standin.decide("Which element has atomic number 6?", {"name": "Carbon"}) is None


def test_its_csv_imports_through_the_cli(sample_db, tmp_path):
    db, ids = sample_db
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE samples SET record = ? WHERE id = ?",
                     (json.dumps({"values": [60, 120, 90], "y_label": "Books", "unit": "books"}), ids["sample"]))
    written = subprocess.run([sys.executable, str(SCRIPT), "--db", str(db)], capture_output=True, text=True,
                             check=True).stdout
    assert written.splitlines() == ["sample_id,decision,reason", f"{ids['sample']},reject,{standin.REJECTION}"]
    csv_path = tmp_path / "reviews.csv"
    csv_path.write_text(written)
    imported = subprocess.run([sys.executable, "-m", "benchagent", "review", "import", str(csv_path), "--db", str(db),
                               "--reviewer", "rule:names-the-measure"], capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT sample_id, decision, reason, reviewer FROM reviews").fetchall()
    assert stored == [(ids["sample"], "reject", standin.REJECTION, "rule:names-the-measure")]


def test_an_unreadable_database_is_one_line(tmp_path):
    for db in (tmp_path / "absent.db", tmp_path / "junk.db"):
        if db.name == "junk.db":
            db.write_text("not a database")
        result = subprocess.run([sys.executable, str(SCRIPT), "--db", str(db)], capture_output=True, text=True)
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.startswith(f"error: cannot read samples from {db}") and result.stderr.count("\n") == 1


POPULATION = {"title": "Population of towns in Coastal County", "y_label": "Population (thousands)",
              "unit": "thousand people"}


def test_the_unit_reviewer_wants_the_unit_and_its_scale_stated():
    rule = "states-the-unit"
    assert standin.decide("How many thousand people live in Marlow?", POPULATION, rule) == ("accept", "")
    assert standin.decide("What is the population of Marlow?", POPULATION, rule) == ("reject", standin.NO_UNIT)
    assert standin.decide("What is the population of Marlow, in people?", POPULATION, rule)[0] == "reject"
    assert standin.decide("How much rain fell in May?", RAIN, rule, options=["20 mm", "40 mm"])[0] == "accept"
    assert standin.decide("How much rain fell in May (millimetres)?", RAIN, rule)[0] == "accept"
    assert standin.decide("Which flavour sold 40 cones?", CONES, rule)[0] == "accept"
    assert standin.decide("Which element has atomic number 6?", {"name": "Carbon"}, rule) is None


def test_the_vague_gold_reviewer_judges_only_written_choice_items():
    rule = "no-vague-gold"
    written = {"options": ["a list", "various objects", "a tuple", "a set"], "answer_origin": "llm"}
    assert standin.decide("What does it return?", {}, rule, answer="various objects", **written) == (
        "reject", standin.VAGUE_GOLD)
    assert standin.decide("What does it return?", {}, rule, answer="a list", **written) == ("accept", "")
    assert standin.decide("What is 2 + 2?", {}, rule, answer="some", options=["some", "4"],
                          answer_origin="tool") is None
    assert standin.decide("Name it.", {}, rule, answer="several", answer_origin="llm") is None


def test_the_comparison_reviewer_wants_two_things_set_side_by_side():
    rule, written = "asks-a-comparison", {"options": ["a", "b", "c", "d"], "answer_origin": "llm", "answer": "a"}
    for question in ("What is the difference between the 'or' and 'and' operators in Python?",
                     "How does a list differ from a tuple?", "Unlike a tuple, what can a list do?",
                     "Which of a list or a tuple is mutable?", "Is a set lookup faster than a list lookup?",
                     "Does a tuple or a list use less memory?"):
        assert standin.decide(question, {}, rule, **written) == ("accept", ""), question
    for question in ("What does the `str.isascii()` method check?", "What is the purpose of the 'finally' clause?",
                     "What happens after the finally clause runs?", "What are the different ways to open a file?",
                     "What does the 'or' operator return if either operand is true or false?"):
        assert standin.decide(question, {}, rule, **written) == ("reject", standin.LOOKUP), question
    assert standin.decide("Which bar is taller than 'May'?", {}, rule, options=["a"], answer="a",
                          answer_origin="tool") is None


def test_the_title_reviewer_wants_the_chart_called_the_chart():
    rule, units = "no-title", {"title": "Units sold per month at Green Leaf Market, 2007", "y_label": "Units sold"}
    assert standin.decide("What is the value shown for 'June' in the chart 'Units sold per month at Green Leaf "
                          "Market, 2007'?", units, rule) == ("reject", standin.TITLED)
    assert standin.decide("How many units were sold per month at Green Leaf Market in 2007 in June?", units,
                          rule)[0] == "reject"
    assert standin.decide("How many units were sold in June?", units, rule) == ("accept", "")
    assert standin.decide("Which month sold the most units at the market?", units, rule) == ("accept", "")
    assert standin.decide("How many units were sold in June?", {"y_label": "Units"}, rule) is None


def test_the_concise_reviewer_counts_words():
    rule, units = "concise", {"title": "Units sold per month at Green Leaf Market, 2007"}
    long = "What is the value shown for 'June' in the chart 'Units sold per month at Green Leaf Market, 2007'?"
    assert len(long.split()) == 19 and standin.decide(long, units, rule) == ("reject", standin.LONG)
    assert standin.decide("How many units were sold in June?", units, rule) == ("accept", "")
    assert standin.decide("How many units were sold in June?", {}, rule) is None
    assert standin.decide(long, units, "concise-says-how") == ("reject", standin.SAYS_HOW)
    assert standin.decide("How many units were sold in June?", units, "concise-says-how") == ("accept", "")


def test_the_chart_kind_reviewer_wants_the_kind_of_chart_said_outside_the_title():
    rule, bars = "names-the-chart-kind", "gen_bar_chart_values"
    plain = "What is the value shown for 'June' in the chart 'Units sold per month at Green Leaf Market, 2007'?"
    assert standin.decide(plain, {}, rule, source_id=bars) == ("reject", standin.UNNAMED_KIND)
    assert standin.decide("What is the maximum value shown in the bar chart titled 'Cars sold'?", {}, rule,
                          source_id=bars) == ("accept", "")
    assert standin.decide("Which month peaks in this line graph?", {}, rule,
                          source_id="gen_line_chart_values")[0] == "accept"
    assert standin.decide("What is shown in 'Bar chart of sales'?", {}, rule, source_id=bars)[0] == "reject"
    assert standin.decide("What is the line chart's peak?", {}, rule, source_id=bars)[0] == "reject"  # wrong kind
    assert standin.decide("What is 7 times 6?", {}, rule, source_id="gen_arithmetic_facts") is None
