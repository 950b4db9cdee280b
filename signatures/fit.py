"""Item-level intent check: does one item ask what the requirement asks for, whatever its answer."""

import dspy


class CheckFit(dspy.Signature):
    """Does this benchmark item ask the kind of question the requirement asks for, about what it names, in the form it
    asks? Judge what is asked, not whether an answer or option is right: the answers are checked elsewhere."""

    requirement: str = dspy.InputField()
    item: str = dspy.InputField(desc="what the model under test sees: its input, the question and any options")
    fits: bool = dspy.OutputField()
