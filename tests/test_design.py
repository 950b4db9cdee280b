"""The design loop against a scripted LM: propose, critique naming changes, revise or discard, round limit, redesign
feedback."""

import dspy
import pytest
from scripted_lm import ScriptedLM

from benchagent.program.errors import PlanningError
from benchagent.program.intent import contract
from benchagent.program.planner.design import DesignAgent, DesignResult, apply_changes, as_stated
from benchagent.program.sources.cards import SourceCard
from benchagent.signatures.design import SubtaskChange, SubtaskDraft
from benchagent.signatures.scope import Facet, Scope

SCOPE = contract("read bar charts", Scope(topic="bar chart reading", modalities=["image"], keywords=["bar", "chart"]))
READ = {"key": "read_value", "name": "Read a bar value", "description": "ask the value of one bar",
        "capability": "reading charts", "modalities": ["image"], "answer_type": "number", "rationale": "core skill"}
COMPARE = {**READ, "key": "compare_bars", "name": "Compare two bars", "description": "ask which bar is taller",
           "answer_type": "choice", "rationale": "relative reading"}


class SequencedLM(ScriptedLM):
    """A reply that is a list is used in order, one per call; its last entry then repeats."""

    def _format_answer_fields(self, replies):
        if isinstance(replies, list):
            replies = replies.pop(0) if len(replies) > 1 else replies[0]
        return super()._format_answer_fields(replies)


def scripted(subtasks=(READ, COMPARE), changes=None) -> SequencedLM:
    replies = {"fields: `subtasks`": {"subtasks": list(subtasks)}}
    if changes is not None:
        replies["fields: `changes`"] = [{"changes": c} for c in changes]
    return SequencedLM(replies, adapter=dspy.JSONAdapter())


def discard(key, why="repeats another"):
    return {"key": key, "action": "discard", "rationale": why}


def design(lm, **kw) -> DesignResult:
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return DesignAgent()(requirement="read bar charts", scope=SCOPE, max_subtasks=kw.pop("max_subtasks", 3), **kw)


def steps(result: DesignResult) -> list[tuple]:
    return [(d["round"], d["key"], d["action"]) for d in result.decisions]


def test_accepted_first_time_takes_one_proposal_and_one_critique():
    lm = scripted(changes=[[]])
    result = design(lm)
    assert len(lm.history) == 2
    assert [s.key for s in result.subtasks] == ["read_value", "compare_bars"]
    assert steps(result) == [(0, "read_value", "propose"), (0, "compare_bars", "propose"),
                             (1, "read_value", "keep"), (1, "compare_bars", "keep")]
    assert result.decisions[0]["rationale"] == "core skill"
    assert result.decisions[2]["rationale"] == "the critic asked no change"
    critique_prompt = lm.history[1]["messages"][-1]["content"]
    assert "read_value | Read a bar value | number | image | ask the value of one bar" in critique_prompt


def test_revision_is_applied_then_the_design_is_stable():
    revise = {"key": "Read Value", "action": "revise", "rationale": "too easy",
              "revised_description": "ask the difference of two bars", "revised_answer_type": "choice"}
    lm = scripted(changes=[[revise], []])
    result = design(lm, rounds=2)
    assert len(lm.history) == 3
    read = result.subtasks[0]
    assert (read.description, read.answer_type) == ("ask the difference of two bars", "choice")
    assert steps(result)[2:] == [(1, "read_value", "revise"), (1, "compare_bars", "keep"),
                                 (2, "read_value", "keep"), (2, "compare_bars", "keep")]
    assert "ask the difference of two bars" in lm.history[2]["messages"][-1]["content"]


def test_discard_drops_a_subtask_but_never_the_last_one():
    lm = scripted(changes=[[discard("compare_bars"), discard("read_value"), discard("ghost")], [discard("read_value")]])
    result = design(lm, rounds=2)
    assert [s.key for s in result.subtasks] == ["read_value"] and len(lm.history) == 2  # one left: no second round
    assert steps(result)[2:] == [(1, "read_value", "keep"), (1, "compare_bars", "discard")]
    assert "at least one subtask" in result.decisions[2]["rationale"]


def test_one_subtask_is_not_put_to_the_critic_and_one_critique_is_the_default():
    revise = {"key": "read_value", "action": "revise", "rationale": "sharper", "revised_description": "v1"}
    alone = scripted(subtasks=[READ], changes=[[revise]])
    assert steps(design(alone)) == [(0, "read_value", "propose")] and len(alone.history) == 1
    two = scripted(changes=[[revise], [revise]])
    result = design(two)
    assert len(two.history) == 2 and result.subtasks[0].description == "v1"


def test_round_limit_stops_the_loop_with_every_decision_recorded():
    revise = lambda text: [{"key": "read_value", "action": "revise", "rationale": "sharper",  # noqa: E731
                            "revised_description": text}]
    lm = scripted(changes=[revise("v1"), revise("v2"), revise("v3")])
    result = design(lm, rounds=2)
    assert len(lm.history) == 3
    assert result.subtasks[0].description == "v2"
    assert [s for s in steps(result) if s[1] == "read_value"] == [
        (0, "read_value", "propose"), (1, "read_value", "revise"), (2, "read_value", "revise")]
    assert all(d["rationale"] for d in result.decisions)


@pytest.mark.parametrize("reply", [None, {"changes": "not a list"}])
def test_critic_that_cannot_be_parsed_keeps_everything(reply):
    lm = scripted()
    if reply is not None:
        lm.answers["fields: `changes`"] = reply
    result = design(lm)
    assert [s.key for s in result.subtasks] == ["read_value", "compare_bars"]
    assert [(d["action"], d["rationale"]) for d in result.decisions[2:]] == [("keep", "critique unavailable")] * 2


def test_no_usable_proposal_falls_back_to_the_requirements_own_words_unput_to_the_critic():
    lm = scripted(subtasks=[{**READ, "name": " "}], changes=[[discard("bar_chart_reading")]])
    result = design(lm)
    [stated] = result.subtasks
    assert (stated.key, stated.name, stated.capability) == ("bar_chart_reading", "bar chart reading",
                                                            "bar chart reading")
    assert stated.description == "read bar charts" and stated.answer_type == "choice"
    assert stated.facets == [f.key for f in SCOPE.facets] and stated.modalities == ["image"]
    assert len(lm.history) == 2 and all("fields: `subtasks`" in c["messages"][-1]["content"] for c in lm.history)
    assert result.decisions == [{"round": 0, "key": "bar_chart_reading", "action": "propose", "rationale":
                                 "the requirement as stated: every subtask the design agent proposed was refused"}]


def test_no_usable_proposal_and_no_facet_of_what_is_tested_is_a_planning_error():
    formats_only = Scope(topic="anything", modalities=["text"], keywords=[], facets=[
        Facet(key="answer_format_4_options", quote="4 options", kind="answer_format", value="4 options")])
    with pytest.raises(PlanningError, match="no subtask that carries"), dspy.context(lm=scripted(
            subtasks=[{**READ, "name": " "}], changes=[[]]), adapter=dspy.JSONAdapter()):
        DesignAgent()(requirement="4 options", scope=formats_only, max_subtasks=3)


CARDS = [SourceCard(id="gen_line_chart_values", name="line_chart_values", kind="generator", modalities=["image"],
                    description="Line charts of a quantity over time drawn with Pillow; answers come from the drawing "
                                "code.", fields={}, size=1, license="generated", keywords=[], tools=[])]


def test_redesign_feedback_keeps_the_facets_and_lists_no_source():
    lm = scripted(subtasks=[COMPARE], changes=[[]])
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        result = DesignAgent().redesign("read bar charts", SCOPE, 2, {"read_value": "no source holds exact values"},
                                        cards=CARDS)
    assert [s.key for s in result.subtasks] == ["compare_bars"]
    prompt = lm.history[0]["messages"][-1]["content"]
    assert "- read_value: no source holds exact values" in prompt
    assert f"- {SCOPE.facets[0].key} (capability): bar chart reading" in prompt
    assert "gen_line_chart_values" not in prompt and "Line charts" not in prompt
    assert "could ground:" not in prompt


def test_first_round_feedback_is_empty():
    lm = scripted(changes=[[]])
    design(lm)
    assert "No source could ground" not in lm.history[0]["messages"][-1]["content"]


def test_a_subtask_copied_from_a_source_card_is_refused():
    copied = {**READ, "key": "line_values", "name": "Generate line chart values",
              "description": "Line charts of a quantity over time drawn with Pillow", "capability": "charts"}
    lm = scripted(subtasks=[copied, READ], changes=[[]])
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        result = DesignAgent()(requirement="read bar charts", scope=SCOPE, max_subtasks=3, cards=CARDS)
    assert [s.key for s in result.subtasks] == ["read_value"]
    assert SCOPE.facets[0].key in result.subtasks[0].facets
    refused = [d for d in result.decisions if d["action"] == "refuse"]
    assert refused == [{"round": 0, "key": "line_values", "action": "refuse",
                        "rationale": "copied from source card gen_line_chart_values, not asked by the requirement"}]


def test_a_subtask_carrying_no_facet_is_refused_and_the_proposer_is_told_once():
    off = {**READ, "key": "planets", "name": "Planet trivia", "description": "ask which planet is largest",
           "capability": "astronomy knowledge"}
    lm = SequencedLM({"fields: `subtasks`": [{"subtasks": [off]}, {"subtasks": [READ]}],
                      "fields: `changes`": {"changes": []}}, adapter=dspy.JSONAdapter())
    result = design(lm)
    assert [s.key for s in result.subtasks] == ["read_value"]
    assert ("refuse", "planets") in [(d["action"], d["key"]) for d in result.decisions]
    second = lm.history[1]["messages"][-1]["content"]
    assert "planets: carries no facet of the requirement" in second and "bar chart reading" in second


def test_a_subtask_carrying_only_the_answer_format_is_refused():
    """The embedded model, asked for reading comprehension over Python reference passages 'with 4 options', proposed
    'What is the purpose of the `print` function?': a choice item matches '4 options' and nothing else asked."""
    requirement = "Multiple-choice reading comprehension over passages of the Python language reference, 4 options"
    scope = contract(requirement, Scope(topic="Python reference reading comprehension", modalities=["text"],
                                        keywords=["python", "reading comprehension"]))
    assert {"answer_format"} < {f.kind for f in scope.facets}
    printing = {"key": "print", "name": "Purpose of the `print` function", "capability": "print",
                "description": "The `print` function displays output to the console.", "modalities": ["text"],
                "answer_type": "choice", "rationale": "print is fundamental"}
    fact = {**printing, "key": "fact", "name": "A fact stated in a reference passage", "capability": "reading",
            "description": "ask which option states what the passage says", "rationale": "comprehension"}
    lm = SequencedLM({"fields: `subtasks`": [{"subtasks": [printing]}, {"subtasks": [fact]}],
                      "fields: `changes`": {"changes": []}}, adapter=dspy.JSONAdapter())
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        result = DesignAgent()(requirement=requirement, scope=scope, max_subtasks=3)
    assert [s.key for s in result.subtasks] == ["fact"]
    assert {"round": 0, "key": "print", "action": "refuse", "rationale": "carries only the answer format, level or "
            "language, none of what the requirement tests"} in result.decisions
    second = lm.history[1]["messages"][-1]["content"]
    assert "print: carries only the answer format" in second


def test_a_subtask_named_as_one_question_is_refused():
    asked = {**READ, "key": "tennis", "name": "What is the value of the Tennis bar?"}
    lm = SequencedLM({"fields: `subtasks`": [{"subtasks": [asked, COMPARE]}], "fields: `changes`": {"changes": []}},
                     adapter=dspy.JSONAdapter())
    result = design(lm)
    assert [s.key for s in result.subtasks] == ["compare_bars"]
    assert {"round": 0, "key": "tennis", "action": "refuse",
            "rationale": "named as one question: a subtask is a kind of item, many questions alike"} in result.decisions


def test_a_subtask_pinned_to_a_name_the_requirement_does_not_give_is_refused():
    """An unseen requirement asked about 'one function (from modules like itertools, collections or functools)'; the
    design wrote 'the `filter` function from the `itertools` module', and every passage drawn was about another."""
    pinned = {**READ, "key": "tennis_bar", "name": "Read a bar",
              "description": "read the value of the `Tennis` bar of a chart"}
    quoting = {**COMPARE, "description": "compare two bars of a `bar chart`"}  # the requirement names bar charts
    lm = SequencedLM({"fields: `subtasks`": [{"subtasks": [pinned, quoting]}], "fields: `changes`": {"changes": []}},
                     adapter=dspy.JSONAdapter())
    result = design(lm)
    assert [s.key for s in result.subtasks] == ["compare_bars"]
    assert {"round": 0, "key": "tennis_bar", "action": "refuse", "rationale": "pins its items to `Tennis`, which the "
            "requirement does not name: the records drawn are about other things"} in result.decisions


def test_degenerate_subtask_text_is_refused():
    looping = {**READ, "key": "loop", "rationale": "It tests bar charts. " * 12}
    lm = scripted(subtasks=[looping, COMPARE], changes=[[]])
    assert [s.key for s in design(lm).subtasks] == ["compare_bars"]


def test_revision_that_changes_nothing_counts_as_keep():
    draft = SubtaskDraft(**READ)
    same = SubtaskChange(key="read_value", action="revise", rationale="", revised_answer_type="number")
    kept, applied = apply_changes([draft], [same, SubtaskChange(key="read_value", action="discard", rationale="x")])
    assert kept == [draft]
    assert applied == [{"key": "read_value", "action": "keep", "rationale": "no rationale given"}]


@pytest.mark.parametrize("description", [
    "The revised description should reflect the revised answer type.",
    # the embedded critic copied a line of the subtask table and spoke of the requirement; the grounding judge then
    # scored the bar chart source 0.5 for it and the plan was refused
    "Read values from bar charts 1 | Read values from bar chart 1 | choice | image | Read the values from the first "
    "bar chart in the image. The requirement specifies that the model should read values from",
])
def test_a_revision_whose_description_speaks_of_the_change_is_refused(description):
    meta = SubtaskChange(key="read_value", action="revise", rationale="label fits better", revised_answer_type="label",
                         revised_description=description)
    kept, applied = apply_changes([SubtaskDraft(**READ)], [meta])
    assert kept == [SubtaskDraft(**READ)]
    assert applied == [{"key": "read_value", "action": "keep",
                        "rationale": "change refused: its description speaks of the change, not of an item"}]


def test_a_choice_subtask_is_retyped_when_the_requirement_says_what_its_answer_is_and_asks_no_options():
    """An unseen requirement said 'ans = species name lowercase, one word'; the design gave multiple choice, and every
    item showed three options the user never asked for."""
    iris = ("iris species q's - give all 4 measurements (sepal len/wid, petal len/wid, cm) and ask which species. ONLY "
            "versicolor vs virginica rows, skip setosa (too easy). ans = species name lowercase, one word")
    scope = contract(iris, Scope(topic="iris species", modalities=["text"], keywords=["iris"], facets=[
        Facet(kind="operation", value="ask which species", quote="ask which species")]))
    which = {**COMPARE, "key": "species", "name": "Iris species", "description": "ask which species a flower is"}
    with dspy.context(lm=scripted(subtasks=[which]), adapter=dspy.JSONAdapter()):
        result = DesignAgent()(requirement=iris, scope=scope, max_subtasks=2)
    assert [s.answer_type for s in result.subtasks] == ["label"]
    assert steps(result)[-1] == (2, "species", "retype")
    for said, kind in [("Seattle rain totals, answered in millimetres, just the number", "number"),
                       ("Each item asks if the digit is prime. The answer should be just yes or no.", "binary"),
                       ("how many blue triangles. Answers should be integers between 0 and 8", "number"),
                       ("cars mcq: which has best mpg? letter ans A-D", "choice"),   # options asked
                       ("capital cities of African countries", "choice")]:      # no answer stated: as designed
        draft = SubtaskDraft.model_validate({**which, "answer_type": "choice"})
        assert as_stated(draft, said).answer_type == kind, said
    # unseen requirements: a label draft retyped only to the number its answer is said to be
    for said, kind in [("pie charts: what % do the 2 smallest slices make togther? answer just the integer", "number"),
                       ("printed number imgs - answer digits only, no commas", "number"),
                       ("python language ref true/false: a passage + one statement, answer True or False", "binary"),
                       ("ans = species name lowercase", "label")]:
        draft = SubtaskDraft.model_validate({**which, "answer_type": "label"})
        assert as_stated(draft, said).answer_type == kind, said
