"""Typed errors of compilation; the CLI turns them into one line on stderr."""

from benchagent.program.errors import ProgramError


class OptimizeError(ProgramError):
    """Compilation cannot run: too few reviewed samples, an unknown optimizer, a bad budget."""
