"""`--help` is the documentation: every command, argument and option of the one app has help text, and what it says
in square brackets is shown, not taken for markup."""

import typer.main
from typer.testing import CliRunner

from benchagent.cli import app


def commands(command, path=()):
    yield path, command
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from commands(sub, (*path, name))


def test_every_command_argument_and_option_has_help():
    found = list(commands(typer.main.get_command(app)))
    assert {" ".join(path) for path, _ in found} >= {"build", "compile", "eval", "ab run", "review import", "serve"}
    for path, command in found:
        assert path == () or (command.help or "").strip(), path
        for param in command.params:
            assert (getattr(param, "help", None) or "").strip(), (path, param.name)


def test_defaults_in_brackets_survive_rich_markup():
    shown = CliRunner().invoke(app, ["build", "--help"], env={"COLUMNS": "200"}).output
    assert "[default: 10; with --spec, the spec's" in shown and "[default: 0; with --spec, the spec's]" in shown


def test_timeout_is_an_option_wherever_a_server_model_is_called():
    for path in (["build"], ["plan"], ["resume"], ["compile"], ["eval"], ["ab", "run"]):
        assert "--timeout" in CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"}).output, path
