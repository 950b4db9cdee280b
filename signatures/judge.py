"""Acceptance judge: would a careful reviewer accept this item for the requirement."""

from typing import Literal

import dspy


class JudgeSample(dspy.Signature):
    """Decide whether a careful human reviewer would accept this benchmark item for the requirement."""

    requirement: str = dspy.InputField()
    item: str = dspy.InputField()
    decision: Literal["accept", "reject"] = dspy.OutputField()
    reason: str = dspy.OutputField()
