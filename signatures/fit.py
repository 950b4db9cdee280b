"""Item-level intent check: does one item test what the requirement asks, and can its options answer it."""

import dspy


class CheckFit(dspy.Signature):
    """Does this benchmark item test what the requirement asks, and can its options answer its question? Say no if
    it tests another topic or skill, ignores a stated specific, or its options do not fit its question."""

    requirement: str = dspy.InputField(desc="the requirement and its specifics")
    item: str = dspy.InputField(desc="the item: what its input shows, its question, options and answer")
    fits: bool = dspy.OutputField()
    reason: str = dspy.OutputField(desc="one short sentence")
