"""Reviewer lessons as a compiled step carries them: after a mark in its instructions, and in the subtask it reads."""

import dspy

MARK = "Human reviewers rejected earlier items for these reasons"  # where taught lessons start, in every wording
HEADER = f"{MARK}; where an instruction above says otherwise, theirs comes first. Make sure none of them applies here:"
SAID = "Reviewers rejected earlier items written for this subtask, saying:"  # where the lessons start in a subtask


def lessons_in(instructions: str) -> list[str]:
    """The lessons taught after MARK in a step's instructions, in order; none for an untaught step."""
    _, marked, taught = instructions.partition(MARK)
    if not marked:
        return []
    return [line[2:].strip() for line in taught.splitlines() if line.startswith("- ") and line[2:].strip()]


def lessons_of(step: dspy.Module) -> list[str]:
    """The lessons a step module (a Predict, or a module holding one) was taught."""
    return next((lessons_in(p.signature.instructions) for _, p in step.named_predictors()), [])


def with_lessons(subtask: str, lessons: list[str]) -> str:
    """The subtask a taught step plans from: what reviewers said follows it, quoted, with what to do about it, since a
    small model weighs what it reads as input over its instructions (on six passages the 1.5B brief and writer set a
    comparison in 6 items when the reviewers' reason came so, in 2 under the instructions' header); the subtask alone
    when there are none."""
    if not lessons:
        return subtask
    said = "; ".join(f'"{lesson}"' for lesson in lessons)
    return f"{subtask}\n{SAID} {said}. Plan and write this item so that they would accept it."


def without_lessons(subtask: str) -> str:
    """The subtask a taught step read, its lessons left out: what a compile trains on and teaches anew."""
    return subtask.partition(f"\n{SAID}")[0]
