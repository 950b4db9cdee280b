"""Reviewer lessons: whether an item repeats a defect human reviewers rejected earlier items for."""

import dspy


class RecallRejections(dspy.Signature):
    """Human reviewers rejected earlier benchmark items for the numbered reasons. Name the reasons that apply to
    this item as it stands; a reason applies only when this item plainly has that defect."""

    item: str = dspy.InputField(desc="the item as JSON; image fields are described, not shown")
    reasons: list[str] = dspy.InputField(desc="reasons reviewers gave, numbered from 1")
    repeated: list[int] = dspy.OutputField(desc="the numbers of the reasons that apply; empty when none does")
