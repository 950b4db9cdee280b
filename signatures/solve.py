"""Independent solver used to cross-check answers an LLM wrote."""

import dspy


class SolveSample(dspy.Signature):
    """Answer the question using only the given context. For choice items reply with the option's text."""

    context: str = dspy.InputField()
    question: str = dspy.InputField()
    options: list[str] = dspy.InputField(desc="empty unless multiple choice")
    answer: str = dspy.OutputField()


class SolveImageSample(SolveSample):
    """Answer the question using the image and the given context. For choice items reply with the option's text."""

    image: dspy.Image = dspy.InputField()
