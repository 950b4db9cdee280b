"""Human-reviewed samples from the store as dspy.Examples, with a deterministic train/held-out split."""

import hashlib
import json
from dataclasses import dataclass, replace
from itertools import zip_longest

import dspy

from benchagent.program.agent import BenchmarkAgent
from benchagent.program.executor.item import Item, stored_item
from benchagent.program.executor.taught import without_lessons
from benchagent.program.planner.grounding import subtask_brief
from benchagent.program.provenance import step_name
from benchagent.store.db import Store
from benchagent.store.plans import subtask_draft
from benchagent.store.reviews import reviewed_rows
from benchagent.store.steps import last_inputs

PHRASE_INPUTS = ("subtask", "goal", "context")
WRITE_INPUTS = ("subtask", "brief", "passage")


@dataclass(frozen=True)
class Reviewed:
    """A sample with its latest human decision, rebuilt as the agents saw it."""

    sample_id: str
    decision: str                      # accept | reject
    reason: str
    requirement: str                   # the run's requirement and the subtask, as the judge reads them
    subtask: str                       # the subtask brief the realizer and the inspector were given
    answer_type: str
    needs_image: bool
    item: Item
    phrase_inputs: dict | None         # subtask, goal, context of the PhraseQuestion step; None if none phrased it
    write_inputs: dict | None = None   # subtask, brief, passage of the WriteItem step; None if the LLM wrote none

    def with_question(self, question: str) -> Item:
        return replace(self.item, question=question.strip())


def _position(sample_id: str) -> float:
    """A fixed place in [0, 1) per sample id."""
    return int(hashlib.sha256(sample_id.encode()).hexdigest()[:8], 16) / 0x1_0000_0000


def split(reviewed: list[Reviewed], fraction: float, *, trained: frozenset[str] = frozenset()
          ) -> tuple[list[Reviewed], list[Reviewed]]:
    """(train, held-out): of each decision, the share fraction of samples (rounded, at least one when there are
    two) whose ids hash lowest are held out, so both decisions are measured and a sample's fate does not depend
    on the order it comes in. Samples in trained (an earlier program's training set) are never held out, so that
    program's figures stay honest. A set that falls all on one side gives up one sample to the other."""
    eligible = [r for r in reviewed if r.sample_id not in trained]
    out: set[str] = set()
    for decision in {r.decision for r in eligible}:
        ranked = sorted((r for r in eligible if r.decision == decision), key=lambda r: _position(r.sample_id))
        share = round(fraction * len(ranked))
        out.update(r.sample_id for r in ranked[:max(share, 1) if len(ranked) >= 2 else share])
    if len(reviewed) >= 2 and eligible and not out:
        out = {min(eligible, key=lambda r: _position(r.sample_id)).sample_id}
    elif len(reviewed) >= 2 and len(out) == len(reviewed):
        out.discard(max(reviewed, key=lambda r: _position(r.sample_id)).sample_id)
    return [r for r in reviewed if r.sample_id not in out], [r for r in reviewed if r.sample_id in out]


def _last_inputs(store: Store, agent: BenchmarkAgent, module: dspy.Module, sample_ids: list[str]) -> dict[str, dict]:
    """The inputs of each sample's last successful step of one of module's predictors, by their dotted names in agent
    (steps recorded before builds wrote those, by their step names)."""
    old_names = sorted({step_name(predictor) for _, predictor in module.named_predictors()})
    return last_inputs(store, agent.names_of(module), old_names, sample_ids)


def _facts(inspected: dict | None, brief: dict | None) -> str:
    """What the image shows, from the inspector's view of the item, else from the tool brief's facts."""
    if inspected and "image_shows" in (shown := json.loads(inspected.get("item") or "{}")):
        return shown["image_shows"]
    return ", ".join(brief["core_facts"]) if brief else ""


def _untaught(inputs: dict | None, names: tuple[str, ...]) -> dict | None:
    """A step's recorded inputs by name, the subtask without the lessons a compiled program added to it."""
    if not inputs:
        return None
    return {name: without_lessons(inputs[name]) if name == "subtask" else inputs[name] for name in names}


def reviewed_samples(store: Store, run_id: str | None = None) -> list[Reviewed]:
    """Every reviewed sample (of one run, or all), with its latest review, ordered by sample id."""
    rows = reviewed_rows(store, run_id)
    ids = [row["id"] for row in rows]
    agent = BenchmarkAgent()
    realizer, verifier = agent.executor.realizer, agent.executor.verifier
    phrased, written = (_last_inputs(store, agent, step, ids)
                        for step in (realizer.phrase_question, realizer.write_item))
    inspected = _last_inputs(store, agent, verifier.inspect, ids)
    out = []
    for row in rows:
        draft = subtask_draft(row)
        item = replace(stored_item(row), facts=_facts(inspected.get(row["id"]), row["brief"]))
        inputs, wrote = phrased.get(row["id"]), written.get(row["id"])
        out.append(Reviewed(
            sample_id=row["id"], decision=row["decision"], reason=row["review_reason"] or "",
            requirement=f"{row['requirement']} (subtask: {draft.name}: {draft.description})",
            subtask=subtask_brief(draft), answer_type=draft.answer_type,
            needs_image="image" in draft.modalities or bool(item.images), item=item,
            phrase_inputs=_untaught(inputs, PHRASE_INPUTS), write_inputs=_untaught(wrote, WRITE_INPUTS),
        ))
    return out


def judge_examples(reviewed: list[Reviewed]) -> list[dspy.Example]:
    """requirement + item → the human decision and reason; accepts and rejects alternate, so the first demos an
    optimizer takes show both decisions."""
    by_decision = [[r for r in reviewed if r.decision == d] for d in ("accept", "reject")]
    alternating = [r for pair in zip_longest(*by_decision) for r in pair if r is not None]
    return [dspy.Example(requirement=r.requirement, item=r.item.checker_json(), decision=r.decision, reason=r.reason,
                         sample_id=r.sample_id).with_inputs("requirement", "item") for r in alternating]


def phrase_examples(reviewed: list[Reviewed], *, accepted_only: bool) -> list[dspy.Example]:
    """subtask + goal + context → the sample's final question, for samples a PhraseQuestion step phrased."""
    return [dspy.Example(**r.phrase_inputs, question=r.item.question, sample_id=r.sample_id).with_inputs(*PHRASE_INPUTS)
            for r in reviewed if r.phrase_inputs and (r.decision == "accept" or not accepted_only)]


def write_examples(reviewed: list[Reviewed], *, accepted_only: bool) -> list[dspy.Example]:
    """subtask + brief + passage → the sample's final question, options and answer, for samples the LLM wrote."""
    return [dspy.Example(**r.write_inputs, question=r.item.question, options=r.item.options or [],
                         answer=r.item.answer, sample_id=r.sample_id).with_inputs(*WRITE_INPUTS)
            for r in reviewed if r.write_inputs and (r.decision == "accept" or not accepted_only)]
