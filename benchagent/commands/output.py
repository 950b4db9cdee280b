"""Where commands write and how they fail: the stdout and stderr consoles, and the one wrapper that turns the
package's typed errors into one line on stderr and a non-zero exit."""

import json
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from benchagent.errors import BenchagentError
from benchagent.program.errors import Interrupted, ProgramError
from benchagent.store.errors import StoreError
from benchagent.store.redact import scrub

T = TypeVar("T")

out = Console(width=None if sys.stdout.isatty() else 120)  # tables stay readable in logs and pipes
err = Console(stderr=True)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def fail(message: str, code: int = 1, details: Sequence[str] = ()) -> NoReturn:
    """`error: message` on one line of stderr, then each detail line indented (a review file's bad rows); exit."""
    sys.stderr.write(f"error: {' '.join(scrub(message).split())}\n" + "".join(f"  {scrub(d)}\n" for d in details))
    raise typer.Exit(code)


def guarded(fn: Callable[[], T]) -> T:
    """Run a command body; known failures become one line on stderr and a non-zero exit (130 when interrupted)."""
    try:
        return fn()
    except Interrupted as exc:
        fail(str(exc), 130)
    except BenchagentError as exc:
        fail(exc.message, details=exc.details)
    except (StoreError, ProgramError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:
        from dspy.utils.exceptions import AdapterParseError, LMError

        if isinstance(exc, (LMError, AdapterParseError)):  # a model's failure that no agent turned into its own
            fail(f"model: {type(exc).__name__}: {exc}")
        raise


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@contextmanager
def stopped_by_sigterm() -> Iterator[None]:
    """Within it SIGTERM (kill, a scheduler's stop) interrupts as Ctrl-C does: a build is left interrupted and
    resumable, a server stopped; the earlier handler comes back after."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def progressing(call: Callable[[Callable], T]) -> T:
    """call(on_event) under a build's progress display, which is gone before a failure's one line is printed."""
    from benchagent.progress import BuildProgress

    def run() -> T:
        with stopped_by_sigterm(), BuildProgress(err) as progress:
            return call(progress.on_event)

    return guarded(run)
