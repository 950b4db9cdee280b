"""Repair: the planner proposes question edits, the fixer rewrites the question; code refuses any other change."""

import dataclasses
from dataclasses import dataclass

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.program.executor.checks import leakage_check
from benchagent.program.executor.item import LETTERS, Item
from benchagent.program.executor.solver import answers_agree
from benchagent.signatures import FixSample, PlanRepair


@dataclass(frozen=True)
class Repair:
    item: Item | None      # the repaired item, None when the repair was refused
    detail: str


def _refusal(item: Item, question: str, options: list[str], answer: str) -> str | None:
    """Why the fixer's output cannot stand, or None: only the question may change, and it must not give the
    answer away."""
    if not question.strip():
        return "the fixer returned an empty question"
    if " ".join(question.split()) == " ".join(item.question.split()):
        return "the fixer left the question unchanged"
    # the item shows its options under letters: a fixer copying the letters (or the gold's letter) changed nothing
    if not (answers_agree(item.answer, answer, None, "label") or answer.strip() == item.answer_letter):
        return f"the fixer changed the gold answer to {answer!r}"
    kept = item.options or []
    if [o.strip() for o in options] != list(LETTERS[:len(kept)]) and (
            len(options) != len(kept) or not all(answers_agree(k, o, None, "label")
                                                 for k, o in zip(kept, options, strict=True))):
        return f"the fixer changed the options to {options!r}"
    leak = leakage_check(dataclasses.replace(item, question=question.strip()))
    return None if leak.passed else f"the fixer leaked the answer: {leak.detail}"


class Repairer(dspy.Module):
    """One repair round: PlanRepair then FixSample; the gold answer and the options are never touched."""

    def __init__(self):
        super().__init__()
        self.plan = dspy.Predict(PlanRepair)
        self.fix = dspy.Predict(FixSample)

    def forward(self, item: Item, *, issues: list[str]) -> Repair:
        view = item.checker_json()
        try:
            edits = [a.edit.strip() for a in self.plan(item=view, issues="\n".join(issues)).actions if a.edit.strip()]
            if not edits:
                return Repair(None, "refused: the planner found no edit to the question")
            fixed = self.fix(item=view, edits="\n".join(edits))
        except AdapterParseError as exc:
            return Repair(None, f"refused: malformed model output for {', '.join(exc.signature.output_fields)}")
        problem = _refusal(item, fixed.fixed_question, fixed.options, fixed.answer)
        if problem:
            return Repair(None, f"refused: {problem}")
        question = fixed.fixed_question.strip()
        return Repair(dataclasses.replace(item, question=question),
                      f"question rewritten: {item.question!r} -> {question!r}")
