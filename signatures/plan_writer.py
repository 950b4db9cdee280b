"""Plan writing: an LLM writes the transformation plan for a source no recipe or template covers."""

import dspy

from benchagent.signatures.grounding import TransformPlan


class WritePlan(dspy.Signature):
    """Write the steps that turn one source record into one benchmark item for the subtask.
    References: original.<field>, slot.seed, slot.gold_position, interim.<name>, final.input.<name>,
    final.output.answer. In inputs 'ref:arg' passes ref as argument arg; in outputs 'ref:field' stores that output.
    Record tools take fields by role: 'original.name:subject.name', 'original.number:answer.atomic number'.
    PURE tool steps make the exact answer. Last step: LLM phrase_question, inputs interim.goal and interim.context,
    output final.input.question. Never feed final.output.* to a step that writes final.input.*."""

    tools: str = dspy.InputField(desc="one tool a line: name(inputs) -> outputs: what it does")
    card: str = dspy.InputField(desc="the source: its fields with types and one example record")
    subtask: str = dspy.InputField(desc="subtask as JSON, with the final fields to produce")
    plan: TransformPlan = dspy.OutputField()
