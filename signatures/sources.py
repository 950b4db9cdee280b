"""Describing a user's data source for the grounding catalog."""

import dspy


class DescribeSource(dspy.Signature):
    """Describe a user's dataset for a catalog of sources that benchmark questions are built from: say what one
    record holds and which questions or skills its records could test."""

    file_name: str = dspy.InputField()
    field_types: dict[str, str] = dspy.InputField(desc="field name -> type and example value")
    size: int = dspy.InputField(desc="number of records")
    examples: str = dspy.InputField(desc="example records, one JSON object a line, long values cut")
    description: str = dspy.OutputField(desc="2-3 sentences: what a record holds and what it could test")
    keywords: list[str] = dspy.OutputField(desc="5 to 10 search keywords")
