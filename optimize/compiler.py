"""The compiler, shaped like a DSPy teleprompter: compile(student, trainset=reviewed, valset=held out) returns the
program with its realizer steps, inspector and recall step trained against an acceptance judge aligned to humans."""

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import dspy
from dspy.teleprompt import Teleprompter

from benchagent.optimize.acceptance import acceptance_metric, accepted
from benchagent.optimize.datasets import Reviewed, judge_examples, phrase_examples, write_examples
from benchagent.optimize.judge import Judge, agreement_metric, agrees, inspector_agrees, inspector_state
from benchagent.optimize.lessons import (balanced_agreement, expected_lesson, lessons, recall_agrees, recall_state,
                                         recall_trusted, taught)
from benchagent.optimize.optimizers import Budget, optimize
from benchagent.optimize.phrase import phrase_inputs, rephrased
from benchagent.optimize.write import rewritten, write_inputs
from benchagent.program.agent import BenchmarkAgent
from benchagent.program.executor.taught import lessons_of, with_lessons
from benchagent.signatures import InspectSample

Event = Callable[..., None]  # on_event(kind, **fields): progress for the command's display


def no_events(*_: Any, **__: Any) -> None:
    return None


class StepFigures(NamedTuple):
    """How one realizer step's held-out figures are named in a program's metrics and shown."""

    metric: str                    # <metric>_before, <metric>_after
    count: str                     # n_<count>_train, n_<count>_heldout
    heldout: str                   # what its held-out samples become: "re-phrased"
    step: str                      # "phrasing"
    made: str                      # what it did to the samples it made: "phrased"


PHRASING = StepFigures("predicted_acceptance", "realizer", "re-phrased", "phrasing", "phrased")
WRITING = StepFigures("written_acceptance", "writer", "re-written", "writing", "written")
STEP_FIGURES = (PHRASING, WRITING)


@dataclass(frozen=True)
class RealizerStep:
    """One LLM step of the realizer compiled on its own: the plan tool it is (the Realizer's attribute), its
    human-accepted examples, the held-out samples it made, how its output remakes an item, whether reviewers
    rejected training samples it made (their reasons teach it even when none was accepted), and the steps before it
    that decide what its items ask, which are taught the same lessons."""

    figures: StepFigures
    tool: str
    inputs: Callable
    remake: Callable
    train: list
    heldout: list
    rejected: bool = False
    planners: tuple[str, ...] = ()


def realizer_steps(train: list[Reviewed], heldout: list[Reviewed]) -> list[RealizerStep]:
    """Every compiled realizer step with its human-accepted training examples and the held-out samples it made."""
    def rejected(made: str) -> bool:
        return any(r.decision == "reject" and r.reason.strip() and getattr(r, made) for r in train)

    return [
        RealizerStep(PHRASING, "phrase_question", phrase_inputs, rephrased,
                     phrase_examples(train, accepted_only=True), [r for r in heldout if r.phrase_inputs],
                     rejected("phrase_inputs")),
        RealizerStep(WRITING, "write_item", write_inputs, rewritten,
                     write_examples(train, accepted_only=True), [r for r in heldout if r.write_inputs],
                     rejected("write_inputs"), planners=("write_brief",)),
    ]


class OneStep(dspy.Module):
    """A program's step module on its own, called with an example's inputs, so an optimizer compiles just it; once
    taught, it reads its lessons after the subtask, as in a build."""

    def __init__(self, step: dspy.Module):
        super().__init__()
        self.step = step

    def forward(self, **inputs: Any) -> dspy.Prediction:
        if "subtask" in inputs:
            inputs["subtask"] = with_lessons(inputs["subtask"], lessons_of(self.step))
        return self.step(**inputs)


def _outcomes(stage: str, items: list, check: Callable[[Any], bool], threads: int, on_event: Event) -> list[bool]:
    """check on every item, in the items' order, run on threads that inherit the DSPy context."""
    on_event("stage", stage=stage, total=len(items))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = {pool.submit(contextvars.copy_context().run, check, item): n for n, item in enumerate(items)}
        outcomes = [False] * len(items)
        for future in as_completed(futures):
            outcomes[futures[future]] = bool(future.result())
            on_event("step", stage=stage)
    return outcomes


def share(outcomes: list[bool]) -> float:
    return round(sum(outcomes) / len(outcomes), 4)


class ReviewCompiler(Teleprompter):
    """Compiles a BenchmarkAgent against human-reviewed samples. compile aligns the judge (starting from judge, the
    parent's), compiles each realizer step that has training and held-out samples against it, hands the judge's demos
    to the inspector when that makes it agree with humans more, and teaches the reasons reviewers rejected items for
    (a recall step, trusted on held-out samples or left unchecked). The student is the baseline of the 'before'
    figures and is left untouched; a step this compile does not train keeps the student's state. After compile, the
    compiler holds the aligned judge, the lessons and the figures (metrics)."""

    def __init__(self, optimizer: str = "bootstrap", budget: Budget = Budget(), *, threads: int = 2,
                 judge: Judge | None = None, reflection_lm: dspy.BaseLM | None = None, on_event: Event = no_events):
        super().__init__()
        self.optimizer, self.budget, self.reflection_lm = optimizer, budget, reflection_lm
        self.judge = judge or Judge()
        self.outcomes = partial(_outcomes, threads=threads, on_event=on_event)
        self.on_event = on_event
        self.lessons: list[str] = []
        self.metrics: dict[str, Any] = {}

    def _optimize(self, student: dspy.Module, trainset: list, metric: Callable) -> dspy.Module:
        return taught(optimize(self.optimizer, student, trainset, metric, self.budget, self.reflection_lm),
                      self.lessons)

    def compile(self, student: BenchmarkAgent, *, trainset: list[Reviewed], teacher=None,
                valset: list[Reviewed] | None = None, **_) -> BenchmarkAgent:
        train, heldout = trainset, valset or []
        outcomes = self.outcomes

        def share_of(stage: str, items: list, check: Callable[[Any], bool]) -> float:
            return share(outcomes(stage, items, check))

        program = student.deepcopy()
        realizer, verifier = program.executor.realizer, program.executor.verifier
        self.lessons = learned = lessons(train)
        judge_before = share_of("judge agreement before", heldout, partial(agrees, self.judge))
        self.on_event("stage", stage=f"aligning the judge ({self.optimizer})", total=None)
        self.judge = judge = self._optimize(Judge(), judge_examples(train), agreement_metric)
        judge_after = share_of("judge agreement after", heldout, partial(agrees, judge))
        inspectors = {"before": student.executor.verifier.inspect, "after": dspy.Predict(InspectSample)}
        inspectors["after"].load_state(inspector_state(judge, train))
        rejected = [r.decision == "reject" for r in heldout]
        inspector = {side: outcomes(f"inspector agreement {side}", heldout, partial(inspector_agrees, predictor))
                     for side, predictor in inspectors.items()}
        inspector_balanced = {side: balanced_agreement(rejected, agreed) for side, agreed in inspector.items()}
        metrics: dict[str, Any] = {}
        for step in realizer_steps(train, heldout):
            if not ((step.train or step.rejected) and step.heldout):
                continue
            f = step.figures
            before = share_of(f"{f.step} acceptance before", step.heldout,
                              partial(accepted, OneStep(getattr(student.executor.realizer, step.tool)), judge,
                                      step.inputs, step.remake))
            self.on_event("stage", stage=f"compiling the {f.step} step ({self.optimizer})", total=None)
            if step.train:
                compiled = self._optimize(OneStep(getattr(student.executor.realizer, step.tool).reset_copy()),
                                          step.train, acceptance_metric(judge, train, step.remake))
            else:  # nothing it made was accepted: the reasons its items were rejected for are all it can learn
                compiled = taught(OneStep(getattr(student.executor.realizer, step.tool).deepcopy()), learned)
            after = share_of(f"{f.step} acceptance after", step.heldout,
                             partial(accepted, compiled, judge, step.inputs, step.remake))
            getattr(realizer, step.tool).load_state(compiled.step.dump_state())
            for planner in step.planners:  # the brief chose what the item asks before the writer saw a lesson
                taught(getattr(realizer, planner), learned)
            metrics.update({f"{f.metric}_before": before, f"{f.metric}_after": after,
                            f"n_{f.count}_train": len(step.train), f"n_{f.count}_heldout": len(step.heldout)})
        verifier.recall.load_state(recall_state(train, learned))
        measurable = [r for r in heldout if expected_lesson(r, learned) is not None] if learned else []
        recalled = outcomes("recall agreement", measurable, partial(recall_agrees, verifier.recall, learned)) \
            if measurable else []
        agreement = share(recalled) if measurable else None
        recall_balanced = balanced_agreement([expected_lesson(r, learned) != 0 for r in measurable], recalled)
        trusted = recall_trusted(recall_balanced)
        verifier.lessons = learned if trusted else []
        # the judge's demos reach the build's inspector only when they make it tell rejected items from accepted ones
        # better than before and better than one answer for all (balanced agreement above 0.5)
        balanced_before, balanced_after = inspector_balanced["before"], inspector_balanced["after"]
        inspector_trusted = balanced_after is not None and balanced_after > 0.5 and \
            (balanced_before is None or balanced_after >= balanced_before)
        if inspector_trusted:
            verifier.inspect.load_state(inspectors["after"].dump_state())
        self.metrics = {**metrics,
                        "judge_agreement_before": judge_before, "judge_agreement_after": judge_after,
                        "n_train": len(train), "n_heldout": len(heldout), "lessons": learned,
                        "recall_agreement": agreement, "recall_balanced_agreement": recall_balanced,
                        "recall_trusted": trusted,
                        "inspector_agreement_before": share(inspector["before"]),
                        "inspector_agreement_after": share(inspector["after"]),
                        "inspector_balanced_before": balanced_before, "inspector_balanced_after": balanced_after,
                        "inspector_trusted": inspector_trusted}
        return program
