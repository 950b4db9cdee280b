"""Item-level intent check: does one item test what the requirement asks, and can its options answer it."""

import dspy


class CheckFit(dspy.Signature):
    """Does this benchmark item test what the requirement asks, and could its options answer its question?"""

    requirement: str = dspy.InputField()
    item: str = dspy.InputField(desc="what the model under test sees: its input, the question and any options")
    fits: bool = dspy.OutputField()
