"""The planner's loop: scope, design, grounding with a redesign of what no source serves, allocation; it stores the
Spec they agree on and returns it."""

import contextvars
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from textwrap import shorten
from typing import Any

from dspy.utils.exceptions import AdapterParseError, LMError

from benchagent.program.agent import BenchmarkAgent
from benchagent.program.errors import BuildAborted, PlanningError, ProgramError, model_fault
from benchagent.program.executor.realize import llm_steps
from benchagent.program.intent import (contract, demanded_modalities, exclusive, is_genre, missing_subject,
                                       missing_topic, other_chart, shares_topic)
from benchagent.program.planner.allocation import SourceShare
from benchagent.program.planner.facets import (UNBUILDABLE, asking, asks_all, coverage, facet_modality, one_kind_asked,
                                                speaks, with_asks, with_columns, with_degradations, with_language,
                                                with_fit, with_named_values, with_picks, with_stated_formats,
                                                with_target_guarantees, with_theme)
from benchagent.program.planner.grounding import Grounding, subtask_brief
from benchagent.program.planner.limits import with_limits
from benchagent.program.planner.plan_check import sample_schema
from benchagent.program.planner.plan_writer import (asks_about_other_things, example_record, template_plans,
                                                    unaskable, with_compared, with_compared_terms,
                                                    with_pooled)
from benchagent.program.provenance import working_on
from benchagent.program.request import BuildRequest
from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.catalog import find_cards
from benchagent.program.sources.recipes import asking_recipe, recipe_for
from benchagent.program.tools.registry import list_tools
from benchagent.signatures import Scope, Spec, SpecSource, SpecSubtask, SubtaskDraft, TransformPlan
from benchagent.store.db import Store
from benchagent.store.plans import save_plan
from benchagent.store.redact import scrub
from benchagent.store.steps import end_step, open_stage, unreadable_replies

REDESIGN_ROUNDS = 1
RELEVANCE_GAP = 0.5   # a modality-filtered best match under half the unfiltered best's bm25 is too weak


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


def picked_first(results: list[Grounding]) -> list[Grounding]:
    """When an accepted plan draws only the records the requirement names (`where`: the modules, the continent, the
    chart's theme), accepted plans that draw from all their records are set aside: the standard library's
    itertools docstrings, not the language reference, for 'a function from modules like itertools'."""
    picking = [g for g in results if g.accepted and g.plan and g.plan.where]
    if not picking:
        return results
    named = "; ".join(f"{field}: {', '.join(map(str, values))}" for field, values in picking[0].plan.where.items())
    return [replace(g, accepted=False, rationale=f"set aside: {picking[0].source_id} draws only the records the "
                                                 f"requirement names ({named}), this one draws any ({g.rationale})")
            if g.accepted and g.plan and not g.plan.where else g for g in results]


class Planning:
    """One run's planning: each stage a step of the run, its events told to on_event; `plan()` returns the stored
    Spec, `save_spec` stores one given whole."""

    def __init__(self, store: Store, run_id: str, request: BuildRequest, agent: BenchmarkAgent,
                 cards: dict[str, SourceCard], on_event: Callable[..., None]):
        self.store, self.run_id, self.request, self.agent, self.on_event = store, run_id, request, agent, on_event
        self.cards = cards

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
        most = 1 if exclusive(req.requirement) or one_kind_asked(scope.facets) else req.max_subtasks
        design = self._stage("design", lambda: self.agent.planner.design(
            requirement=req.requirement, scope=scope, max_subtasks=most, cards=cards))
        decisions = list(design.decisions)
        grounded, ungrounded = self._stage("grounding", lambda: self._ground(scope, design.subtasks))
        for _ in range(REDESIGN_ROUNDS):
            room = most - len(grounded)
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
                f"{', '.join(facets)}: {reason}" for reason, facets in by_reason.items()) + self._nearest(ungrounded)
                + f" ({gaps[0].remedy if gaps else 'add a --source'})"))
        allocation = self._stage("allocation", lambda: self.agent.planner.allocation(
            requirement=req.requirement, subtasks=[d for d, _ in grounded], size=req.size,
            sources={k: [SourceShare(g.source_id, g.score, self.cards[g.source_id].size) for g in gs]
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
        unread = unreadable_replies(self.store, self.run_id, self.agent.names_of(self.agent.planner.grounding))
        if not unread:
            return error
        return BuildAborted(f"planning failed after {unread} of the model's replies could not be read ({error}); "
                            f"fix the model, then run: benchagent resume {self.run_id}")

    def _candidates(self, scope: Scope, draft: SubtaskDraft) -> tuple[SubtaskDraft, list[SourceCard], str | None]:
        """The draft (its modalities following the relevant sources unless the requirement demands them), the cards
        to judge for it (the user's own sources first), or why none can serve it."""
        words = [*scope.keywords, draft.name, draft.capability]
        demanded = demanded_modalities(self.request.requirement, scope.facets)
        absent = {m for m in UNBUILDABLE if not any(m in c.modalities for c in self.cards.values())}
        needs = {*(set(draft.modalities) & demanded), *demanded_modalities(f"{draft.name} {draft.description}", []),
                 *(facet_modality(f) for f in scope.facets if f.key in draft.facets)}
        if needs & absent:
            return draft, [], UNBUILDABLE[sorted(needs & absent)[0]]
        if set(draft.modalities) & absent:  # chosen by the design, asked by nobody: dropped, not a reason to fail
            kept = [m for m in draft.modalities if m not in absent] or ["text"]
            draft = draft.model_copy(update={"modalities": kept})
        wanted = [m for m in draft.modalities if m != "text"]
        about = " ".join([self.request.requirement, scope.interpretation, subtask_words(scope, draft)])
        matches = find_cards(self.store, words, wanted, limit=5, relative=0.5)
        anywhere = find_cards(self.store, words, None, limit=5, relative=0.5) if wanted else matches
        follow = anywhere and (not matches or matches[0].bm25 > RELEVANCE_GAP * anywhere[0].bm25
                               or not any(shares_topic(m.card, about) for m in matches))
        if follow and not demanded & set(wanted):
            # the modality the design chose (the requirement did not ask for it) only reaches weak or off-topic
            # matches: the best match of any modality decides
            draft = draft.model_copy(update={"modalities": [m for m in anywhere[0].card.modalities if m != "audio"]})
            matches = find_cards(self.store, words, [m for m in draft.modalities if m != "text"], limit=5,
                                 relative=0.5)
        needs = {m for m in draft.modalities if m != "text"}
        own = [c for c in self.cards.values() if c.kind == "user" and needs <= set(c.modalities)]
        found = [m.card for m in matches if m.card.id not in {o.id for o in own}]
        specific = [f for f in scope.facets if f.key in draft.facets or is_genre(f)]
        requirement = self.request.requirement
        lacking = [(c, missing_topic(c, specific) or missing_subject(c, scope.facets, requirement)
                    or other_chart(c, requirement)) for c in found if shares_topic(c, about)]
        cards = [*own, *(c for c, lacks in lacking if not lacks)][:6]
        if cards:
            return draft, cards, None
        if lacking:
            return draft, [], "; ".join(f"{c.id} does not hold the {lacks}" for c, lacks in lacking[:3])
        if found:
            return draft, [], (f"no source shares its topic: {', '.join(c.id for c in found[:3])} matched words "
                               "of the search but not what the subtask is about")
        return draft, [], f"no source offers {', '.join(sorted(needs)) or 'text'} inputs"

    def _nearest(self, ungrounded: list[tuple[SubtaskDraft, list[Grounding]]]) -> str:
        """What the best-judged source that was turned down holds, in its card's words, so the user sees what is
        missing (a date range, a field); empty when no source was judged."""
        judged = [g for _, results in ungrounded for g in results if g.scores and g.source_id in self.cards]
        if not judged:
            return ""
        best = max(judged, key=lambda g: g.score)
        return f"; the nearest source, {best.source_id}, holds: {shorten(self.cards[best.source_id].description, 200)}"

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
        in_words = f"{about} " + " ".join(  # the user's own words for what is tested, a quote of all of it aside
            f.quote for f in scope.facets if f.key in draft.facets and f.kind in ("capability", "operation")
            and len(f.quote) < 0.8 * len(self.request.requirement))
        draft, led = self._asking_led(scope, draft, cards)
        named = f"{draft.name} {draft.description}"
        formats = " ".join(f.value for f in scope.facets if f.kind == "answer_format")
        candidates = [(card, led.get(card.id) or recipe_for(card, draft.answer_type, named, self.request.requirement)
                       or next(iter(template_plans(card, draft.answer_type, about=in_words, answer=formats)), None))
                      for card in cards]
        if cards and not any(plan for _, plan in candidates):
            with working_on("grounding"):
                candidates[0] = (cards[0], self.agent.planner.plan_writer(subtask=draft, card=cards[0]))
        judged, refused = [], []
        for card, plan in candidates:
            plan = self._carrying(plan, scope, draft, card) if plan else plan
            why = plan and (f"its items quote the text of {card.name}, which is not written in {scope.language}"
                            if not speaks(plan, scope)
                            else asks_about_other_things(plan, card, about, draft.name, self.request.requirement)
                            or unaskable(plan, card))
            if why:
                refused.append(Grounding(card.id, plan, {}, 0.0, False, why))
            else:
                judged.append((card, plan))
        ground = self.agent.planner.grounding
        results = ground(subtask=draft, candidates=judged, tools=tools, predictors=set(llm_steps()),
                         brief=subtask_brief(draft, scope.language, scope.facets),
                         facets=scope.facets) if judged else []
        return draft, picked_first(served_first(own_first(results + refused,
                                                          {c.id for c in cards if c.kind == "user"})))

    @staticmethod
    def _asking_led(scope: Scope, draft: SubtaskDraft,
                    cards: list[SourceCard]) -> tuple[SubtaskDraft, dict[str, TransformPlan]]:
        """The draft, its answer type that of the first generated source's target asking what its facets ask when
        the target of its own type does not (a number for 'count days between two dates', not a weekday label),
        and the plans of the sources led so."""
        carried = [f for f in scope.facets if f.key in draft.facets]
        said = " ".join([draft.name, draft.description, *(f.value for f in asking(carried))])
        led = {card.id: found for card in cards
               if (found := asking_recipe(card, draft.answer_type, lambda tool: asks_all(tool, carried), said))}
        if not led:
            return draft, {}
        answer_type = next(iter(led.values()))[0]
        return (draft.model_copy(update={"answer_type": answer_type}),
                {key: plan for key, (kind, plan) in led.items() if kind == answer_type})

    def _carrying(self, plan: TransformPlan, scope: Scope, draft: SubtaskDraft, card: SourceCard) -> TransformPlan:
        """The plan with the steps the facets ask for: degradations, the kinds of question named, the records a
        range allows, the items' language."""
        plan = with_asks(with_degradations(plan, scope.facets, self.request.requirement), scope.facets, draft,
                         self.request.requirement)
        plan = with_stated_formats(plan, scope.facets, self.request.requirement)
        about = f"{self.request.requirement} {subtask_words(scope, draft)}"
        plan = with_theme(with_picks(plan, card, about, scope.facets), card, about)
        plan = with_named_values(plan, card, about, scope.facets)
        plan = with_compared_terms(with_limits(plan, card, scope.facets), card, scope.facets)
        plan = with_pooled(with_compared(plan, card), card)
        plan = with_target_guarantees(with_fit(with_columns(plan, card, draft, scope.facets), card), scope.facets,
                                      draft.answer_type)
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

