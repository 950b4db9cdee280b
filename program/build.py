"""One build: plan the benchmark, realize and verify every slot, fill the quotas, store everything."""

import hashlib
import io
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dspy
from PIL import Image

from benchagent.program.errors import PlanningError, ProgramError, RealizationError
from benchagent.program.executor.item import Item
from benchagent.program.executor.realize import PREDICTORS, Realizer, item_from_flow
from benchagent.program.executor.verify import Outcome, Verdict, Verifier
from benchagent.program.planner.allocation import AllocationAgent, SourceShare, spread
from benchagent.program.planner.design import DesignAgent
from benchagent.program.planner.plan_check import sample_schema
from benchagent.program.planner.grounding import Grounding, GroundingAgent, subtask_brief
from benchagent.program.planner.scope import ScopeAgent
from benchagent.program.provenance import ProvenanceCallback, working_on
from benchagent.program.sources.generators import generate_record, generator_cards
from benchagent.program.sources.recipes import answer_origin, recipe_for
from benchagent.program.tools.options import GoldBalancer
from benchagent.program.tools.registry import list_tools
from benchagent.signatures import Scope, SubtaskDraft
from benchagent.store.catalog import search_cards, upsert_cards
from benchagent.store.db import Store, new_id, now

Event = Callable[..., None]


@dataclass
class BuildRequest:
    requirement: str
    size: int
    model: str
    seed: int = 0
    max_subtasks: int = 3
    attempts_per_sample: int = 3


@dataclass
class PlannedSubtask:
    id: str
    draft: SubtaskDraft
    quota: int
    groundings: list[tuple[str, Grounding, int]] = field(default_factory=list)  # (grounding id, grounding, share)


def _noop(*_: Any, **__: Any) -> None:
    return None


class Build:
    """Runs one build against a store; agents are DSPy modules, bookkeeping is plain Python."""

    def __init__(self, store: Store, lm: dspy.BaseLM, request: BuildRequest, *, on_event: Event = _noop):
        self.store = store
        self.lm = lm
        self.request = request
        self.on_event = on_event
        self.run_id = new_id("run")
        self.scope_agent = ScopeAgent()
        self.design_agent = DesignAgent()
        self.grounding_agent = GroundingAgent()
        self.allocation_agent = AllocationAgent()
        self.realizer = Realizer()
        self.verifier = Verifier()
        self.cards: dict[str, dict] = {}
        self.ungrounded: list[tuple[SubtaskDraft, list[Grounding]]] = []
        self.accepted_keys: set[str] = set()
        self.gold_counts = [0, 0, 0, 0]

    def run(self) -> str:
        req = self.request
        started = time.perf_counter()
        self.store.insert("runs", {
            "id": self.run_id, "requirement": req.requirement, "size": req.size, "model": req.model,
            "seed": req.seed, "status": "planning", "started_at": now(),
            "settings": {"max_subtasks": req.max_subtasks, "attempts_per_sample": req.attempts_per_sample},
        })
        self.on_event("run", run_id=self.run_id)
        callback = ProvenanceCallback(self.store, self.run_id)
        try:
            with dspy.context(lm=self.lm, adapter=dspy.JSONAdapter(), callbacks=[callback]):
                planned = self.plan()
                self.store.update("runs", self.run_id, {"status": "running"})
                self.execute(planned)
        except BaseException as exc:
            self.store.update("runs", self.run_id, {
                "status": "failed", "error": str(exc) or type(exc).__name__, "finished_at": now(),
                "wall_s": round(time.perf_counter() - started, 2),
            })
            raise
        self.store.update("runs", self.run_id, {
            "status": "done", "finished_at": now(), "wall_s": round(time.perf_counter() - started, 2),
        })
        return self.run_id

    # planning

    def _stage(self, name: str, fn: Callable[[], Any]) -> Any:
        self.on_event("stage", stage=name)
        step_id, t0 = new_id("step"), time.perf_counter()
        self.store.insert("steps", {"id": step_id, "run_id": self.run_id, "stage": name, "name": name,
                                    "kind": "stage", "status": "running", "started_at": now()})
        status, error = "ok", None
        try:
            with working_on(name):
                return fn()
        except BaseException as exc:
            status, error = "failed", str(exc)
            raise
        finally:
            self.store.update("steps", step_id, {"status": status, "error": error,
                                                 "duration_ms": (time.perf_counter() - t0) * 1000})

    def plan(self) -> list[PlannedSubtask]:
        req = self.request
        cards = generator_cards()
        upsert_cards(self.store, cards)
        self.cards = {c["id"]: c for c in cards}
        scope: Scope = self._stage("scope", lambda: self.scope_agent(requirement=req.requirement))
        drafts = self._stage("design", lambda: self.design_agent(
            requirement=req.requirement, scope=scope, max_subtasks=req.max_subtasks))
        grounded = self._stage("grounding", lambda: self._ground(scope, drafts))
        if not grounded:
            raise PlanningError("no subtask could be grounded on any source: " + "; ".join(
                f"{d.key}: {d.answer_type} over {d.modalities}" for d in drafts))
        quotas, importance = self._stage("allocation", lambda: self.allocation_agent(
            requirement=req.requirement, subtasks=[d for d, _ in grounded], size=req.size))
        return self._save_spec(scope, drafts, grounded, quotas, importance)

    def _ground(self, scope: Scope, drafts: list[SubtaskDraft]) -> list[tuple[SubtaskDraft, list[Grounding]]]:
        tools = {t.name for t in list_tools()}
        grounded = []
        for draft in drafts:
            words = [*scope.keywords, draft.name, draft.capability]
            cards = search_cards(self.store, words, [m for m in draft.modalities if m != "text"], limit=3, relative=0.5)
            candidates = [(card, recipe_for(card, draft.answer_type)) for card in cards]
            results = self.grounding_agent(subtask=draft, candidates=candidates, tools=tools, predictors=set(PREDICTORS))
            grounded.append((draft, results))
        for draft, results in grounded:
            if not any(g.accepted for g in results):
                self.ungrounded.append((draft, results))
                self.on_event("ungrounded", subtask=draft.key, reasons=[g.rationale for g in results])
        return [(d, r) for d, r in grounded if any(g.accepted for g in r)]

    def _save_spec(self, scope, drafts, grounded, quotas, importance) -> list[PlannedSubtask]:
        spec_id = new_id("spec")
        spec = {
            "requirement": self.request.requirement, "size": self.request.size, "scope": scope.model_dump(),
            "subtasks": [
                {**d.model_dump(), "quota": quotas.get(d.key, 0), "importance": importance.get(d.key),
                 "groundings": [{"source_id": g.source_id, "score": g.score, "accepted": g.accepted,
                                 "plan": g.plan.model_dump() if g.plan else None} for g in results]}
                for d, results in grounded
            ],
            "dropped": [{"key": d.key, "reasons": [g.rationale for g in r]} for d, r in self.ungrounded],
        }
        planned = []
        with self.store.transaction() as tx:
            tx.conn.execute("INSERT INTO specs (id, run_id, version, scope, spec, created_at) VALUES (?, ?, 1, ?, ?, ?)",
                            (spec_id, self.run_id, json.dumps(scope.model_dump()), json.dumps(spec), now()))
        for draft, results in [*grounded, *self.ungrounded]:
            subtask_id = new_id("sub")
            quota = quotas.get(draft.key, 0) if any(g.accepted for g in results) else 0
            self.store.insert("subtasks", {
                "id": subtask_id, "run_id": self.run_id, "spec_id": spec_id, "key": draft.key, "name": draft.name,
                "description": draft.description, "capability": draft.capability, "modalities": draft.modalities,
                "answer_type": draft.answer_type, "rationale": draft.rationale, "importance": importance.get(draft.key),
                "quota": quota,
                "sample_schema": sample_schema(draft.answer_type, draft.modalities),
            })
            item = PlannedSubtask(subtask_id, draft, quota)
            accepted = [g for g in results if g.accepted]
            shares = spread(quota, [SourceShare(g.source_id, g.score, int(self.cards[g.source_id].get("size") or 0))
                                    for g in accepted])
            for g in results:
                grounding_id = new_id("grd")
                self.store.insert("groundings", {
                    "id": grounding_id, "run_id": self.run_id, "subtask_id": subtask_id, "source_id": g.source_id,
                    "kind": g.plan.kind if g.plan else None, "plan": g.plan.model_dump() if g.plan else {},
                    "scores": g.scores, "score": g.score, "accepted": int(g.accepted), "rationale": g.rationale,
                })
                if g.accepted:
                    item.groundings.append((grounding_id, g, shares.get(g.source_id, 0)))
            if quota > 0:
                planned.append(item)
            self.on_event("subtask", key=draft.key, quota=quota, sources=[g.source_id for g in accepted])
        return planned

    # execution

    def execute(self, planned: list[PlannedSubtask]) -> None:
        self.on_event("execute", total=sum(p.quota for p in planned))
        for item in planned:
            for grounding_id, grounding, share in item.groundings:
                self._fill(item, grounding_id, grounding, share)

    def _record_indexes(self, subtask_key: str, source_id: str, capacity: int, wanted: int) -> list[int]:
        rng = random.Random(f"{self.request.seed}:{subtask_key}:{source_id}")
        return rng.sample(range(capacity), min(capacity, wanted))

    def _fill(self, item: PlannedSubtask, grounding_id: str, grounding: Grounding, share: int) -> None:
        card = self.cards[grounding.source_id]
        budget = share * self.request.attempts_per_sample
        indexes = self._record_indexes(item.draft.key, grounding.source_id, int(card.get("size") or 0), budget)
        accepted = 0
        for index in indexes:
            if accepted >= share:
                break
            seed = int(hashlib.sha256(f"{self.request.seed}:{item.id}:{index}".encode()).hexdigest()[:8], 16)
            slot_id = new_id("slot")
            self.store.insert("slots", {
                "id": slot_id, "run_id": self.run_id, "subtask_id": item.id, "source_id": grounding.source_id,
                "grounding_id": grounding_id, "record_index": index, "seed": seed, "status": "pending",
            })
            status = self._realize_slot(item, grounding, slot_id, index, seed)
            accepted += status in ("ok", "fixed")
            self.on_event("sample", subtask=item.draft.key, status=status)

    def _realize_slot(self, item: PlannedSubtask, grounding: Grounding, slot_id: str, index: int, seed: int) -> str:
        draft = item.draft
        record = generate_record(grounding.source_id, index, self.request.seed)
        subtask_text = subtask_brief(draft)
        position = GoldBalancer(4, seed=self.request.seed, used=self.gold_counts).next()
        slot_values = {"seed": seed, "gold_position": position}
        try:
            with working_on("realize", slot_id):
                flow = self.realizer(grounding.plan, record, slot_values, subtask=subtask_text)
                sample = item_from_flow(flow, answer_origin=answer_origin(grounding.plan))
        except (RealizationError, ProgramError, ValueError) as exc:
            self.store.update("slots", slot_id, {"status": "failed", "reason": str(exc)})
            return "failed"
        with working_on("verify", slot_id):
            outcome = self.verifier(sample, subtask=subtask_text, answer_type=draft.answer_type,
                                    needs_image="image" in draft.modalities or bool(sample.images))
        key = _dedup_key(sample)
        if outcome.status != "rejected" and key in self.accepted_keys:
            outcome = Outcome("rejected", [*outcome.verdicts, DUPLICATE])
        if outcome.status != "rejected":
            self.accepted_keys.add(key)
            if sample.options and len(sample.options) == 4:
                self.gold_counts[sample.options.index(sample.answer)] += 1
        self._save_sample(item, grounding, slot_id, record, sample, outcome)
        return outcome.status

    def _save_sample(self, item, grounding, slot_id, record, sample: Item, outcome: Outcome) -> None:
        sample_id = new_id("smp")
        with self.store.transaction() as tx:
            conn = tx.conn
            conn.execute(
                "INSERT INTO samples (id, run_id, subtask_id, slot_id, source_id, record, question, options, answer, "
                "input, output, answer_origin, status, reasons, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (sample_id, self.run_id, item.id, slot_id, grounding.source_id, json.dumps(record),
                 sample.question, json.dumps(sample.options) if sample.options is not None else None, sample.answer,
                 json.dumps(sample.final_input()), json.dumps(sample.final_output()), sample.answer_origin,
                 outcome.status, json.dumps(outcome.reasons), now()),
            )
            for name, png in sample.images.items():
                with Image.open(io.BytesIO(png)) as img:
                    width, height = img.size
                conn.execute(
                    "INSERT INTO assets (id, run_id, sample_id, name, mime, width, height, sha256, content) "
                    "VALUES (?,?,?,?,?,?,?,?,?)",
                    (new_id("ast"), self.run_id, sample_id, name, "image/png", width, height,
                     hashlib.sha256(png).hexdigest(), png),
                )
            conn.executemany(
                "INSERT INTO verdicts (id, run_id, sample_id, stage, name, passed, severity, detail, created_at) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                [(new_id("vrd"), self.run_id, sample_id, v.stage, v.name, int(v.passed), v.severity, v.detail, now())
                 for v in outcome.verdicts],
            )
            for table in ("steps", "lm_calls", "tool_calls"):
                conn.execute(f"UPDATE {table} SET sample_id = ? WHERE slot_id = ?", (sample_id, slot_id))
            conn.execute("UPDATE slots SET status = ?, reason = ? WHERE id = ?",
                         ("accepted" if outcome.status != "rejected" else "rejected",
                          "; ".join(outcome.reasons) or None, slot_id))


def _dedup_key(sample: Item) -> str:
    images = "|".join(hashlib.sha256(b).hexdigest() for b in sample.images.values())
    return f"{' '.join(sample.question.lower().split())}|{sample.answer.lower()}|{images}"


DUPLICATE = Verdict("check", "near_duplicate", False, "fatal", "same question, answer and image as an accepted sample")
