"""Typed errors raised by the planner and the executor."""


class ProgramError(Exception):
    """Base class for failures of the agents' programs."""


class Interrupted(ProgramError):
    """Ctrl-C stopped the work; what it had recorded is kept."""


class PlanningError(ProgramError):
    """The planner could not produce a usable specification."""


class PlanValidationError(ProgramError):
    """A transformation plan breaks the dataflow rules."""


class RealizationError(ProgramError):
    """One slot could not be realized into a sample."""
