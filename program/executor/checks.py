"""Deterministic checks every item must pass before any LLM looks at it."""

import re
from dataclasses import dataclass

from benchagent.program.executor.item import Item
from benchagent.program.tools.targets import mentions


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str = ""


def schema_check(item: Item, *, answer_type: str, needs_image: bool) -> CheckResult:
    problems = []
    if len(item.question.strip()) < 8:
        problems.append("question missing or too short")
    if not item.answer.strip():
        problems.append("answer missing")
    if needs_image and not item.images:
        problems.append("image missing")
    if answer_type == "choice" and not item.options:
        problems.append("options missing")
    if answer_type == "number" and not re.fullmatch(r"-?\d+(\.\d+)?", item.answer.strip()):
        problems.append(f"answer {item.answer!r} is not a number")
    return CheckResult("schema", not problems, "; ".join(problems))


def options_check(item: Item) -> list[CheckResult]:
    if item.options is None:
        return []
    normalized = [o.strip().lower() for o in item.options]
    gold = item.answer.strip().lower()
    distinct = len(set(normalized)) == len(normalized)
    results = [
        CheckResult("answer_in_options", gold in normalized, "" if gold in normalized else f"{item.answer!r} not among options"),
        CheckResult("single_correct_option", distinct and normalized.count(gold) == 1,
                    "" if distinct else "options are not distinct"),
    ]
    lengths = [len(o) for o in normalized]
    longest = max(lengths)
    others = [n for o, n in zip(normalized, lengths) if o != gold]
    cue = len(item.options) > 2 and len(gold) == longest and others and len(gold) > 1.5 * max(others) + 2
    results.append(CheckResult("length_cue", not cue, "gold option is conspicuously the longest" if cue else ""))
    return results


def leakage_check(item: Item) -> CheckResult:
    both = mentions(item.question, "yes") and mentions(item.question, "no")
    if item.answer.strip().lower() in ("yes", "no") and both:
        return CheckResult("no_answer_leak", True)  # "(answer yes or no)" names both answers, so neither leaks
    if item.options is None and mentions(item.question, item.answer):
        return CheckResult("no_answer_leak", False, f"question contains the answer {item.answer!r}")
    if item.options is not None and mentions(item.question, item.answer) and not any(
        mentions(item.question, o) for o in item.options if o != item.answer
    ):
        return CheckResult("no_answer_leak", False, f"question names the gold option {item.answer!r}")
    return CheckResult("no_answer_leak", True)


def run_checks(item: Item, *, answer_type: str, needs_image: bool) -> list[CheckResult]:
    return [schema_check(item, answer_type=answer_type, needs_image=needs_image), *options_check(item), leakage_check(item)]
