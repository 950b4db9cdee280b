"""Realization: the LLM steps of a transformation plan."""

import dspy


class PhraseQuestion(dspy.Signature):
    """Write the question of a benchmark item. The answer is fixed by a tool; never state it or hint at it."""

    subtask: str = dspy.InputField()
    goal: str = dspy.InputField(desc="what the question must ask")
    context: str = dspy.InputField(desc="what the model under test will see besides the question")
    question: str = dspy.OutputField(desc="one clear question")


class WriteSample(dspy.Signature):
    """Write one benchmark item from a source record: a question answerable from the given input, and its answer."""

    subtask: str = dspy.InputField()
    brief: str = dspy.InputField()
    record: str = dspy.InputField()
    question: str = dspy.OutputField()
    options: list[str] = dspy.OutputField(desc="4 options for choice items, else empty")
    answer: str = dspy.OutputField(desc="the gold answer; for choice items, the text of the correct option")
