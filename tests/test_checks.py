"""Deterministic item checks; the verifier's branches are in test_verify.py."""

from benchagent.program.executor.checks import run_checks
from benchagent.program.executor.item import Item

PNG = b"\x89PNG\r\n\x1a\n..."


def names(results):
    return {r.name for r in results if not r.passed}


def item(**kw):
    base = dict(question="What value does the chart show for March?", answer="42", answer_origin="tool",
                options=["40", "42", "44", "46"], images={"image": PNG}, facts="March = 42")
    return Item(**{**base, **kw})


def test_good_choice_item_passes_everything():
    assert names(run_checks(item(), answer_type="choice", needs_image=True)) == set()
    assert item().answer_letter == "B"


def test_answer_missing_from_options():
    assert "answer_in_options" in names(run_checks(item(answer="41"), answer_type="choice", needs_image=True))


def test_duplicate_options_break_single_correct_option():
    bad = item(options=["42", "42", "44", "46"])
    assert "single_correct_option" in names(run_checks(bad, answer_type="choice", needs_image=True))


def test_answer_leaked_into_question():
    leaky = item(question="The bar for March shows 42; what value is it?", options=None)
    assert "no_answer_leak" in names(run_checks(leaky, answer_type="number", needs_image=True))
    # a number that merely contains the answer's digits is not a leak
    fine = item(question="What is the value for 1420 Main Street?", options=None)
    assert "no_answer_leak" not in names(run_checks(fine, answer_type="number", needs_image=True))


def test_length_cue_is_flagged():
    cue = item(options=["a", "b", "the long and obviously correct answer", "c"],
               answer="the long and obviously correct answer")
    assert "length_cue" in names(run_checks(cue, answer_type="choice", needs_image=True))


def test_schema_problems():
    assert "schema" in names(run_checks(item(images={}), answer_type="choice", needs_image=True))
    assert "schema" in names(run_checks(item(options=None, answer="many"), answer_type="number", needs_image=True))
    assert "schema" in names(run_checks(item(question="?"), answer_type="choice", needs_image=True))


LITERALS = ("Some examples of integer literals: 7, 2147483647, 0o177, 0b100110111. Changed in version 3.6: "
            "underscores are now allowed for grouping purposes in literals.")
TYPES = ("An object's type determines the operations that the object supports. The type() function returns an "
         "object's type (which is an object itself).")


def test_a_written_item_must_rest_on_the_passage_it_shows():
    def written(question, answer, passage):
        options = [answer, "It prints text.", "It sorts a list."]
        return item(question=question, answer=answer, answer_origin="llm", options=options, images={}, facts="",
                    extra_input={"context": passage})

    grounded = written("What does the `type()` function return?", "An object's type", TYPES)
    assert "rests_on_passage" not in names(run_checks(grounded, answer_type="choice", needs_image=False))
    off = written("What is the purpose of the `print` function?", "It displays output on the console", LITERALS)
    [result] = [r for r in run_checks(off, answer_type="choice", needs_image=False) if r.name == "rests_on_passage"]
    assert not result.passed and "'print'" in result.detail
    tool_made = item(extra_input={"context": LITERALS}, question="What is the `print` value?")
    assert "rests_on_passage" not in names(run_checks(tool_made, answer_type="choice", needs_image=True))
    # golds the embedded model wrote for an unseen requirement on standard-library passages
    popitem = ("collections.ChainMap.popitem(self)\n\nRemove and return an item pair from maps[0]. Raise KeyError is "
               "maps[0] is empty.")
    unstated = written("What does `popitem` return when the first dictionary in the `ChainMap` is empty?",
                       "A key-value pair from the first dictionary", popitem)
    [result] = [r for r in run_checks(unstated, answer_type="choice", needs_image=False)
                if r.name == "rests_on_passage"]
    assert not result.passed and "is not stated in the passage" in result.detail
    stated = written("What does `popitem` raise when the first mapping is empty?", "KeyError", popitem)
    yes = written("Does `popitem` remove the pair it returns?", "Yes", popitem)
    for fine in (stated, yes):
        assert "rests_on_passage" not in names(run_checks(fine, answer_type="choice", needs_image=False))


def test_a_count_question_narrower_than_the_tools_count_is_off_target():
    def counted(question, goal):
        return item(question=question, answer="3", options=None, goal=goal, query={"count": {"shape": "triangle"}})

    wrong = counted("How many red triangles are there in the image?", "how many triangles there are in the image")
    [result] = [r for r in run_checks(wrong, answer_type="number", needs_image=True) if r.name == "asks_tool_target"]
    assert not result.passed and "only red ones" in result.detail
    right = counted("How many triangles are in the picture?", "how many triangles there are in the image")
    assert "asks_tool_target" not in names(run_checks(right, answer_type="number", needs_image=True))


def test_a_question_asking_a_rounding_the_tool_did_not_make_is_off_target():
    goal = "how much larger the value for 'May' is than the value for 'March' in the chart 'Rainfall'"
    rounded = item(question="How much more rain fell in May than in March? Round the answer to the nearest 10.",
                   answer="25", goal=goal, query={"kind": "difference", "pair": ["May", "March"]})
    [result] = [r for r in run_checks(rounded, answer_type="choice", needs_image=True) if r.name == "asks_tool_target"]
    assert not result.passed and "rounding" in result.detail
    converted = item(question="How many kilograms is 2 pounds, rounded to 3 significant figures?", answer="0.907",
                     options=None, images={}, goal="how many kilograms 2 pounds is, rounded to 3 significant figures")
    assert "asks_tool_target" not in names(run_checks(converted, answer_type="number", needs_image=False))
