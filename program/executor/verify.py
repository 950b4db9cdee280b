"""Verification: deterministic checks, the inspector, at most one repair round, the solver cross-check."""

import json
from dataclasses import dataclass, field

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.program.executor.checks import run_checks
from benchagent.program.executor.dedup import DuplicateIndex
from benchagent.program.executor.item import Item
from benchagent.program.executor.repair import Repairer
from benchagent.program.executor.solver import Solver, answers_agree, as_image
from benchagent.program.intent import Intent, intent_problem
from benchagent.program.planner.limits import answer_outside
from benchagent.signatures import CheckFit, InspectImageSample, InspectorIssue, InspectSample, RecallRejections

# Categories a pure tool settles by construction: the inspector's word on them is recorded, not obeyed.
# Correctness only: whether the item fits its subtask and makes sense stays the inspector's to judge.
TOOL_SETTLED = frozenset({
    "semantic_correctness", "choice_uniqueness", "missing_answer",
    "missing_multimodal_field", "multimodal_leakage", "schema_recoverability",
})
# Issues that rewording the question can resolve; any other blocking issue rejects at once.
REPAIRABLE = frozenset({"ambiguity", "leakage", "answer_type", "redundant_input", "answerability", "repeats_rejected"})
BLOCKING = frozenset({"fatal", "major"})


@dataclass(frozen=True)
class Verdict:
    stage: str                                # check | fit | inspector | repair | solver
    name: str
    passed: bool
    severity: str | None = None
    detail: str = ""

    @property
    def blocking(self) -> bool:
        return not self.passed and self.severity in BLOCKING


@dataclass
class Outcome:
    status: str                               # ok | fixed | rejected
    verdicts: list[Verdict] = field(default_factory=list)
    item: Item | None = None                  # the final item, repaired when status is fixed
    duplicate_of: str | None = None           # the accepted sample this item nearly duplicates

    def _blocking(self) -> list[Verdict]:
        """What still blocks the item since its last successful repair, then every repair tried."""
        last = max((i for i, v in enumerate(self.verdicts) if v.stage == "repair" and v.passed), default=-1)
        standing = [v for v in self.verdicts[last + 1:] if v.blocking]
        return [*standing, *(v for v in self.verdicts if v.stage == "repair")]

    @property
    def reasons(self) -> list[str]:
        return [f"{v.name}: {v.detail}" if v.detail else v.name for v in self._blocking()]

    @property
    def category(self) -> str:
        """The name of the first reason, the one a rejection is counted under."""
        blocking = self._blocking()
        return blocking[0].name if blocking else "rejected"

    def reject(self) -> "Outcome":
        self.status = "rejected"
        return self


def judge_issue(issue: InspectorIssue, answer_origin: str) -> Verdict:
    settled = answer_origin == "tool" and issue.category in TOOL_SETTLED
    severity = "overridden" if settled else issue.severity
    return Verdict("inspector", issue.category, False, severity, issue.detail)


class Verifier(dspy.Module):
    """Checks first (no LM call when they reject), then the inspector, one repair round, and for LLM-written
    answers an independent solver; every step leaves a verdict."""

    def __init__(self, vision: bool = False):
        super().__init__()
        self.vision = vision
        self.fit = dspy.Predict(CheckFit)
        self.inspect = dspy.Predict(InspectSample)
        self.inspect_image = dspy.Predict(InspectImageSample)
        self.recall = dspy.Predict(RecallRejections)
        self.lessons: list[str] = []  # reasons human reviewers rejected earlier items for, from a compiled program
        self.repairer = Repairer()
        self.solver = Solver(vision)

    def forward(self, item: Item, *, subtask: str, answer_type: str, needs_image: bool,
                duplicates: DuplicateIndex | None = None, intent: Intent | None = None) -> Outcome:
        """With an intent, the item must also fit the requirement (code checks, then one yes/no LLM call) before
        the inspector sees it; an off-target item is rejected whoever made its answer."""
        out = Outcome("ok", item=item)

        def checks_pass() -> bool:
            return self._check(out, answer_type=answer_type, needs_image=needs_image, duplicates=duplicates)

        if not checks_pass():
            return out.reject()
        if intent is not None and not self._fits(out, intent):
            return out.reject()
        blocking = self._inspect(out, subtask) + self._recall(out)
        if blocking:
            repairable = all(v.name in REPAIRABLE for v in blocking)
            if not (repairable and self._repair(out, [f"{v.name}: {v.detail}" for v in blocking])):
                return out.reject()
            if not checks_pass() or self._inspect(out, subtask) or self._recall(out):
                return out.reject()
        if out.item.answer_origin != "llm":
            out.verdicts.append(Verdict("solver", "agreement", True, None, "skipped: answer made by a pure tool"))
            return out
        if self._solve(out, answer_type, severity="major"):
            return out
        if not (self._repair(out, [f"answerability: {out.verdicts[-1].detail}"]) and checks_pass()
                and self._solve(out, answer_type, severity="fatal")):
            return out.reject()
        return out

    def _check(self, out: Outcome, *, answer_type: str, needs_image: bool, duplicates: DuplicateIndex | None) -> bool:
        """Deterministic checks and the near-duplicate lookup; True when none blocks."""
        found = [Verdict("check", c.name, c.passed, None if c.passed else "fatal", c.detail)
                 for c in run_checks(out.item, answer_type=answer_type, needs_image=needs_image)]
        if duplicates is not None:
            out.duplicate_of = duplicates.find(out.item)
            detail = f"near-duplicate of accepted sample {out.duplicate_of}" if out.duplicate_of else ""
            found.append(Verdict("check", "near_duplicate", not out.duplicate_of, "fatal" if detail else None, detail))
        out.verdicts += found
        return not any(v.blocking for v in found)

    def _fits(self, out: Outcome, intent: Intent) -> bool:
        """Code checks what it sees better (the items' language, an image the requirement demands, the range it
        states for answers), then, unless a tool made a yes/no question, one plain yes/no LLM call on what the model
        under test sees: does the item ask what was asked. The gold answer is left out: correctness is not this
        check's to judge."""
        item = out.item
        problem = intent_problem(item, intent) or answer_outside(item.answer, intent.requirement)
        if problem is None and item.answer_origin == "tool" and item.answer in ("yes", "no"):
            # the 1.5B model read every yes/no question whose answer is no as off target ("Is Russian an official
            # language of Greece?": 4 of 4 refused, 8 of 8 'yes' kept), so a tool's yes/no question gets code checks
            out.verdicts.append(Verdict("fit", "fits_requirement", True, None, "a tool's yes/no question: code checks"))
            return True
        if problem is None:
            # a knowledge question shows no input: saying "nothing but the question" made the 1.5B model refuse
            # right items ("Is Polish an official language of Poland?")
            shown = {"input": item.input_line()} if item.images or item.extra_input else {}
            shown["question"] = item.question
            if item.options is not None:
                shown["options"] = item.options
            try:
                fits = bool(self.fit(requirement=intent.text(), item=json.dumps(shown, ensure_ascii=False)).fits)
            except AdapterParseError:
                fits = False
            problem = None if fits else f"judged not to test what the requirement asks: {intent.requirement[:160]}"
        out.verdicts.append(Verdict("fit", "off_target" if problem else "fits_requirement", problem is None,
                                    "fatal" if problem else None, problem or ""))
        return problem is None

    def _inspect(self, out: Outcome, subtask: str) -> list[Verdict]:
        """The inspector's issues as verdicts; returns the blocking ones."""
        item = out.item
        if self.vision and item.images:
            shown = {k: v for k, v in item.for_checker().items() if k != "image_shows"}
            issues = self.inspect_image(subtask=subtask, item=json.dumps(shown, ensure_ascii=False),
                                        image=as_image(item)).issues
        else:
            issues = self.inspect(subtask=subtask, item=item.checker_json()).issues
        found = [judge_issue(issue, out.item.answer_origin) for issue in issues] or [
            Verdict("inspector", "no_issues", True)]
        out.verdicts += found
        return [v for v in found if v.blocking]

    def _recall(self, out: Outcome) -> list[Verdict]:
        """With a compiled program's lessons: whether the item repeats a defect reviewers rejected earlier items
        for, one blocking verdict per reason it repeats; returns the blocking ones."""
        if not self.lessons:
            return []
        try:
            numbers = self.recall(item=out.item.checker_json(), reasons=self.lessons).repeated
        except AdapterParseError:
            out.verdicts.append(Verdict("lessons", "recall_unread", True, None, "the recall step's answer could not "
                                                                              "be parsed; no lesson applied"))
            return []
        repeated = [self.lessons[n - 1] for n in sorted(set(numbers)) if 1 <= n <= len(self.lessons)]
        found = [Verdict("lessons", "repeats_rejected", False, "major", reason) for reason in repeated]
        out.verdicts += found or [Verdict("lessons", "no_repeat", True)]
        return found

    def _repair(self, out: Outcome, issues: list[str]) -> bool:
        repair = self.repairer(out.item, issues=issues)
        out.verdicts.append(Verdict("repair", "rewrite_question", repair.item is not None, None, repair.detail))
        if repair.item is not None:
            out.item, out.status = repair.item, "fixed"
        return repair.item is not None

    def _solve(self, out: Outcome, answer_type: str, *, severity: str) -> bool:
        item = out.item
        predicted = self.solver(item)
        agree = answers_agree(item.answer, predicted, item.options, answer_type)
        out.verdicts.append(Verdict("solver", "agreement" if agree else "solver_disagreement", agree,
                                    None if agree else severity,
                                    f"solver answered {predicted!r}; gold is {item.answer!r}"))
        return agree
