"""The executor's loop: a stored plan's slots realized and verified on worker threads until every quota is met or
explained, picking up what earlier processes of the run left; a model that keeps failing stops it."""

import queue
import threading
from collections.abc import Callable
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError, LMError

from benchagent.program.agent import BenchmarkAgent
from benchagent.program.errors import BuildAborted, ProgramError, model_fault
from benchagent.program.executor.brief import tool_brief
from benchagent.program.executor.dedup import DuplicateIndex
from benchagent.program.executor.item import LETTERS, SIDE_OF, Item, stored_item
from benchagent.program.executor.quota import Job, Scheduler, SourceQuota, SubtaskQuota
from benchagent.program.executor.realize import item_from_flow
from benchagent.program.executor.verify import Outcome, Verdict
from benchagent.program.intent import Intent
from benchagent.program.planner.grounding import subtask_brief
from benchagent.program.planner.limits import WHERE_SPAN, draws
from benchagent.program.provenance import ProvenanceCallback, plain, working_on
from benchagent.program.request import BuildRequest
from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.catalog import source_for
from benchagent.program.sources.recipes import answer_origin, option_count
from benchagent.program.tools.options import GoldBalancer
from benchagent.signatures import DesignBrief, Scope, TransformPlan
from benchagent.store.db import Store, new_id, now
from benchagent.store.plans import accepted_groundings, latest_spec, planned_subtasks, subtask_draft
from benchagent.store.reports import ACCEPTED
from benchagent.store.runs import update_run
from benchagent.store.samples import accepted_samples, save_sample
from benchagent.store.slots import close_slot, open_slot, run_slots

MALFORMED = "malformed model output"  # a slot failed by the model, not by its item: it spends no attempt
LM_FAILURE_LIMIT = 5
SIDES = ("yes", "no")


class Execution:
    """One run's execution: `load_plan()` reads the stored spec as quotas, `execute()` fills them; the thread per
    slot, the scheduler, resume and the stop after LM_FAILURE_LIMIT slots the model failed in a row are its own."""

    def __init__(self, store: Store, run_id: str, request: BuildRequest, agent: BenchmarkAgent,
                 cards: dict[str, SourceCard], *, lm: dspy.BaseLM, adapter: dspy.Adapter, program_id: str | None,
                 on_event: Callable[..., None], wall: Callable[[], float]):
        self.store, self.run_id, self.request, self.agent, self.cards = store, run_id, request, agent, cards
        self.lm, self.adapter, self.program_id, self.on_event, self._wall = lm, adapter, program_id, on_event, wall
        self.intent = Intent(request.requirement)
        self.duplicates = DuplicateIndex()
        self.gold_counts: dict[int, list[int]] = {}  # option count -> accepted golds per position
        self.side_counts: dict[str, list[int]] = {}  # subtask id -> its accepted yes and no answers
        self._sides_wanted: dict[str, tuple[str, int]] = {}  # slot in flight -> its subtask and the side it wants
        self._gold_lock = threading.Lock()
        self._lm_failures = 0
        self._last_lm_error = ""

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
        """The record indices a source's slots try, in order; a plan that names the records it wants (`where`, or
        `within` a range, or `without` some values) gets only those, found among WHERE_SPAN times as many."""
        card = self.cards[source_id]
        span = WHERE_SPAN if plan.where or plan.within or plan.without else 1
        order = Scheduler.record_order(self.request.seed, subtask_key, source_id, card.size, span * wanted,
                                       exchangeable=card.kind == "generator")
        if span == 1:
            return order
        source = source_for(card, seed=self.request.seed)
        kept = []
        for i in order:
            if draws(plan, source.record(i)):
                kept.append(i)
                if len(kept) == wanted:
                    break
        return kept

    def _restore(self, subtasks: list[SubtaskQuota], scheduler: Scheduler) -> None:
        """Book what earlier processes of this run did: used records, accepted samples, slots cut short."""
        by_grounding = {s.grounding_id: (t, s) for t in subtasks for s in t.sources}
        for slot in run_slots(self.store, self.run_id):
            subtask, source = by_grounding[slot["grounding_id"]]
            scheduler.restore(Job(subtask, source, slot["record_index"], slot["seed"], slot["id"]), slot["status"],
                              slot["category"], spent=slot["category"] != MALFORMED)
        rows = accepted_samples(self.store, self.run_id)
        pairs = [(row["id"], stored_item(row)) for row in rows]
        self.duplicates.load(pairs)
        for row, (_, item) in zip(rows, pairs, strict=True):
            self._count_gold(item, row["subtask_id"])

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
                    threading.Thread(target=self._work_into, args=(job, self._wanted_answer(job), context, results),
                                     daemon=True).start()
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

    def _gold_position(self, options: int) -> int:
        with self._gold_lock:
            return GoldBalancer(options, seed=self.request.seed,
                                used=self.gold_counts.get(options, [0] * options)).next()

    def _wanted_answer(self, job: Job) -> str | None:
        """The answer a yes/no slot should get, by its tool or its writer: the side its subtask has accepted and is
        making fewer of."""
        if job.subtask.draft.answer_type != "binary":
            return None
        with self._gold_lock:
            making = [side for subtask_id, side in self._sides_wanted.values() if subtask_id == job.subtask.subtask_id]
            used = [n + making.count(i) for i, n in enumerate(self.side_counts.get(job.subtask.subtask_id, [0, 0]))]
            side = GoldBalancer(2, seed=job.seed, used=used).next()
            self._sides_wanted[job.slot_id] = (job.subtask.subtask_id, side)
            return SIDES[side]

    def _count_gold(self, item: Item, subtask_id: str) -> None:
        with self._gold_lock:
            if item.options and 2 <= len(item.options) <= len(LETTERS) and item.answer_letter:
                counts = self.gold_counts.setdefault(len(item.options), [0] * len(item.options))
                counts[LETTERS.index(item.answer_letter)] += 1
            elif side := SIDE_OF.get(item.answer.strip().lower()):
                self.side_counts.setdefault(subtask_id, [0, 0])[SIDES.index(side)] += 1

    def _work_into(self, job: Job, wanted: str | None, context: dict, results: queue.Queue) -> None:
        try:
            results.put((job, self._work(job, wanted, context), None))
        except BaseException as exc:
            results.put((job, None, exc))

    def _work(self, job: Job, wanted: str | None, context: dict) -> tuple[str, Any]:
        """Realize and verify one slot in a worker thread; returns ("ok", (record, item, outcome)) or a failure."""
        draft = job.subtask.draft
        record = source_for(self.cards[job.source.source_id], seed=self.request.seed).record(job.index)
        subtask_text = subtask_brief(draft, self.intent.language, self.intent.facets)
        try:
            with dspy.context(**context):
                with working_on("realize", job.slot_id):
                    given = {"seed": job.seed, "gold_position": self._gold_position(option_count(job.source.plan)),
                             "wanted_answer": wanted}
                    flow = self.agent.executor.realizer(job.source.plan, record, given, subtask=subtask_text)
                    item = item_from_flow(flow, answer_origin=answer_origin(job.source.plan))
                    written = flow.values.get("interim.brief")
                    brief = (tool_brief(flow.values.get("interim.goal", ""), item) if item.answer_origin == "tool"
                             else written if isinstance(written, DesignBrief) else None)
                with working_on("verify", job.slot_id):
                    outcome = self.agent.executor.verifier(item, subtask=subtask_text, answer_type=draft.answer_type,
                                            needs_image="image" in draft.modalities or bool(item.images),
                                            duplicates=self.duplicates, intent=self.intent.keeping(job.source.plan))
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
        with self._gold_lock:
            self._sides_wanted.pop(job.slot_id, None)
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
        if outcome.status in ACCEPTED:
            self._count_gold(item, job.subtask.subtask_id)
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
