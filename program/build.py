"""One build: the run's lifecycle around the planner, which stores a spec, and the executor, which fills its quotas;
resumable."""

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import dspy

from benchagent.program.adapter import Adapter
from benchagent.program.agent import BenchmarkAgent
from benchagent.program.errors import BuildAborted, Interrupted, ProgramError
from benchagent.program.executor.execution import Execution
from benchagent.program.planner.planning import Planning
from benchagent.program.provenance import ProvenanceCallback
from benchagent.program.request import BuildRequest
from benchagent.program.sources.catalog import catalog_cards, save_cards, stored_cards
from benchagent.program.sources.user import UserCard
from benchagent.signatures import Spec
from benchagent.store.db import Store, new_id, now
from benchagent.store.programs import get_program
from benchagent.store.redact import scrub
from benchagent.store.runs import create_run, get_run, update_run

Event = Callable[..., None]


def stopped_status(exc: BaseException) -> str:
    """The run's status after exc: 'interrupted' (resumable) for a stop or a model fault, else 'failed'."""
    return "interrupted" if isinstance(exc, (BuildAborted, KeyboardInterrupt)) else "failed"


def interrupted(run_id: str) -> Interrupted:
    """A Ctrl-C, as the one line that says how to go on."""
    return Interrupted(f"interrupted; run: benchagent resume {run_id}")


def _noop(*_: Any, **__: Any) -> None:
    return None


class Build:
    """Runs or resumes one build against a store; agents are DSPy modules, bookkeeping is plain Python."""

    def __init__(self, store: Store, lm: dspy.BaseLM, request: BuildRequest, *, on_event: Event = _noop,
                 run_id: str | None = None, spec: Spec | None = None):
        self.store, self.lm, self.request, self.on_event = store, lm, request, on_event
        self.spec = spec
        self.run_id = run_id or new_id("run")
        self.resuming = run_id is not None
        self.agent = BenchmarkAgent(vision=request.vision)
        self.adapter = Adapter()
        self.program_id = None
        if request.program:
            row = get_program(store, request.program)
            self.program_id = row["id"]
            self.agent.load_state(row["state"])
            request.program = self.program_id  # a resumed run keeps this version, not a newer 'latest'
        self.cards = {c.id: c for c in catalog_cards(request.sources)}
        for card in stored_cards(store):  # sources registered earlier with `benchagent sources --source`
            if isinstance(card, UserCard):
                self.cards.setdefault(card.id, card)

    @classmethod
    def resume(cls, store: Store, lm: dspy.BaseLM, run_id: str, *, on_event: Event = _noop,
               concurrency: int | None = None) -> "Build":
        row = get_run(store, run_id)
        if row is None:
            raise ProgramError(f"no run {run_id!r} in {store.path}")
        settings = row["settings"]
        request = BuildRequest(requirement=row["requirement"], size=row["size"], model=row["model"], seed=row["seed"],
                               **{k: settings[k] for k in ("max_subtasks", "attempts_per_sample", "concurrency",
                                                           "model_spec", "api_base", "vision", "program", "sources",
                                                           "url_credential", "plan_only") if k in settings})
        if concurrency:
            request.concurrency = concurrency
        return cls(store, lm, request, on_event=on_event, run_id=run_id)

    def _planning(self) -> Planning:
        return Planning(self.store, self.run_id, self.request, self.agent, self.cards, self.on_event)

    def _open_run(self) -> dict | None:
        row = get_run(self.store, self.run_id)
        if row is None:
            req = self.request
            settings = {k: v for k, v in asdict(req).items() if k not in ("requirement", "size", "model", "seed")}
            create_run(self.store, self.run_id, requirement=req.requirement, size=req.size, model=req.model,
                       seed=req.seed, settings=settings, program_id=self.program_id)
        self.on_event("run", run_id=self.run_id, resumed=self.resuming)
        save_cards(self.store, self.cards.values())
        return row

    def plan_only(self) -> Spec:
        """Plan and store the spec without realizing any sample; the run is left 'planned'."""
        started = time.perf_counter()
        self._open_run()
        callback = ProvenanceCallback(self.store, self.run_id, self.agent)
        with dspy.context(lm=self.lm, adapter=self.adapter, callbacks=[callback]):
            try:
                spec = self._planning().plan()
            except BaseException as exc:
                update_run(self.store, self.run_id, status=stopped_status(exc),
                           error=scrub(str(exc)) or type(exc).__name__)
                if isinstance(exc, KeyboardInterrupt):
                    raise interrupted(self.run_id) from None
                raise
        update_run(self.store, self.run_id, status="planned", wall_s=round(time.perf_counter() - started, 2))
        return spec

    def _wall(self) -> float:
        return round(self._wall_before + time.perf_counter() - self._started, 2)

    def run(self) -> str:
        started = self._started = time.perf_counter()
        row = self._open_run()
        if row and row["status"] == "done":
            return self.run_id
        before = self._wall_before = (row or {}).get("wall_s") or 0.0
        callback = ProvenanceCallback(self.store, self.run_id, self.agent)
        try:
            with dspy.context(lm=self.lm, adapter=self.adapter, callbacks=[callback]):
                execution = Execution(self.store, self.run_id, self.request, self.agent, self.cards, lm=self.lm,
                                      adapter=self.adapter, program_id=self.program_id, on_event=self.on_event,
                                      wall=self._wall)
                if execution.load_plan() is None:
                    planning = self._planning()
                    planning.save_spec(self.spec) if self.spec else planning.plan()
                subtasks = execution.load_plan()
                update_run(self.store, self.run_id, status="running", error=None)
                shortfalls = execution.execute(subtasks, callback)
        except BaseException as exc:
            update_run(self.store, self.run_id, status=stopped_status(exc), error=scrub(str(exc)) or type(exc).__name__,
                       wall_s=round(before + time.perf_counter() - started, 2))
            if isinstance(exc, KeyboardInterrupt):
                raise interrupted(self.run_id) from None
            raise
        update_run(self.store, self.run_id, status="done", finished_at=now(),
                   wall_s=round(before + time.perf_counter() - started, 2),
                   error="; ".join(f"{s['subtask']}: {s['missing']} missing ({s['reason']})"
                                   for s in shortfalls) or None)
        return self.run_id

