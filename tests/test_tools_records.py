"""Record tools on real built-in records: the answer is the record's own value, exactly; fields bound by role."""

import re

import pytest

from benchagent.program.sources.catalog import source_for
from benchagent.program.tools.records import value_text
from benchagent.program.tools.registry import ToolError, run_tool
from benchagent.program.tools.targets import mentions

IRON, CERIUM, ANDORRA = 25, 57, 0


def _element(index):
    return source_for("builtin_elements").record(index)


def test_field_target_asks_a_knowledge_question_with_the_exact_answer():
    iron = _element(IRON)
    result = run_tool("field_target", {"subject.name": iron["name"], "answer.atomic number": iron["number"]}).result
    assert iron["name"] == "iron" and result["answer"] == str(iron["number"]) == "26"
    assert result["goal"] == "the atomic number of 'iron'; the answer is a number"
    assert result["context"] == "" and result["facts"] == "name: iron; atomic number: 26"
    assert result["query"] == {"ask": "atomic number", "of": {"name": "iron"}}
    mass = run_tool("field_target", {"subject.name": iron["name"], "answer.atomic mass": iron["mass"]}).result
    assert mass["answer"] == repr(iron["mass"]) == "55.845"


def test_field_target_picks_among_answers_with_the_seed_and_skips_nulls():
    iron, cerium = _element(IRON), _element(CERIUM)
    args = {"subject.name": iron["name"], "answer.atomic number": iron["number"], "answer.group": iron["group"],
            "answer.period": iron["period"]}
    asked = {run_tool("field_target", {**args, "seed": s}).result["query"]["ask"] for s in range(20)}
    assert asked == {"atomic number", "group", "period"}
    assert run_tool("field_target", {**args, "seed": 5}).result == run_tool("field_target", {**args, "seed": 5}).result
    assert cerium["group"] is None
    for seed in range(10):
        result = run_tool("field_target", {"subject.name": cerium["name"], "answer.group": cerium["group"],
                                           "answer.atomic number": cerium["number"], "seed": seed}).result
        assert result["answer"] == "58"
    with pytest.raises(ToolError, match="no answer field"):
        run_tool("field_target", {"subject.name": cerium["name"], "answer.group": cerium["group"]})


def test_field_target_lookup_shows_the_record_in_the_context():
    iron = _element(IRON)
    result = run_tool("field_target", {"subject.name": iron["name"], "answer.density": iron["density"],
                                       "shown.symbol": iron["symbol"], "shown.density": iron["density"]}).result
    assert result["answer"] == repr(iron["density"])
    assert result["context"].splitlines() == ["name: iron", f"density: {iron['density']!r}", "symbol: Fe"]


def test_field_target_refuses_a_goal_that_states_the_answer():
    andorra = source_for("builtin_countries").record(ANDORRA)
    with pytest.raises(ToolError, match="would not state"):
        run_tool("field_target", {"subject.official name": andorra["official_name"], "answer.name": andorra["name"]})
    result = run_tool("field_target", {"subject.name": andorra["name"], "answer.alpha 3": andorra["alpha_3"]}).result
    assert result["answer"] == "AND" and result["goal"] == "the alpha 3 of 'Andorra'"


def test_roles_are_checked():
    with pytest.raises(ToolError, match="subject"):
        run_tool("field_target", {"answer.atomic number": 26})
    with pytest.raises(ToolError, match="speaker.x: Extra inputs"):
        run_tool("field_target", {"subject.name": "iron", "answer.number": 26, "speaker.x": 1})
    with pytest.raises(ToolError, match="subject"):
        run_tool("field_target", {"subject.name": "iron", "subject.symbol": "Fe", "answer.number": 26})
    structured = {"subject": [{"label": "name", "value": "iron"}], "answer": [{"label": "number", "value": 26}]}
    assert run_tool("field_target", structured).result == \
        run_tool("field_target", {"subject.name": "iron", "answer.number": 26}).result


def test_label_pool_target_classifies_from_shown_fields():
    iris = source_for("builtin_iris").record(60)
    pool = {f"pool.{s}": 0 for s in ("setosa", "versicolor", "virginica")}
    result = run_tool("label_pool_target", {"answer.species": iris["species"], "shown.features": iris["features"],
                                            **pool, "position": 3}).result
    assert result["answer"] == iris["species"] == "versicolor"
    assert result["context"].splitlines() == [f"{k}: {v!r}" for k, v in iris["features"].items()]
    assert sorted(result["label_pool"]) == ["setosa", "versicolor", "virginica"]
    assert result["option_count"] == 3 and result["gold_position"] == 0
    assert result["goal"] == "the species of the record described in the context"


def test_label_pool_target_from_an_image():
    digit = source_for("builtin_digits").record(7)
    result = run_tool("label_pool_target", {"answer.digit": digit["digit"],
                                            **{f"pool.{d}": 0 for d in range(10)}, "position": 2}).result
    assert result["answer"] == str(digit["digit"]) and result["goal"] == "the digit of what the image shows"
    assert result["option_count"] == 4 and result["gold_position"] == 2 and len(result["label_pool"]) == 10
    image = run_tool("record_image", {"image": digit["image"]})
    assert image.images[image.result["image"]] == digit["image"]
    assert "png sha256:" in image.args["image"]


def test_passage_cloze_blanks_words_of_a_real_passage():
    passage = source_for("builtin_python_docs").record(10)["text"]
    for seed in range(8):
        result = run_tool("passage_cloze", {"passage": passage, "seed": seed, "position": seed}).result
        query, answer = result["query"], result["answer"]
        assert passage[query["start"]:query["end"]] == answer and result["facts"] == passage
        assert f"[blank {query['blank']}]" in result["goal"] and not mentions(result["context"], answer)
        assert len(result["label_pool"]) == 4 and answer in result["label_pool"]
        assert all(not mentions(result["context"], word) for word in result["label_pool"])
        assert len(re.findall(r"\[blank \d\]", result["context"])) == 4
        assert result["gold_position"] == seed % 4
    with pytest.raises(ToolError, match="no word"):
        run_tool("passage_cloze", {"passage": "The cat sat on the mat. The cat sat on the mat."})


def test_value_text_keeps_numbers_exact():
    assert value_text(1e-05) == "0.00001" and value_text(3504.0) == "3504.0" and value_text(26) == "26"
    assert value_text({"a": 1.5, "b": [1, 2]}) == "a: 1.5; b: 1, 2" and value_text(None) == ""
