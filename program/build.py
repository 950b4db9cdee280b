"""One build: plan, then realize and verify slots concurrently until every quota is met; resumable."""

import contextvars
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from textwrap import shorten
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError, LMError

from benchagent.program.adapter import Adapter
from benchagent.program.agent import BenchmarkAgent
from benchagent.program.errors import Interrupted, PlanningError, ProgramError
from benchagent.program.executor.item import LETTERS, Item, stored_item
from benchagent.program.executor.brief import tool_brief
from benchagent.program.executor.dedup import DuplicateIndex
from benchagent.program.executor.quota import Job, Scheduler, SourceQuota, SubtaskQuota
from benchagent.program.executor.realize import item_from_flow, llm_steps
from benchagent.program.executor.verify import Outcome, Verdict
from benchagent.program.planner.allocation import SourceShare
from benchagent.program.intent import (Intent, contract, demanded_modalities, is_genre, missing_subject, missing_topic,
                                       shares_topic)
from benchagent.program.planner.facets import (UNBUILDABLE, coverage, facet_modality, speaks, with_asks,
                                                with_degradations, with_language, with_picks, with_stated_formats,
                                                with_theme)
from benchagent.program.planner.grounding import Grounding, subtask_brief
from benchagent.program.planner.plan_check import sample_schema
from benchagent.program.planner.plan_writer import asks_about_other_things, example_record, template_plans
from benchagent.program.provenance import ProvenanceCallback, plain, working_on
from benchagent.program.sources.catalog import catalog_cards, source_for
from benchagent.program.sources.recipes import answer_origin, recipe_for
from benchagent.program.tools.options import GoldBalancer
from benchagent.program.tools.registry import list_tools
from benchagent.signatures import DesignBrief, Scope, Spec, SpecSource, SpecSubtask, SubtaskDraft, TransformPlan
from benchagent.store.catalog import list_cards, search_cards, upsert_cards
from benchagent.store.db import Store, new_id, now
from benchagent.store.plans import accepted_groundings, latest_spec, planned_subtasks, save_plan, subtask_draft
from benchagent.store.programs import get_program
from benchagent.store.redact import scrub
from benchagent.store.runs import create_run, get_run, update_run
from benchagent.store.samples import accepted_samples, save_sample
from benchagent.store.slots import close_slot, open_slot, run_slots
from benchagent.store.steps import end_step, open_stage, unreadable_replies

Event = Callable[..., None]
ACCEPTED = ("ok", "fixed")
MALFORMED = "malformed model output"  # a slot failed by the model, not by its item: it spends no attempt
LM_FAILURE_LIMIT = 5
REDESIGN_ROUNDS = 1
RELEVANCE_GAP = 0.5   # a modality-filtered best match under half the unfiltered best's bm25 is too weak
WHERE_SPAN = 100       # most records read per wanted one when a plan takes only some records of a source


class BuildAborted(ProgramError):
    """The build stopped before its quotas were met; its state is kept for `benchagent resume`."""


def model_fault(exc: Exception) -> str:
    """One line naming what went wrong with the model: its error, or that its reply could not be read."""
    if isinstance(exc, AdapterParseError):
        return "its reply could not be read: " + shorten(" ".join(str(exc).split()), 200)
    return scrub(f"{type(exc).__name__}: {shorten(' '.join(str(exc).split()), 300)}")


def stopped_status(exc: BaseException) -> str:
    """The run's status after exc: 'interrupted' (resumable) for a stop or a model fault, else 'failed'."""
    return "interrupted" if isinstance(exc, (BuildAborted, KeyboardInterrupt)) else "failed"


def interrupted(run_id: str) -> Interrupted:
    """A Ctrl-C, as the one line that says how to go on."""
    return Interrupted(f"interrupted; run: benchagent resume {run_id}")


@dataclass
class BuildRequest:
    requirement: str
    size: int
    model: str                      # the model as recorded in the store (no secrets)
    seed: int = 0
    max_subtasks: int = 3
    attempts_per_sample: int = 3
    concurrency: int = 2
    model_spec: str | None = None   # what the user asked for (embedded, local:..., provider/model)
    api_base: str | None = None     # without credentials
    vision: bool = False            # the model sees images: the inspector and the solver get them
    program: str | None = None      # a compiled program: 'latest' or its id; resolved to the id when the build starts
    url_credential: bool = False    # api_base carried a key, which is never stored: resume needs it again
    plan_only: bool = False         # a `plan` run: resuming it finishes the plan and builds nothing
    sources: list[str] = field(default_factory=list)  # the user's own data (paths) to ground on besides the catalog


def _noop(*_: Any, **__: Any) -> None:
    return None


def subtask_words(scope: Scope, draft: SubtaskDraft) -> str:
    """What a subtask is about, in words: its name, description and capability, and the facets it carries."""
    return " ".join([draft.name, draft.description, draft.capability,
                     *(f.value for f in scope.facets if f.key in draft.facets)])


def own_first(results: list[Grounding], own: set[str]) -> list[Grounding]:
    """When one of the user's own sources serves a subtask, the built-in and generated ones it also passed are set
    aside: a user who gives their documents wants items from them."""
    if not any(g.accepted and g.source_id in own for g in results):
        return results
    return [replace(g, accepted=False,
                    rationale=f"set aside: the user's own source serves this subtask ({g.rationale})")
            if g.accepted and g.source_id not in own else g for g in results]


def served_first(results: list[Grounding]) -> list[Grounding]:
    """A facet one accepted plan serves with a step of its own (a kind of question, a degradation, a translation)
    is not given up for a source that cannot: accepted plans missing a facet another serves are set aside."""
    def served(g: Grounding) -> set[str]:
        return {key for step in (g.plan.steps if g.plan else []) for key in step.serves}

    everywhere = set().union(*(served(g) for g in results if g.accepted))
    return [replace(g, accepted=False, rationale=f"set aside: another source's plan serves "
                                                 f"{', '.join(sorted(everywhere - served(g)))}, this one cannot")
            if g.accepted and everywhere - served(g) else g for g in results]


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
                spec = self.plan()
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
                    self.save_spec(self.spec) if self.spec else self.plan()
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

    # planning

    def _stage(self, name: str, fn: Callable[[], Any]) -> Any:
        self.on_event("stage", stage=name)
        step_id, t0 = open_stage(self.store, self.run_id, name), time.perf_counter()
        status, error = "ok", None
        try:
            with working_on(name):
                return fn()
        except (LMError, AdapterParseError) as exc:
            status, error = "failed", model_fault(exc)
            raise BuildAborted(f"the model failed in the {name} stage ({error}); "
                               f"fix it, then run: benchagent resume {self.run_id}") from None
        except BaseException as exc:
            status, error = "failed", scrub(str(exc))
            raise
        finally:
            end_step(self.store, step_id, status=status, error=error, duration_ms=(time.perf_counter() - t0) * 1000)

    def plan(self) -> Spec:
        """Run the planner agents and store the spec they agree on, with every facet of the requirement carried or
        reported as a gap; returns it."""
        req = self.request
        scope: Scope = self._stage("scope", lambda: contract(req.requirement, self.agent.planner.scope(
            requirement=req.requirement)))
        cards = list(self.cards.values())
        design = self._stage("design", lambda: self.agent.planner.design(
            requirement=req.requirement, scope=scope, max_subtasks=req.max_subtasks, cards=cards))
        decisions = list(design.decisions)
        grounded, ungrounded = self._stage("grounding", lambda: self._ground(scope, design.subtasks))
        for _ in range(REDESIGN_ROUNDS):
            room = req.max_subtasks - len(grounded)
            if not ungrounded or room <= 0:
                break
            failed = {d.key: "; ".join(g.rationale for g in results) or "no source matched"
                      for d, results in ungrounded}
            try:
                redesign = self._stage("design", lambda room=room, failed=failed: self.agent.planner.design.redesign(
                    requirement=req.requirement, scope=scope, max_subtasks=room, failed=failed, cards=cards))
            except PlanningError as exc:
                decisions.append({"round": 0, "key": "-", "action": "refuse", "rationale": str(exc), "redesign": True})
                break
            taken = {d.key for d, _ in [*grounded, *ungrounded]}
            fresh = [d for d in redesign.subtasks if d.key not in taken]
            decisions += [dict(d, redesign=True) for d in redesign.decisions]
            more, still = self._stage("grounding", lambda fresh=fresh: self._ground(scope, fresh))
            grounded += more
            ungrounded += still
        accepted = {d.key: [g for g in r if g.accepted] for d, r in grounded}
        reasons = [(d, "; ".join(g.rationale for g in r) or "no source matched") for d, r in ungrounded]
        carriers, gaps = coverage(scope.facets, [(d, [g.plan for g in accepted[d.key]]) for d, _ in grounded],
                                  reasons, req.requirement, scope.language)
        if not grounded:
            by_reason: dict[str, list[str]] = {}
            for gap in gaps:
                by_reason.setdefault(shorten(gap.reason, 160), []).append(gap.facet)
            raise self._unreadable(PlanningError("cannot build this from what is here: " + "; ".join(
                f"{', '.join(facets)}: {reason}" for reason, facets in by_reason.items())
                + f" ({gaps[0].remedy if gaps else 'add a --source'})"))
        allocation = self._stage("allocation", lambda: self.agent.planner.allocation(
            requirement=req.requirement, subtasks=[d for d, _ in grounded], size=req.size,
            sources={k: [SourceShare(g.source_id, g.score, int(self.cards[g.source_id]["size"])) for g in gs]
                     for k, gs in accepted.items()}))
        subtasks = [SpecSubtask(**draft.model_dump(), importance=allocation.importance.get(draft.key),
                                quota=allocation.quotas.get(draft.key, 0), sources=[
                                    SpecSource(source_id=g.source_id, share=allocation.shares[draft.key][g.source_id],
                                               score=g.score, plan=g.plan) for g in accepted[draft.key]])
                    for draft, _ in grounded]
        spec = Spec(requirement=req.requirement, seed=req.seed, scope=scope, subtasks=subtasks, gaps=gaps)
        for gap in gaps:
            self.on_event("gap", facet=gap.facet, reason=gap.reason)
        self.save_spec(spec, {d.key: r for d, r in [*grounded, *ungrounded]}, [d for d, _ in ungrounded], {
            "design_decisions": decisions, "allocation_diagnoses": allocation.diagnoses,
            "allocation_redesign": allocation.redesign, "unfillable": allocation.unfillable,
            "unfillable_reasons": allocation.reasons, "facet_carriers": carriers})
        return spec

    def _unreadable(self, error: PlanningError) -> ProgramError:
        """error, unless grounding went without judgments of the model it could not read: then the model is at fault,
        and the run can be resumed once it is fixed."""
        unread = unreadable_replies(self.store, self.run_id, "Predict(GroundSubtask)")
        if not unread:
            return error
        return BuildAborted(f"planning failed after {unread} of the model's replies could not be read ({error}); "
                            f"fix the model, then run: benchagent resume {self.run_id}")

    def _candidates(self, scope: Scope, draft: SubtaskDraft) -> tuple[SubtaskDraft, list[dict], str | None]:
        """The draft (its modalities following the relevant sources unless the requirement demands them), the cards
        to judge for it (the user's own sources first), or why none can serve it."""
        words = [*scope.keywords, draft.name, draft.capability]
        demanded = demanded_modalities(self.request.requirement, scope.facets)
        absent = {m for m in UNBUILDABLE if not any(m in (c.get("modalities") or []) for c in self.cards.values())}
        needs = {*(set(draft.modalities) & demanded), *demanded_modalities(f"{draft.name} {draft.description}", []),
                 *(facet_modality(f) for f in scope.facets if f.key in draft.facets)}
        if needs & absent:
            return draft, [], UNBUILDABLE[sorted(needs & absent)[0]]
        if set(draft.modalities) & absent:  # chosen by the design, asked by nobody: dropped, not a reason to fail
            kept = [m for m in draft.modalities if m not in absent] or ["text"]
            draft = draft.model_copy(update={"modalities": kept})
        wanted = [m for m in draft.modalities if m != "text"]
        about = " ".join([self.request.requirement, scope.interpretation, subtask_words(scope, draft)])
        cards = search_cards(self.store, words, wanted, limit=5, relative=0.5)
        anywhere = search_cards(self.store, words, None, limit=5, relative=0.5) if wanted else cards
        follow = anywhere and (not cards or cards[0]["bm25"] > RELEVANCE_GAP * anywhere[0]["bm25"]
                               or not any(shares_topic(c, about) for c in cards))
        if follow and not demanded & set(wanted):
            # the modality the design chose (the requirement did not ask for it) only reaches weak or off-topic
            # matches: the best match of any modality decides
            draft = draft.model_copy(update={"modalities": [m for m in anywhere[0]["modalities"] if m != "audio"]})
            cards = search_cards(self.store, words, [m for m in draft.modalities if m != "text"], limit=5,
                                 relative=0.5)
        needs = {m for m in draft.modalities if m != "text"}
        own = [c for c in self.cards.values() if c["kind"] == "user" and needs <= set(c.get("modalities") or [])]
        found = [c for c in cards if c["id"] not in {o["id"] for o in own}]
        specific = [f for f in scope.facets if f.key in draft.facets or is_genre(f)]
        lacking = [(c, missing_topic(c, specific) or missing_subject(c, scope.facets, self.request.requirement))
                   for c in found if shares_topic(c, about)]
        cards = [*own, *(c for c, lacks in lacking if not lacks)][:6]
        if cards:
            return draft, cards, None
        if lacking:
            return draft, [], "; ".join(f"{c['id']} does not hold the {lacks}" for c, lacks in lacking[:3])
        if found:
            return draft, [], (f"no source shares its topic: {', '.join(c['id'] for c in found[:3])} matched words "
                               "of the search but not what the subtask is about")
        return draft, [], f"no source offers {', '.join(sorted(needs)) or 'text'} inputs"

    def _ground(self, scope: Scope, drafts: list[SubtaskDraft]):
        """Each draft grounded on its own thread (the server decodes their calls together), kept in draft order:
        (grounded, ungrounded), each a list of (draft, judged sources)."""
        tools = {t.name for t in list_tools()}
        with ThreadPoolExecutor(max(1, min(len(drafts), self.request.concurrency)), "ground") as pool:
            futures = [pool.submit(contextvars.copy_context().run, self._ground_one, scope, draft, tools)
                       for draft in drafts]
            outcomes = [future.result() for future in futures]
        grounded, ungrounded = [], []
        for draft, results in outcomes:
            if any(g.accepted for g in results):
                grounded.append((draft, results))
            else:
                ungrounded.append((draft, results))
                self.on_event("ungrounded", subtask=draft.key, reasons=[g.rationale for g in results])
        return grounded, ungrounded

    def _ground_one(self, scope: Scope, draft: SubtaskDraft, tools: set[str]) -> tuple[SubtaskDraft, list[Grounding]]:
        """The draft (its modalities maybe adjusted) and every source judged for it, accepted ones first."""
        draft, cards, blocked = self._candidates(scope, draft)
        if blocked:
            return draft, [Grounding("-", None, {}, 0.0, False, blocked)]
        about = subtask_words(scope, draft)
        candidates = [(card, recipe_for(card, draft.answer_type, f"{draft.name} {draft.description}")
                       or next(iter(template_plans(card, draft.answer_type, about=about)), None)) for card in cards]
        if cards and not any(plan for _, plan in candidates):
            with working_on("grounding"):
                candidates[0] = (cards[0], self.agent.planner.plan_writer(subtask=draft, card=cards[0]))
        judged, refused = [], []
        for card, plan in candidates:
            plan = self._carrying(plan, scope, draft, card) if plan else plan
            why = plan and (f"its items quote the text of {card['name']}, which is not written in {scope.language}"
                            if not speaks(plan, scope) else asks_about_other_things(plan, card, about, draft.name))
            if why:
                refused.append(Grounding(card["id"], plan, {}, 0.0, False, why))
            else:
                judged.append((card, plan))
        ground = self.agent.planner.grounding
        results = ground(subtask=draft, candidates=judged, tools=tools, predictors=set(llm_steps()),
                         brief=subtask_brief(draft, scope.language, scope.facets)) if judged else []
        return draft, served_first(own_first(results + refused, {c["id"] for c in cards if c["kind"] == "user"}))

    def _carrying(self, plan: TransformPlan, scope: Scope, draft: SubtaskDraft, card: dict) -> TransformPlan:
        """The plan with the steps the facets ask for: degradations, the kinds of question named, the items'
        language."""
        plan = with_asks(with_degradations(plan, scope.facets, self.request.requirement), scope.facets, draft)
        plan = with_stated_formats(plan, scope.facets, self.request.requirement)
        about = f"{self.request.requirement} {subtask_words(scope, draft)}"
        plan = with_theme(with_picks(plan, card, about), card, about)
        return with_language(plan, scope.facets, scope.language,
                             example_record(card) if scope.language != "English" else None)

    def save_spec(self, spec: Spec, judged: dict[str, list[Grounding]] | None = None,
                  dropped: list[SubtaskDraft] = (), decisions: dict | None = None) -> None:
        """The spec, its subtasks and every judged grounding, stored together: a crash leaves all or none."""
        judged = judged or {}
        document = {"spec": spec.model_dump(), **(decisions or {}), "dropped": [
            {"key": d.key, "name": d.name, "reasons": [g.rationale for g in judged.get(d.key, [])]} for d in dropped]}
        rows = [(s.model_dump(exclude={"sources", "quota", "importance", "facets"}), s.quota, s.importance, s.sources)
                for s in spec.subtasks]
        rows += [(d.model_dump(exclude={"facets"}), 0, None, []) for d in dropped]
        subtasks = []
        for fields, quota, importance, sources in rows:
            shares = {s.source_id: s.share for s in sources}
            groundings = judged.get(fields["key"]) or [
                Grounding(s.source_id, s.plan, {}, s.score or 1.0, True, "chosen in the edited spec") for s in sources]
            row = {**fields, "importance": importance, "quota": quota,
                   "sample_schema": sample_schema(fields["answer_type"], fields["modalities"])}
            # a subtask no source could serve keeps its reason in the spec's `dropped` list
            subtasks.append((row, [{
                "source_id": g.source_id, "kind": g.plan.kind if g.plan else None,
                "plan": g.plan.model_dump() if g.plan else {}, "scores": g.scores, "score": g.score,
                "accepted": int(g.accepted and g.source_id in shares), "rationale": g.rationale,
                "share": shares.get(g.source_id, 0)} for g in groundings if g.source_id in self.cards]))
        save_plan(self.store, self.run_id, spec.scope.model_dump(), document, subtasks)
        for fields, quota, _, sources in rows:
            self.on_event("subtask", key=fields["key"], quota=quota, sources=[s.source_id for s in sources])

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
        kept = []
        for i in order:
            if all(str(source.record(i).get(field)) in values for field, values in plan.where.items()):
                kept.append(i)
                if len(kept) == wanted:
                    break
        return kept

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
