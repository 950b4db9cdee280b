"""One build: plan, then realize and verify slots concurrently until every quota is met; resumable."""

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError, LMError

from benchagent.program.adapter import Adapter
from benchagent.program.agent import BenchmarkAgent
from benchagent.program.errors import BuildAborted, Interrupted, ProgramError, model_fault
from benchagent.program.executor.item import LETTERS, Item, stored_item
from benchagent.program.executor.brief import tool_brief
from benchagent.program.executor.dedup import DuplicateIndex
from benchagent.program.executor.quota import Job, Scheduler, SourceQuota, SubtaskQuota
from benchagent.program.executor.realize import item_from_flow
from benchagent.program.executor.verify import Outcome, Verdict
from benchagent.program.intent import Intent
from benchagent.program.planner.grounding import subtask_brief
from benchagent.program.planner.planning import Planning
from benchagent.program.provenance import ProvenanceCallback, plain, working_on
from benchagent.program.request import BuildRequest
from benchagent.program.sources.catalog import catalog_cards, source_for
from benchagent.program.sources.recipes import answer_origin
from benchagent.program.tools.options import GoldBalancer
from benchagent.signatures import DesignBrief, Scope, Spec, TransformPlan
from benchagent.store.catalog import list_cards, upsert_cards
from benchagent.store.db import Store, new_id, now
from benchagent.store.plans import accepted_groundings, latest_spec, planned_subtasks, subtask_draft
from benchagent.store.programs import get_program
from benchagent.store.redact import scrub
from benchagent.store.runs import create_run, get_run, update_run
from benchagent.store.samples import accepted_samples, save_sample
from benchagent.store.slots import close_slot, open_slot, run_slots

Event = Callable[..., None]
ACCEPTED = ("ok", "fixed")
MALFORMED = "malformed model output"  # a slot failed by the model, not by its item: it spends no attempt
LM_FAILURE_LIMIT = 5
WHERE_SPAN = 8         # records read per wanted one when a plan takes only some themes of a source


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
        self.cards = {c["id"]: c for c in catalog_cards(request.sources)}
        for card in list_cards(store):  # sources registered earlier with `benchagent sources --source`
            if card["kind"] == "user" and card.get("path"):
                self.cards.setdefault(card["id"], card)
        self.intent = Intent(request.requirement)
        self.duplicates = DuplicateIndex()
        self.gold_counts = [0] * 4
        self._gold_lock = threading.Lock()
        self._lm_failures = 0
        self._last_lm_error = ""

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
        upsert_cards(self.store, list(self.cards.values()))
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
                if self.load_plan() is None:
                    planning = self._planning()
                    planning.save_spec(self.spec) if self.spec else planning.plan()
                subtasks = self.load_plan()
                update_run(self.store, self.run_id, status="running", error=None)
                shortfalls = self.execute(subtasks, callback)
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

    def load_plan(self) -> list[SubtaskQuota] | None:
        """The stored spec as quotas, with what earlier attempts of this run already used and delivered."""
        spec = latest_spec(self.store, self.run_id)
        if spec is None:
            return None
        req = self.request
        scope = Scope.model_validate(spec["scope"])
        self.intent = Intent.of(req.requirement, scope)
        facets = {s["key"]: s.get("facets") or [] for s in spec["spec"].get("spec", {}).get("subtasks", [])}
        subtasks = []
        for row in planned_subtasks(self.store, spec["id"]):
            draft = subtask_draft(row, facets.get(row["key"], []))
            budget = row["quota"] * req.attempts_per_sample
            sources = []
            for g in accepted_groundings(self.store, row["id"]):
                plan = TransformPlan.model_validate(g["plan"])
                order = self._record_order(draft.key, g["source_id"], plan, budget + row["quota"])
                sources.append(SourceQuota(g["id"], g["source_id"], plan, g["share"] or 0, order))
            subtasks.append(SubtaskQuota(row["id"], draft, row["quota"], budget, sources))
        return subtasks

    def _record_order(self, subtask_key: str, source_id: str, plan: TransformPlan, wanted: int) -> list[int]:
        """The record indices a source's slots try, in order; a plan that names the records it wants (`where`) gets
        only those, found among WHERE_SPAN times as many."""
        card = self.cards[source_id]
        span = WHERE_SPAN if plan.where else 1
        order = Scheduler.record_order(self.request.seed, subtask_key, source_id, int(card["size"]), span * wanted,
                                       exchangeable=card["kind"] == "generator")
        if not plan.where:
            return order
        source = source_for(card, seed=self.request.seed)
        kept = [i for i in order if all(str(source.record(i).get(field)) in values
                                        for field, values in plan.where.items())]
        return kept[:wanted]

    # execution

    def _restore(self, subtasks: list[SubtaskQuota], scheduler: Scheduler) -> None:
        """Book what earlier processes of this run did: used records, accepted samples, slots cut short."""
        by_grounding = {s.grounding_id: (t, s) for t in subtasks for s in t.sources}
        for slot in run_slots(self.store, self.run_id):
            subtask, source = by_grounding[slot["grounding_id"]]
            source.used.add(slot["record_index"])
            if slot["status"] == "pending":
                scheduler.redo.append(Job(subtask, source, slot["record_index"], slot["seed"], slot["id"]))
                subtask.attempts -= 1  # booked again when the redo job starts
            subtask.attempts += slot["category"] != MALFORMED
            if slot["status"] == "accepted":
                source.accepted += 1
            elif slot["category"]:
                subtask.reasons[slot["category"]] += 1
                source.off_target += slot["category"] == "off_target"
        pairs = [(row["id"], stored_item(row)) for row in accepted_samples(self.store, self.run_id)]
        self.duplicates.load(pairs)
        for _, item in pairs:
            if item.options and len(item.options) == 4 and item.answer_letter:
                self.gold_counts[LETTERS.index(item.answer_letter)] += 1

    def execute(self, subtasks: list[SubtaskQuota], callback: ProvenanceCallback) -> list[dict]:
        scheduler = Scheduler(subtasks, self.request.seed)
        self._restore(subtasks, scheduler)
        self.on_event("execute", total=sum(s.quota for s in subtasks), accepted=sum(s.accepted for s in subtasks))
        context = {"lm": self.lm, "adapter": self.adapter, "callbacks": [callback]}
        # Daemon threads, not a pool: a stop (Ctrl-C, a model that went away) need not wait for the calls in flight;
        # the callback records them as interrupted and writes nothing after.
        results: queue.Queue = queue.Queue()
        running = 0
        try:
            while True:
                while running < max(1, self.request.concurrency) and (job := scheduler.next_job()):
                    job = job if job.slot_id else self._open_slot(job)
                    threading.Thread(target=self._work_into, args=(job, context, results), daemon=True).start()
                    running += 1
                if not running:
                    break
                job, result, error = results.get()
                running -= 1
                if error is not None:
                    raise error
                status, reason = self._finish(job, result, callback)
                if status == "lm_error":
                    scheduler.requeue(job)  # an outage does not spend the slot's attempts
                else:
                    scheduler.finish(job, status in ACCEPTED, reason, spent=reason != MALFORMED)
                self.on_event("sample", subtask=job.subtask.draft.key,
                              status="failed" if status == "lm_error" else status)
                if self._lm_failures >= LM_FAILURE_LIMIT:
                    raise BuildAborted(f"the model failed {self._lm_failures} slots in a row "
                                       f"(last: {self._last_lm_error}); fix it, then run: benchagent resume "
                                       f"{self.run_id}")
        except BaseException:
            callback.interrupt("interrupted: the build stopped before this call ended")
            raise
        shortfalls = scheduler.shortfalls()
        for short in shortfalls:
            self.on_event("shortfall", **short)
        return shortfalls

    def _open_slot(self, job: Job) -> Job:
        slot_id = open_slot(self.store, self.run_id, subtask_id=job.subtask.subtask_id, source_id=job.source.source_id,
                            grounding_id=job.source.grounding_id, record_index=job.index, seed=job.seed)
        return Job(job.subtask, job.source, job.index, job.seed, slot_id)

    def _gold_position(self) -> int:
        with self._gold_lock:
            return GoldBalancer(4, seed=self.request.seed, used=self.gold_counts).next()

    def _work_into(self, job: Job, context: dict, results: queue.Queue) -> None:
        try:
            results.put((job, self._work(job, context), None))
        except BaseException as exc:
            results.put((job, None, exc))

    def _work(self, job: Job, context: dict) -> tuple[str, Any]:
        """Realize and verify one slot in a worker thread; returns ("ok", (record, item, outcome)) or a failure."""
        draft = job.subtask.draft
        record = source_for(self.cards[job.source.source_id], seed=self.request.seed).record(job.index)
        subtask_text = subtask_brief(draft, self.intent.language, self.intent.facets)
        try:
            with dspy.context(**context):
                with working_on("realize", job.slot_id):
                    given = {"seed": job.seed, "gold_position": self._gold_position()}
                    flow = self.agent.executor.realizer(job.source.plan, record, given, subtask=subtask_text)
                    item = item_from_flow(flow, answer_origin=answer_origin(job.source.plan))
                    written = flow.values.get("interim.brief")
                    brief = (tool_brief(flow.values.get("interim.goal", ""), item) if item.answer_origin == "tool"
                             else written if isinstance(written, DesignBrief) else None)
                with working_on("verify", job.slot_id):
                    outcome = self.agent.executor.verifier(item, subtask=subtask_text, answer_type=draft.answer_type,
                                            needs_image="image" in draft.modalities or bool(item.images),
                                            duplicates=self.duplicates, intent=self.intent)
        except LMError as exc:  # the model or its connection: the slot stays pending and is redone, never lost
            return "lm_error", ("model", model_fault(exc))
        except AdapterParseError as exc:
            return "malformed", (MALFORMED, model_fault(exc))
        except (ProgramError, ValueError) as exc:
            if isinstance(exc.__cause__, AdapterParseError):  # no reply of the model to an LLM step could be read
                return "malformed", (MALFORMED, model_fault(exc.__cause__))
            return "failed", ("realization", str(exc))
        return "done", (record, item, outcome, brief)

    def _finish(self, job: Job, result: tuple[str, Any], provenance: ProvenanceCallback) -> tuple[str, str | None]:
        kind, payload = result
        if kind != "done":
            self._lm_failures = self._lm_failures + 1 if kind in ("lm_error", "malformed") else 0
            category, detail = payload
            self._last_lm_error = reason = f"{category}: {detail}"
            with self.store.transaction():
                provenance.flush(job.slot_id)
                if kind == "lm_error":
                    return "lm_error", None  # stays pending: redone now, or by resume
                close_slot(self.store, job.slot_id, "failed", reason, category)
            return "failed", category
        self._lm_failures = 0
        record, item, outcome, brief = payload
        item = outcome.item or item
        sample_id = new_id("smp")
        if outcome.status in ACCEPTED:
            twin = self.duplicates.add(sample_id, item)  # checks and adds atomically: concurrent twins lose here
            if twin:
                outcome = Outcome("rejected", [*outcome.verdicts, Verdict(
                    "check", "near_duplicate", False, "fatal", f"near-duplicate of {twin}, accepted first")], item)
        if outcome.status in ACCEPTED and item.options and len(item.options) == 4 and item.answer_letter:
            with self._gold_lock:
                self.gold_counts[LETTERS.index(item.answer_letter)] += 1
        self._save_sample(job, sample_id, record, item, outcome, brief, provenance)
        update_run(self.store, self.run_id, wall_s=self._wall())  # survives a kill -9
        return outcome.status, None if outcome.status in ACCEPTED else outcome.category

    def _save_sample(self, job: Job, sample_id: str, record: dict, item: Item, outcome: Outcome,
                     brief: DesignBrief | None, provenance: ProvenanceCallback) -> None:
        accepted = outcome.status in ACCEPTED
        with self.store.transaction():
            save_sample(self.store, {
                "id": sample_id, "run_id": self.run_id, "subtask_id": job.subtask.subtask_id, "slot_id": job.slot_id,
                "source_id": job.source.source_id, "record": plain(record),
                "brief": brief.model_dump() if brief else None,
                "question": item.question, "options": item.options, "answer": item.answer, "input": item.final_input(),
                "output": item.final_output(), "answer_origin": item.answer_origin, "status": outcome.status,
                "reasons": outcome.reasons, "program_id": self.program_id, "created_at": now(),
            }, item.images, [{"stage": v.stage, "name": v.name, "passed": int(v.passed), "severity": v.severity,
                              "detail": v.detail} for v in outcome.verdicts])
            provenance.flush(job.slot_id, sample_id)
            close_slot(self.store, job.slot_id, "accepted" if accepted else "rejected",
                       "; ".join(outcome.reasons) or None, None if accepted else outcome.category)
