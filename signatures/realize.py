"""Realization: the LLM steps of a transformation plan."""

import dspy


class PhraseQuestion(dspy.Signature):
    """Write the question of a benchmark item. The answer is fixed by a tool; never state it or hint at it."""

    subtask: str = dspy.InputField()
    goal: str = dspy.InputField(desc="what the question must ask")
    context: str = dspy.InputField(desc="what the model under test will see besides the question")
    question: str = dspy.OutputField(desc="one clear question")
