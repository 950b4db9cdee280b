"""Realization: putting an item's text into the language its requirement is written in."""

import dspy


class Translate(dspy.Signature):
    """Translate a benchmark item's text into the language named. Keep every number, name and quoted label exactly
    as written, and every unit and currency meaning the same (a cup stays a cup, not a spoon; dollars stay dollars);
    add nothing and leave nothing out."""

    subtask: str = dspy.InputField()
    language: str = dspy.InputField()
    text: str = dspy.InputField()
    translation: str = dspy.OutputField(desc="the text in that language only")
