"""Verification: deterministic checks, then the inspector; decides ok or rejected with reasons."""

import json
from dataclasses import dataclass, field

import dspy

from benchagent.program.executor.checks import run_checks
from benchagent.program.executor.item import Item
from benchagent.signatures import InspectSample, InspectorIssue

# Categories a pure tool settles by construction: the inspector's word on them is recorded, not obeyed.
TOOL_SETTLED = frozenset({
    "semantic_correctness", "answerability", "choice_uniqueness", "missing_answer",
    "missing_multimodal_field", "multimodal_leakage", "schema_recoverability",
})
BLOCKING = frozenset({"fatal", "major"})


@dataclass(frozen=True)
class Verdict:
    stage: str
    name: str
    passed: bool
    severity: str | None = None
    detail: str = ""


@dataclass
class Outcome:
    status: str                               # ok | rejected
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [f"{v.name}: {v.detail}" if v.detail else v.name for v in self.verdicts if not v.passed and v.severity in BLOCKING]


def judge_issue(issue: InspectorIssue, answer_origin: str) -> Verdict:
    settled = answer_origin == "tool" and issue.category in TOOL_SETTLED
    severity = "overridden" if settled else issue.severity
    return Verdict("inspector", issue.category, False, severity, issue.detail)


class Verifier(dspy.Module):
    """Deterministic checks first; the inspector only sees items that pass them."""

    def __init__(self):
        super().__init__()
        self.inspect = dspy.Predict(InspectSample)

    def forward(self, item: Item, *, subtask: str, answer_type: str, needs_image: bool) -> Outcome:
        verdicts = [
            Verdict("check", c.name, c.passed, None if c.passed else "fatal", c.detail)
            for c in run_checks(item, answer_type=answer_type, needs_image=needs_image)
        ]
        if all(v.passed for v in verdicts):
            issues = self.inspect(subtask=subtask, item=json.dumps(item.for_checker(), ensure_ascii=False)).issues
            verdicts += [judge_issue(issue, item.answer_origin) for issue in issues]
            if not issues:
                verdicts.append(Verdict("inspector", "no_issues", True))
        rejected = any(not v.passed and v.severity in BLOCKING for v in verdicts)
        return Outcome("rejected" if rejected else "ok", verdicts)
