"""The verifier's every branch against a scripted LM: ok, fixed, rejected, refused repairs, solver, duplicates."""

import dspy
import pytest
from scripted_lm import ScriptedLM

from benchagent.program.executor.dedup import DuplicateIndex
from benchagent.program.executor.item import Item
from benchagent.program.executor.solver import answers_agree, solver_context
from benchagent.program.executor.verify import Outcome, Verdict, Verifier

PNG = b"\x89PNG\r\n\x1a\n..."
AMBIGUOUS = {"category": "ambiguity", "severity": "major", "detail": "two bars named March"}
PLAN = {"actions": [{"edit": "say which chart"}]}


class SequencedLM(ScriptedLM):
    """A reply that is a list is used in order, one per call; its last entry then repeats."""

    def _format_answer_fields(self, replies):
        if isinstance(replies, list):
            replies = replies.pop(0) if len(replies) > 1 else replies[0]
        return super()._format_answer_fields(replies)


def scripted(**replies) -> SequencedLM:
    return SequencedLM({f"fields: `{name}`": reply for name, reply in replies.items()}, adapter=dspy.JSONAdapter())


def chart_item(**kw) -> Item:
    base = dict(question="What value does the chart show for March?", answer="42", answer_origin="tool",
                options=["40", "42", "44", "46"], images={"image": PNG}, facts="chart 'Sales': March = 42, April = 40")
    return Item(**{**base, **kw})


def planet_item(**kw) -> Item:
    base = dict(question="Which planet is closest to the Sun?", answer="Mercury", answer_origin="llm",
                options=["Venus", "Mercury", "Earth", "Mars"])
    return Item(**{**base, **kw})


def fix(question: str, item: Item, **changes) -> dict:
    return {"fixed_question": question, "options": item.options or [], "answer": item.answer, **changes}


def verify(item: Item, lm, *, answer_type="choice", duplicates=None) -> Outcome:
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return Verifier()(item, subtask="read values", answer_type=answer_type, needs_image=bool(item.images),
                          duplicates=duplicates)


def stages(outcome: Outcome) -> list[tuple[str, str, bool]]:
    return [(v.stage, v.name, v.passed) for v in outcome.verdicts if v.stage != "check"]


def test_ok_tool_item_skips_the_solver():
    lm = scripted(issues={"issues": []})
    outcome = verify(chart_item(), lm, duplicates=DuplicateIndex())
    assert outcome.status == "ok" and outcome.reasons == [] and outcome.duplicate_of is None
    assert stages(outcome) == [("inspector", "no_issues", True), ("solver", "agreement", True)]
    assert outcome.verdicts[-1].detail == "skipped: answer made by a pure tool"
    assert {v.name for v in outcome.verdicts if v.stage == "check"} >= {"schema", "answer_in_options", "near_duplicate"}
    assert len(lm.history) == 1 and outcome.item == chart_item()


@pytest.mark.parametrize("issue", [AMBIGUOUS, {"category": "leakage", "severity": "major", "detail": "hints at 42"},
                                   {"category": "answer_type", "severity": "fatal", "detail": "asks for a label"}])
def test_repairable_issue_is_repaired_and_reinspected(issue):
    item = chart_item()
    clearer = "What value does the 'Sales' chart show for March?"
    lm = scripted(issues=[{"issues": [issue]}, {"issues": []}], actions=PLAN, fixed_question=fix(clearer, item))
    outcome = verify(item, lm)
    assert outcome.status == "fixed" and outcome.item.question == clearer
    assert outcome.item.answer == "42" and outcome.item.options == item.options
    assert stages(outcome) == [("inspector", issue["category"], False), ("repair", "rewrite_question", True),
                               ("inspector", "no_issues", True), ("solver", "agreement", True)]
    assert outcome.reasons == [f"rewrite_question: question rewritten: {item.question!r} -> {clearer!r}"]
    assert len(lm.history) == 4  # inspect, plan, fix, inspect again


def test_a_fixer_copying_the_option_letters_changed_nothing_and_its_question_stands():
    item = chart_item()
    clearer = "What value does the 'Sales' chart show for March?"
    copied = fix(clearer, item, options=list("ABCD"), answer=item.answer_letter)
    lm = scripted(issues=[{"issues": [AMBIGUOUS]}, {"issues": []}], actions=PLAN, fixed_question=copied)
    outcome = verify(item, lm)
    assert outcome.status == "fixed" and outcome.item.question == clearer
    assert (outcome.item.options, outcome.item.answer) == (item.options, item.answer)


def test_issue_still_there_after_repair_rejects():
    item = chart_item()
    lm = scripted(issues={"issues": [AMBIGUOUS]}, actions=PLAN, fixed_question=fix("Which March value is shown?", item))
    outcome = verify(item, lm)
    assert outcome.status == "rejected" and len(lm.history) == 4
    assert outcome.reasons[0] == "ambiguity: two bars named March"
    assert [v.name for v in outcome.verdicts if v.stage == "inspector"] == ["ambiguity", "ambiguity"]


@pytest.mark.parametrize("changes, why", [
    ({"answer": "44"}, "changed the gold answer"),
    ({"options": ["40", "42", "44", "48"]}, "changed the options"),
    ({"options": ["42", "40", "44", "46"]}, "changed the options"),
    ({"options": ["A", "B", "C"]}, "changed the options"),
    ({"answer": "C"}, "changed the gold answer"),
    ({"fixed_question": "The March bar shows 42; which value is it?"}, "leaked the answer"),
    ({"fixed_question": "  "}, "empty question"),
    ({"fixed_question": "What value does the chart show  for March?"}, "unchanged"),
])
def test_repair_that_touches_more_than_the_question_is_refused(changes, why):
    item = chart_item()
    lm = scripted(issues={"issues": [AMBIGUOUS]}, actions=PLAN,
                  fixed_question=fix("Which March value?", item, **changes))
    outcome = verify(item, lm)
    assert outcome.status == "rejected" and outcome.item == item
    repair = next(v for v in outcome.verdicts if v.stage == "repair")
    assert not repair.passed and why in repair.detail
    assert outcome.reasons[0] == "ambiguity: two bars named March" and why in outcome.reasons[1]
    assert len(lm.history) == 3  # no second inspection after a refused repair


def test_planner_without_edits_or_with_malformed_output_refuses():
    lm = scripted(issues={"issues": [AMBIGUOUS]}, actions={"actions": []})
    outcome = verify(chart_item(), lm)
    assert outcome.status == "rejected" and "no edit" in outcome.reasons[1] and len(lm.history) == 2
    lm = scripted(issues={"issues": [AMBIGUOUS]})  # the planner's reply cannot be parsed
    outcome = verify(chart_item(), lm)
    assert outcome.status == "rejected" and "malformed" in outcome.reasons[1]


def test_unrepairable_issue_rejects_without_repair():
    unique = {"category": "choice_uniqueness", "severity": "fatal", "detail": "2 fit"}
    lm = scripted(issues={"issues": [AMBIGUOUS, unique]})
    outcome = verify(planet_item(), lm)
    assert outcome.status == "rejected" and len(lm.history) == 1
    assert outcome.reasons == ["ambiguity: two bars named March", "choice_uniqueness: 2 fit"]


def test_minor_issues_do_not_block():
    lm = scripted(issues={"issues": [{"category": "leakage", "severity": "minor", "detail": "slightly suggestive"}]})
    assert verify(chart_item(), lm).status == "ok"


def test_inspector_cannot_overrule_tool_made_answers():
    wrong = {"issues": [{"category": "semantic_correctness", "severity": "fatal", "detail": "wrong"}]}
    outcome = verify(chart_item(), scripted(issues=wrong))
    assert outcome.status == "ok" and outcome.verdicts[-2].severity == "overridden"
    assert verify(chart_item(answer_origin="llm"), scripted(issues=wrong)).status == "rejected"


def test_solver_agreement_on_llm_answer():
    lm = scripted(issues={"issues": []}, answer={"answer": "B"})
    outcome = verify(planet_item(), lm)
    assert outcome.status == "ok" and stages(outcome)[-1] == ("solver", "agreement", True)
    assert len(lm.history) == 2
    prompt = lm.history[-1]["messages"][-1]["content"]
    assert "Which planet is closest" in prompt and "gold" not in prompt.lower()


def test_solver_disagreement_repaired_then_agreeing_is_fixed():
    item = planet_item()
    sharper = "Which planet orbits closest to the Sun?"
    lm = scripted(issues={"issues": []}, answer=[{"answer": "Venus"}, {"answer": "Mercury"}], actions=PLAN,
                  fixed_question=fix(sharper, item))
    outcome = verify(item, lm)
    assert outcome.status == "fixed" and outcome.item.question == sharper
    assert stages(outcome)[1:] == [("solver", "solver_disagreement", False), ("repair", "rewrite_question", True),
                                   ("solver", "agreement", True)]
    assert len(lm.history) == 5  # inspect, solve, plan, fix, solve again


def test_solver_still_disagreeing_after_repair_is_rejected():
    item = planet_item()
    lm = scripted(issues={"issues": []}, answer={"answer": "Venus"}, actions=PLAN,
                  fixed_question=fix("Which planet orbits closest to the Sun?", item))
    outcome = verify(item, lm)
    assert outcome.status == "rejected" and len(lm.history) == 5
    assert outcome.reasons[0].startswith("solver_disagreement: solver answered 'Venus'")
    assert outcome.verdicts[-1].severity == "fatal"


def test_solver_disagreement_with_refused_repair_is_rejected():
    item = planet_item()
    lm = scripted(issues={"issues": []}, answer={"answer": "Venus"}, actions=PLAN,
                  fixed_question=fix("Which planet is nearest the Sun?", item, answer="Venus"))
    outcome = verify(item, lm)
    assert outcome.status == "rejected" and len(lm.history) == 4
    assert outcome.reasons[0].startswith("solver_disagreement") and "changed the gold answer" in outcome.reasons[1]


def test_near_duplicate_is_rejected_without_any_lm_call():
    index = DuplicateIndex()
    index.add("smp_1", chart_item())
    lm = scripted(issues={"issues": []})
    outcome = verify(chart_item(question="For March, which value is shown on the chart?"), lm, duplicates=index)
    assert outcome.status == "rejected" and outcome.duplicate_of == "smp_1" and lm.history == []
    assert outcome.reasons == ["near_duplicate: near-duplicate of accepted sample smp_1"]


@pytest.mark.parametrize("item, answer_type, check", [
    (chart_item(question="The bar for March shows 42; what value is it?", options=None), "number", "no_answer_leak"),
    (chart_item(answer="41"), "choice", "answer_in_options"),
    (chart_item(options=["42", "42", "44", "46"]), "choice", "single_correct_option"),
    (chart_item(options=["a", "b", "the long and obviously correct answer", "c"],
                answer="the long and obviously correct answer"), "choice", "length_cue"),
    (chart_item(question="?"), "choice", "schema"),
])
def test_failed_check_rejects_before_any_lm_call(item, answer_type, check):
    lm = scripted(issues={"issues": []})
    outcome = verify(item, lm, answer_type=answer_type)
    assert outcome.status == "rejected" and lm.history == []
    assert outcome.reasons[0].startswith(check)


def test_outcome_built_by_the_build_keeps_its_reasons():
    duplicate = Verdict("check", "near_duplicate", False, "fatal", "same as smp_1")
    outcome = Outcome("rejected", [Verdict("inspector", "no_issues", True), duplicate])
    assert outcome.reasons == ["near_duplicate: same as smp_1"] and outcome.item is None


def test_solver_sees_what_a_text_only_model_sees():
    assert solver_context(chart_item()) == "image shows: chart 'Sales': March = 42, April = 40"
    with_context = planet_item(extra_input={"context": "Mercury orbits first."})
    assert solver_context(with_context) == "context: Mercury orbits first."
    assert solver_context(planet_item()) == "none"


@pytest.mark.parametrize("gold, predicted, options, answer_type, agree", [
    ("42", "42.0", ["40", "42", "44", "46"], "choice", True),
    ("42", "B", ["40", "42", "44", "46"], "choice", True),
    ("42", "(b) 42", ["40", "42", "44", "46"], "choice", True),
    ("42", "option B", ["40", "42", "44", "46"], "choice", True),
    ("42", "B. 44", ["40", "42", "44", "46"], "choice", False),
    ("42", "C", ["40", "42", "44", "46"], "choice", False),
    ("Mercury", " mercury. ", ["Venus", "Mercury"], "choice", True),
    ("b", "B", ["a", "b", "c"], "choice", True),
    ("yes", "True", ["yes", "no"], "binary", True),
    ("New York", "new-york", None, "label", True),
    ("Paris", "Lyon", None, "label", False),
    ("3.14", "3.14159", None, "number", True),
    ("12", "12.4", None, "number", False),
    ("1000", "1,000", None, "number", True),
    ("42", "about 42 units", None, "number", True),
    ("42", "between 40 and 44", None, "number", False),
    ("-2", "2", None, "number", False),
    ("no", "No, it is not.", None, "binary", True),
    ("yes", "false", None, "binary", False),
])
def test_answers_agree(gold, predicted, options, answer_type, agree):
    assert answers_agree(gold, predicted, options, answer_type) is agree
