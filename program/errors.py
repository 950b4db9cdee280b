"""Typed errors raised by the planner and the executor, and the one line a model's failure is told in."""

from textwrap import shorten

from dspy.utils.exceptions import AdapterParseError

from benchagent.store.redact import scrub


class ProgramError(Exception):
    """Base class for failures of the agents' programs."""


class Interrupted(ProgramError):
    """Ctrl-C stopped the work; what it had recorded is kept."""


class BuildAborted(ProgramError):
    """The build stopped before its quotas were met; its state is kept for `benchagent resume`."""


class PlanningError(ProgramError):
    """The planner could not produce a usable specification."""


class PlanValidationError(ProgramError):
    """A transformation plan breaks the dataflow rules."""


class RealizationError(ProgramError):
    """One slot could not be realized into a sample."""


def model_fault(exc: Exception) -> str:
    """One line naming what went wrong with the model: its error, or that its reply could not be read."""
    if isinstance(exc, AdapterParseError):
        return "its reply could not be read: " + shorten(" ".join(str(exc).split()), 200)
    return scrub(f"{type(exc).__name__}: {shorten(' '.join(str(exc).split()), 300)}")
