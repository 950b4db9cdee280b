"""DSPy's optimizers behind one call, with light budgets: demos per predictor and trials."""

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass

import dspy

from benchagent.optimize.errors import OptimizeError

OPTIMIZERS = ("bootstrap", "mipro", "gepa", "simba")


@dataclass(frozen=True)
class Budget:
    """max_demos: demos per predictor (bootstrap, mipro, simba); trials: mipro trials, gepa full evaluations,
    simba steps."""

    max_demos: int = 4
    trials: int = 4

    def check(self) -> None:
        if not 0 <= self.max_demos <= 16:
            raise OptimizeError(f"--max-demos must be between 0 and 16, got {self.max_demos}")
        if not 1 <= self.trials <= 100:
            raise OptimizeError(f"--trials must be between 1 and 100, got {self.trials}")


def check_optimizer(name: str) -> None:
    if name not in OPTIMIZERS:
        raise OptimizeError(f"unknown optimizer {name!r}: use one of {', '.join(OPTIMIZERS)}")


def _optimizer(name: str, metric: Callable, budget: Budget, trainset: list[dspy.Example],
               reflection_lm: dspy.BaseLM | None):
    demos = budget.max_demos
    errors = len(trainset) + 1  # a malformed answer costs its example a demo, never the whole compile
    if name == "bootstrap":
        return dspy.BootstrapFewShot(metric=metric, max_bootstrapped_demos=demos, max_labeled_demos=demos,
                                     max_errors=errors), {}
    if name == "mipro":
        optimizer = dspy.MIPROv2(metric=metric, auto=None, num_candidates=2, max_bootstrapped_demos=demos,
                                 max_labeled_demos=demos, num_threads=1, max_errors=errors, verbose=False,
                                 track_stats=False)
        return optimizer, {"valset": trainset, "num_trials": budget.trials, "minibatch": False,
                           "program_aware_proposer": False, "data_aware_proposer": False}
    if name == "gepa":
        return dspy.GEPA(metric=metric, max_full_evals=budget.trials, reflection_lm=reflection_lm or dspy.settings.lm,
                         reflection_minibatch_size=min(3, len(trainset)), use_merge=False, num_threads=1), {}
    return dspy.SIMBA(metric=metric, bsize=min(4, len(trainset)), num_candidates=2, max_steps=budget.trials,
                      max_demos=demos, num_threads=1), {}


def optimize(name: str, student: dspy.Module, trainset: list[dspy.Example], metric: Callable,
             budget: Budget, reflection_lm: dspy.BaseLM | None = None) -> dspy.Module:
    """Compile student on trainset with the named optimizer (gepa reflects with reflection_lm, else the program's own
    model); the optimizers' own prints and progress bars are swallowed (callers report progress through LM-call
    events)."""
    check_optimizer(name)
    optimizer, options = _optimizer(name, metric, budget, trainset, reflection_lm)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return optimizer.compile(student, trainset=trainset, **options)
