"""One compile: align the judge to human reviews, compile the realizer's steps against it, teach both the reasons
reviewers rejected items for, measure on the held-out reviewed samples before and after, and store the result as a
new program version."""

import contextvars
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

import dspy
from dspy.utils.callback import BaseCallback

from benchagent.optimize.acceptance import acceptance_metric, accepted
from benchagent.optimize.datasets import judge_examples, phrase_examples, reviewed_samples, split, write_examples
from benchagent.optimize.errors import OptimizeError
from benchagent.optimize.judge import Judge, agreement_metric, agrees, inspector_agrees, inspector_state
from benchagent.optimize.lessons import (blind_agreement, expected_lesson, lessons, recall_agrees, recall_state,
                                         recall_trusted, taught)
from benchagent.optimize.optimizers import Budget, check_optimizer, optimize
from benchagent.optimize.phrase import Phraser, phrase_inputs, rephrased
from benchagent.optimize.versions import load_part, program_state
from benchagent.optimize.write import Writer, rewritten, write_inputs
from benchagent.signatures import InspectSample, RecallRejections
from benchagent.store.db import Store
from benchagent.store.errors import NotFoundError
from benchagent.store.programs import get_program, save_program

Event = Callable[..., None]


def _noop(*_: Any, **__: Any) -> None:
    return None


@dataclass(frozen=True)
class CompileOptions:
    optimizer: str = "bootstrap"
    budget: Budget = field(default_factory=Budget)
    heldout: float = 0.3               # share of reviewed samples held out, chosen by sample id hash
    threads: int = 2                   # held-out items evaluated at once
    run_id: str | None = None          # only this run's reviewed samples
    reflection_model: str | None = None  # gepa's reflection model, when not the program's own

    def check(self) -> None:
        check_optimizer(self.optimizer)
        if self.reflection_model and self.optimizer != "gepa":
            raise OptimizeError("--reflection-model is used by --optimizer gepa only")
        self.budget.check()
        if not 0 < self.heldout < 1:
            raise OptimizeError(f"--heldout must be between 0 and 1, got {self.heldout}")
        if not 1 <= self.threads <= 64:
            raise OptimizeError(f"--threads must be between 1 and 64, got {self.threads}")


class _CallCounter(BaseCallback):
    """Counts finished LM calls and reports each one."""

    def __init__(self, on_event: Event):
        self.on_event, self.calls, self._lock = on_event, 0, threading.Lock()

    def on_lm_end(self, call_id, outputs, exception=None):
        with self._lock:
            self.calls += 1
        self.on_event("lm_call", calls=self.calls)


def _share(stage: str, items: list, check: Callable[[Any], bool], threads: int, on_event: Event) -> float:
    """The share of items that pass check, run on threads that inherit the DSPy context."""
    on_event("stage", stage=stage, total=len(items))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(contextvars.copy_context().run, check, item) for item in items]
        passed = 0
        for future in as_completed(futures):
            passed += bool(future.result())
            on_event("step", stage=stage)
    return round(passed / len(items), 4)


class _Inspector(dspy.Module):
    """The Verifier's InspectSample predictor under its attribute name, so a program's verifier state loads into it."""

    def __init__(self):
        super().__init__()
        self.inspect = dspy.Predict(InspectSample)


def _latest(store: Store) -> dict | None:
    try:
        return get_program(store)
    except NotFoundError:
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
class _Step:
    """One LLM step of the realizer compiled on its own: its module, examples and how its output remakes an item."""

    figures: StepFigures
    module: Callable[[], dspy.Module]
    inputs: Callable
    remake: Callable
    train: list
    heldout: list


def _steps(train: list, heldout: list) -> list[_Step]:
    """Every realizer step with its human-accepted training examples and the held-out samples it made."""
    return [
        _Step(PHRASING, Phraser, phrase_inputs, rephrased,
              phrase_examples(train, accepted_only=True), [r for r in heldout if r.phrase_inputs]),
        _Step(WRITING, Writer, write_inputs, rewritten,
              write_examples(train, accepted_only=True), [r for r in heldout if r.write_inputs]),
    ]


def _datasets(store: Store, options: CompileOptions, parent: dict | None):
    reviewed = reviewed_samples(store, options.run_id)
    scope = f" of run {options.run_id}" if options.run_id else ""
    if not reviewed:
        raise OptimizeError(f"{store.path} holds no reviewed sample{scope}: review samples first")
    train, heldout = split(reviewed, options.heldout, trained=frozenset(parent["train_sample_ids"] if parent else ()))
    if not train or not heldout:
        raise OptimizeError(f"{len(reviewed)} reviewed samples{scope} split into {len(train)} for training and "
                            f"{len(heldout)} held out: review more samples or change --heldout")
    steps = _steps(train, heldout)
    usable = [s for s in steps if s.train and s.heldout]
    if not usable:
        counts = "; ".join(f"{s.figures.made}: {len(s.train)} human-accepted for training, {len(s.heldout)} held out"
                           for s in steps)
        raise OptimizeError(f"no realizer step has both a human-accepted training sample and a held-out one{scope} "
                            f"({counts}): review more samples")
    return train, heldout, usable


def check_compile(store: Store, options: CompileOptions) -> None:
    """Raise OptimizeError unless the options are valid and the store holds enough reviewed samples to compile."""
    options.check()
    _datasets(store, options, _latest(store))


def compile_program(store: Store, lm: dspy.BaseLM, options: CompileOptions = CompileOptions(), *,
                    reflection_lm: dspy.BaseLM | None = None, on_event: Event = _noop) -> dict[str, Any]:
    """Compile and store a new program version, the child of the latest one, whose state (or the uncompiled
    program) is the baseline of the 'before' figures; samples the parent trained on are never held out. gepa
    reflects with reflection_lm when given. Returns the stored row without its state."""
    options.check()
    started = time.perf_counter()
    latest = _latest(store)
    train, heldout, steps = _datasets(store, options, latest)
    parent = latest["state"] if latest else None
    counter = _CallCounter(on_event)
    share = partial(_share, threads=options.threads, on_event=on_event)
    metrics: dict[str, Any] = {}
    realizer: dict[str, Any] = {}
    learned = lessons(train)
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter(), callbacks=[counter]):
        judge_before = share("judge agreement before", heldout, partial(agrees, load_part(Judge(), parent, "judge")))
        on_event("stage", stage=f"aligning the judge ({options.optimizer})", total=None)
        judge = taught(optimize(options.optimizer, Judge(), judge_examples(train), agreement_metric, options.budget,
                                reflection_lm),
                       learned)
        judge_after = share("judge agreement after", heldout, partial(agrees, judge))
        inspectors = {"before": load_part(_Inspector(), parent, "verifier").inspect, "after": dspy.Predict(InspectSample)}
        inspectors["after"].load_state(inspector_state(judge, train))
        inspector = {side: share(f"inspector agreement {side}", heldout, partial(inspector_agrees, predictor))
                     for side, predictor in inspectors.items()}
        for step in steps:
            f = step.figures
            measure = partial(accepted, judge=judge, inputs=step.inputs, remake=step.remake)
            before = share(f"{f.step} acceptance before", step.heldout,
                           lambda r, m=load_part(step.module(), parent, "realizer"): measure(m, reviewed=r))
            on_event("stage", stage=f"compiling the {f.step} step ({options.optimizer})", total=None)
            compiled = taught(optimize(options.optimizer, step.module(), step.train,
                                       acceptance_metric(judge, train, step.remake), options.budget, reflection_lm),
                             learned)
            after = share(f"{f.step} acceptance after", step.heldout, lambda r, m=compiled: measure(m, reviewed=r))
            realizer.update(compiled.dump_state())
            metrics.update({f"{f.metric}_before": before, f"{f.metric}_after": after,
                            f"n_{f.count}_train": len(step.train), f"n_{f.count}_heldout": len(step.heldout)})
        recall = dspy.Predict(RecallRejections)
        recall.load_state(recall_state(train, learned))
        measurable = [r for r in heldout if expected_lesson(r, learned) is not None] if learned else []
        agreement = share("recall agreement", measurable, partial(recall_agrees, recall, learned)) if measurable \
            else None
    trusted = recall_trusted(agreement, heldout, learned)
    # the judge's demos reach the build's inspector only when they make it block what humans reject more often
    inspector_trusted = inspector["after"] >= inspector["before"] and \
        inspector["after"] > blind_agreement([r.decision == "reject" for r in heldout])
    metrics.update({
        "judge_agreement_before": judge_before, "judge_agreement_after": judge_after,
        "n_train": len(train), "n_heldout": len(heldout), "heldout_fraction": options.heldout, "lessons": learned,
        "recall_agreement": agreement, "recall_trusted": trusted,
        "inspector_agreement_before": inspector["before"], "inspector_agreement_after": inspector["after"],
        "inspector_trusted": inspector_trusted,
        "run_id": options.run_id, "reflection_model": options.reflection_model if reflection_lm else None,
        "max_demos": options.budget.max_demos, "trials": options.budget.trials,
        "lm_calls": counter.calls, "wall_s": round(time.perf_counter() - started, 2),
        "heldout_sample_ids": [r.sample_id for r in heldout],
    })
    row = save_program(store, state=program_state(realizer, judge, inspectors["after" if inspector_trusted else
                                                                              "before"].dump_state(),
                                                  recall.dump_state(), learned, checked=learned if trusted else []),
                       optimizer=options.optimizer, train_sample_ids=[r.sample_id for r in train], metrics=metrics)
    return {k: v for k, v in row.items() if k != "state"}
