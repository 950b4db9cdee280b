"""Realization: the LLM steps of a transformation plan."""

import dspy

from benchagent.signatures.brief import DesignBrief


class PhraseQuestion(dspy.Signature):
    """Write the question of a benchmark item. The answer is fixed by a tool; never state it or hint at it."""

    subtask: str = dspy.InputField()
    goal: str = dspy.InputField(desc="what the question must ask")
    context: str = dspy.InputField(desc="what the model under test will see besides the question")
    question: str = dspy.OutputField(desc="one clear question")


class WriteItem(dspy.Signature):
    """Write one benchmark item from its brief. The question must be answerable from the passage alone and must not
    contain the answer, and must have one right answer: ask for one fact the passage states, not its main topic or a
    list of things. For a choice item give option_count distinct options, exactly one of them correct; otherwise
    none. For a true/false item the question is one statement about the passage to judge true or false."""

    subtask: str = dspy.InputField()
    brief: DesignBrief = dspy.InputField()
    passage: str = dspy.InputField(desc="the text the model under test will read beside the question")
    option_count: int = dspy.InputField(default=4, desc="how many options a choice item offers")
    truth: str = dspy.InputField(default="", desc="for a true/false item: 'yes' to state a fact of the passage (the "
                                                  "answer is True), 'no' to change one detail of it so the statement "
                                                  "is false but plausible (the answer is False); else empty")
    question: str = dspy.OutputField(desc="one clear question")
    options: list[str] = dspy.OutputField(desc="option_count options for a choice item, else an empty list")
    answer: str = dspy.OutputField(desc="the gold answer: for a choice item exactly the correct option's text, for a "
                                        "span item words copied from the passage, for a true/false item True or "
                                        "False")


class ProposeContent(dspy.Signature):
    """Propose the content one benchmark item is built on, exactly as requested and nothing else. A tool checks it and
    computes the item's answer from it."""

    subtask: str = dspy.InputField()
    request: str = dspy.InputField(desc="what to propose")
    content: str = dspy.OutputField(desc="only the content requested, e.g. a formula")
