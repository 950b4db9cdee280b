"""`models`: the models benchagent can use, and how fast the embedded one runs here."""

from typing import Annotated

import typer

from benchagent.commands.output import err, guarded, out


def models(
    check: Annotated[bool, typer.Option(
        "--check", help="Load the embedded model and time a short completion.")] = False,
) -> None:
    """List the models benchagent can use; --check loads the embedded one and reports its speed."""
    from benchagent.lm.select import available_models, check_embedded

    for entry in guarded(available_models):
        out.print(f"{entry['name']:<34} {entry.get('status', '')}  {entry.get('note', '')}", highlight=False)
    if check:
        with err.status("loading the embedded model..."):
            figures = guarded(check_embedded)
        out.print(
            f"load {figures['load_s']:.1f} s, {figures['completion_tokens']} tokens generated at "
            f"{figures['tokens_per_s']:.1f} tokens/s, prompt at {figures['prompt_tokens_per_s']:.1f} tokens/s",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command()(models)
