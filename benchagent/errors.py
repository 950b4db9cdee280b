"""Typed errors raised by the shell; the CLI turns them into one line on stderr."""

from collections.abc import Sequence


class BenchagentError(Exception):
    """Base class for every benchagent failure reported to the user: a message, and detail lines (a file's bad rows,
    say) that the CLI prints indented under its one line; str() holds both."""

    def __init__(self, message: str, details: Sequence[str] = ()):
        self.message, self.details = message, list(details)
        super().__init__("\n".join([message, *self.details]))


class ModelError(BenchagentError):
    """A language model cannot be selected, assembled or loaded."""


class InputError(BenchagentError):
    """A user-supplied value is unusable."""
