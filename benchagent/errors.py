"""Typed errors raised by the shell; the CLI turns them into one line on stderr."""


class BenchagentError(Exception):
    """Base class for every benchagent failure reported to the user."""


class ModelError(BenchagentError):
    """A language model cannot be selected, assembled or loaded."""


class InputError(BenchagentError):
    """A user-supplied value is unusable."""
