"""Live progress on the terminal: a build's planning stage then a bar of accepted samples; a compile's stages."""

import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class BuildProgress:
    """Turns the build's events into a rich progress display."""

    def __init__(self, console: Console):
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), console=console)
        self.task = None
        self.counts = {"ok": 0, "rejected": 0, "failed": 0}

    def __enter__(self) -> "BuildProgress":
        return self

    def __exit__(self, *exc) -> None:
        if self.task is not None:
            self.progress.stop()

    def _counts(self) -> str:
        return f"accepted {self.counts['ok']}  rejected {self.counts['rejected']}  failed {self.counts['failed']}"

    def on_event(self, kind: str, **data) -> None:
        if self.task is None:
            self.progress.start()
            self.task = self.progress.add_task("starting", total=None, counts="")
        if kind == "run":
            resuming = "resuming " if data.get("resumed") else ""
            self.progress.console.print(f"{resuming}run {data['run_id']}", highlight=False)
        elif kind == "stage":
            self.progress.update(self.task, description=f"planning: {data['stage']}")
        elif kind == "subtask":
            self.progress.console.print(
                f"  subtask {data['key']}: quota {data['quota']} on {', '.join(data['sources']) or 'no source'}",
                highlight=False)
        elif kind == "ungrounded":
            why = "; ".join(data.get("reasons") or [])[:200] or "nothing grounds it"
            self.progress.console.print(f"  subtask {data['subtask']} dropped: {why}", highlight=False, markup=False)
        elif kind == "gap":
            self.progress.console.print(f"  facet {data['facet']} not carried: {data['reason']}", highlight=False,
                                        markup=False)
        elif kind == "execute":
            self.counts["ok"] = data.get("accepted", 0)
            self.progress.update(self.task, description="samples", total=data["total"], completed=self.counts["ok"],
                                 counts=self._counts())
        elif kind == "shortfall":
            self.progress.console.print(
                f"  shortfall in {data['subtask']}: {data['missing']} missing, {data['reason']}", highlight=False)
        elif kind == "sample":
            status = "ok" if data["status"] in ("ok", "fixed") else data["status"]
            self.counts[status] = self.counts.get(status, 0) + 1
            self.progress.update(self.task, advance=1 if status == "ok" else 0, counts=self._counts())


class CompileProgress:
    """The compile's events as a rich progress line: stage, items evaluated, LM calls."""

    def __init__(self):
        # bound to the real stderr now: the optimizers' own output is redirected while they run
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("LM calls {task.fields[calls]}"), TimeElapsedColumn(),
                                 console=Console(file=sys.stderr))
        self.task = self.progress.add_task("reading reviews", total=None, calls=0)

    def __enter__(self) -> "CompileProgress":
        return self

    def __exit__(self, *exc) -> None:
        if self.progress.live.is_started:
            self.progress.stop()

    def on_event(self, kind: str, **data: Any) -> None:
        if not self.progress.live.is_started:  # shown from the first event on: a refusal before it stays one line
            self.progress.start()
        if kind == "stage":
            self.progress.update(self.task, description=data["stage"], total=data["total"], completed=0)
        elif kind == "step":
            self.progress.advance(self.task)
        elif kind == "lm_call":
            self.progress.update(self.task, calls=data["calls"])
