"""One compile from the store: the reviewed samples split into train and held out, the latest program as the student,
the compiler run on them, and its program stored as the new version."""

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import dspy
from dspy.utils.callback import BaseCallback

from benchagent.optimize.compiler import Event, ReviewCompiler, no_events, realizer_steps
from benchagent.optimize.datasets import reviewed_samples, split
from benchagent.optimize.errors import OptimizeError
from benchagent.optimize.judge import Judge
from benchagent.optimize.optimizers import Budget, check_optimizer
from benchagent.program.agent import BenchmarkAgent
from benchagent.store.db import Store
from benchagent.store.errors import NotFoundError
from benchagent.store.programs import get_program, save_program

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


def _latest(store: Store) -> dict | None:
    try:
        return get_program(store)
    except NotFoundError:
        return None


def _datasets(store: Store, options: CompileOptions, parent: dict | None):
    reviewed = reviewed_samples(store, options.run_id)
    scope = f" of run {options.run_id}" if options.run_id else ""
    if not reviewed:
        raise OptimizeError(f"{store.path} holds no reviewed sample{scope}: review samples first")
    train, heldout = split(reviewed, options.heldout, trained=frozenset(parent["train_sample_ids"] if parent else ()))
    if not train or not heldout:
        raise OptimizeError(f"{len(reviewed)} reviewed samples{scope} split into {len(train)} for training and "
                            f"{len(heldout)} held out: review more samples or change --heldout")
    steps = realizer_steps(train, heldout)
    if not any((s.train or s.rejected) and s.heldout for s in steps):
        counts = "; ".join(f"{s.figures.made}: {len(s.train)} human-accepted for training, {len(s.heldout)} held out"
                           for s in steps)
        raise OptimizeError(f"no realizer step has a held-out sample and a training one accepted, or rejected with a "
                            f"reason{scope} ({counts}): review more samples")
    return train, heldout


def check_compile(store: Store, options: CompileOptions) -> None:
    """Raise OptimizeError unless the options are valid and the store holds enough reviewed samples to compile."""
    options.check()
    _datasets(store, options, _latest(store))


def compile_program(store: Store, lm: dspy.BaseLM, options: CompileOptions = CompileOptions(), *,
                    reflection_lm: dspy.BaseLM | None = None, on_event: Event = no_events) -> dict[str, Any]:
    """Compile and store a new program version, the child of the latest one, whose state (or the uncompiled
    program) is the baseline of the 'before' figures; samples the parent trained on are never held out. gepa
    reflects with reflection_lm when given. Returns the stored row without its state."""
    options.check()
    started = time.perf_counter()
    latest = _latest(store)
    train, heldout = _datasets(store, options, latest)
    student, judge = BenchmarkAgent(), Judge()
    if latest:
        student.load_state(latest["state"])
        judge.load_state(latest["state"]["judge"])
    counter = _CallCounter(on_event)
    compiler = ReviewCompiler(options.optimizer, options.budget, threads=options.threads, judge=judge,
                              reflection_lm=reflection_lm, on_event=on_event)
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter(), callbacks=[counter]):
        program = compiler.compile(student, trainset=train, valset=heldout)
    metrics = {**compiler.metrics, "heldout_fraction": options.heldout, "run_id": options.run_id,
               "reflection_model": options.reflection_model if reflection_lm else None,
               "max_demos": options.budget.max_demos, "trials": options.budget.trials,
               "lm_calls": counter.calls, "wall_s": round(time.perf_counter() - started, 2),
               "heldout_sample_ids": [r.sample_id for r in heldout]}
    state = {**program.compiled_state(), "judge": compiler.judge.dump_state(), "lessons": compiler.lessons}
    row = save_program(store, state=state, optimizer=options.optimizer, train_sample_ids=[r.sample_id for r in train],
                       metrics=metrics)
    return {k: v for k, v in row.items() if k != "state"}
