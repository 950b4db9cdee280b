"""The CLI's one error wrapper: each typed error of the package is one `error:` line on stderr (credentials masked)
and an exit code; a review file's bad rows follow indented; anything else propagates."""

import pytest
import typer
from dspy.utils.exceptions import LMError

from benchagent.commands.output import guarded
from benchagent.errors import InputError
from benchagent.program.errors import Interrupted, PlanningError
from benchagent.store.errors import StoreError


def failed(exc: BaseException, capsys) -> tuple[int, list[str]]:
    def body():
        raise exc

    with pytest.raises(typer.Exit) as exit_:
        guarded(body)
    return exit_.value.exit_code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("exc, code, lines", [
    (InputError("bad   value\n  spread over lines"), 1, ["error: bad value spread over lines"]),
    (InputError("3 bad row(s)", ["line 2: unknown sample", "... and 1 more"]), 1,
     ["error: 3 bad row(s)", "  line 2: unknown sample", "  ... and 1 more"]),
    (StoreError("no run at http://ann:hunter2@host/v1?api_key=s3cret"), 1, ["error: no run at http://host/v1?api_key=***"]),
    (PlanningError("nothing grounds it"), 1, ["error: nothing grounds it"]),
    (Interrupted("interrupted: benchagent resume run_1"), 130, ["error: interrupted: benchagent resume run_1"]),
    (KeyboardInterrupt(), 130, ["error: interrupted"]),
    (LMError("connection refused"), 1, ["error: model: LMError: connection refused"]),
])
def test_a_typed_error_is_one_line_and_an_exit_code(exc, code, lines, capsys):
    assert failed(exc, capsys) == (code, lines)


def test_details_stay_in_the_message_for_api_callers():
    assert str(InputError("3 bad row(s)", ["line 2: x"])) == "3 bad row(s)\nline 2: x"


def test_other_errors_propagate():
    def body():
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        guarded(body)
