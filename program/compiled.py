"""Loading a compiled program's predictor states into a build's modules."""

import dspy

# A program document: {"realizer": the Realizer's predictor states, "verifier": the Verifier's, "judge": the Judge's,
# "lessons": the reasons reviewers rejected items for, "checked_lessons": those the recall step checks}.
BUILD_PARTS = ("realizer", "verifier")


def apply_program(state: dict, realizer: dspy.Module, verifier: dspy.Module) -> None:
    """Load the compiled predictor states into a build's Realizer and Verifier, by predictor attribute name, and
    the lessons into the Verifier."""
    for part, module in zip(BUILD_PARTS, (realizer, verifier)):
        for name, predictor_state in state.get(part, {}).items():
            getattr(module, name).load_state(predictor_state)
    verifier.lessons = list(state.get("checked_lessons", []))
