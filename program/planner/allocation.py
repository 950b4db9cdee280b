"""Allocation agent: an LLM proposes quotas and diagnoses shortfalls; code makes the quotas sum to the size and
spreads them over sources, whose capacity is shared by every subtask that lists them."""

import math
from collections import Counter
from dataclasses import dataclass, field

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.signatures import ProposeQuotas, SubtaskDraft
from benchagent.signatures.spec import Spec
from benchagent.signatures.allocation import DiagnoseShortfall, QuotaProposal


@dataclass
class SourceShare:
    source_id: str
    score: float
    capacity: int


@dataclass
class Allocation:
    """shares[key] sums to quotas[key]; the quotas sum to the size less `unfillable`, which `reasons` explain."""

    quotas: dict[str, int]
    importance: dict[str, float]
    shares: dict[str, dict[str, int]]
    diagnoses: list[dict] = field(default_factory=list)
    redesign: dict[str, str] = field(default_factory=dict)
    unfillable: int = 0
    reasons: dict[str, str] = field(default_factory=dict)


def exact_quotas(weights: dict[str, float], size: int) -> dict[str, int]:
    """Largest-remainder apportionment of size over weights; ties go to the earlier key."""
    keys = list(weights)
    total = sum(max(w, 0.0) for w in weights.values())
    if total <= 0:
        weights, total = {k: 1.0 for k in keys}, float(len(keys))
    raw = {k: size * max(weights[k], 0.0) / total for k in keys}
    quotas = {k: math.floor(v) for k, v in raw.items()}
    leftover = size - sum(quotas.values())
    order = sorted(keys, key=lambda k: (-(raw[k] - quotas[k]), keys.index(k)))
    for k in order[:leftover]:
        quotas[k] += 1
    return quotas


def rescaled(spec: Spec, size: int) -> Spec:
    """The spec with its subtask quotas, and each subtask's source shares, apportioned anew to sum to size."""
    quotas = exact_quotas({s.key: s.quota for s in spec.subtasks}, size)
    subtasks = []
    for subtask in spec.subtasks:
        shares = exact_quotas({s.source_id: s.share for s in subtask.sources}, quotas[subtask.key])
        sources = [s.model_copy(update={"share": shares[s.source_id]}) for s in subtask.sources]
        subtasks.append(subtask.model_copy(update={"quota": quotas[subtask.key], "sources": sources}))
    return spec.model_copy(update={"subtasks": subtasks})


def spread(quota: int, shares: list[SourceShare]) -> dict[str, int]:
    """Split one subtask's quota over its sources: best score first, an even cap, then a top-up pass."""
    ranked = sorted(shares, key=lambda s: (-s.score, s.source_id))
    result = {s.source_id: 0 for s in ranked}
    if not ranked:
        return result
    cap = math.ceil(quota / len(ranked))
    left = quota
    for share in ranked:
        take = min(cap, share.capacity, left)
        result[share.source_id] += take
        left -= take
    for share in ranked:
        take = min(share.capacity - result[share.source_id], left)
        result[share.source_id] += take
        left -= take
    return result


class _Plan:
    """Quotas and their shares; subtasks are spread in turn (most important first) over what sources have left."""

    def __init__(self, quotas: dict[str, int], importance: dict[str, float], sources: dict[str, list[SourceShare]]):
        self.quotas, self.importance = quotas, importance
        self.sources = {k: list(sources.get(k, [])) for k in quotas}
        self.capacity: dict[str, int] = {}
        for s in (s for listed in self.sources.values() for s in listed):
            self.capacity[s.source_id] = max(0, min(s.capacity, self.capacity.get(s.source_id, s.capacity)))
        self.order = sorted(quotas, key=lambda k: -importance[k])
        self.spread(by_spare=False)

    def spread(self, by_spare: bool) -> None:
        self.shares = {k: {} for k in self.quotas}
        left = dict(self.capacity)
        for key in self.order:
            got = spread(self.quotas[key], [SourceShare(s.source_id, left[s.source_id] if by_spare else s.score,
                                                        left[s.source_id]) for s in self.sources[key]])
            self.shares[key] = got
            for sid, n in got.items():
                left[sid] -= n

    def used(self) -> Counter:
        used = Counter()
        for got in self.shares.values():
            used.update(got)
        return used

    def left(self) -> dict[str, int]:
        used = self.used()
        return {sid: cap - used[sid] for sid, cap in self.capacity.items()}

    def room(self, key: str, left: dict[str, int]) -> int:
        return sum(left[s.source_id] for s in self.sources[key])

    def short(self) -> dict[str, int]:
        filled = {k: sum(got.values()) for k, got in self.shares.items()}
        return {k: q - filled[k] for k, q in self.quotas.items() if q > filled[k]}

    def cause(self, key: str) -> str:
        if sum(self.capacity.values()) < sum(self.quotas.values()):
            return "insufficient_supply"
        own = sum(self.capacity[s.source_id] for s in self.sources[key])
        return "order_starvation" if own >= self.quotas[key] else "source_exhausted"

    def reorder(self, keys: list[str]) -> None:
        """Spread `keys` first, every subtask taking from the sources with most records left; undone if worse."""
        before = (self.order, self.shares, sum(self.short().values()))
        self.order = keys + [k for k in self.order if k not in keys]
        self.spread(by_spare=True)
        if sum(self.short().values()) > before[2]:
            self.order, self.shares = before[:2]

    def move(self, key: str, amount: int) -> int:
        """Move up to `amount` of key's quota to subtasks with records left, in proportion to importance."""
        left, moved = self.left(), 0
        takers = [k for k in self.order if k != key and self.room(k, left)]
        while moved < amount and takers:
            extra = exact_quotas({k: self.importance[k] for k in takers}, amount - moved)
            for k in takers:
                got = spread(extra[k], [SourceShare(s.source_id, s.score, left[s.source_id]) for s in self.sources[k]])
                for sid, n in got.items():
                    self.shares[k][sid] += n
                    left[sid] -= n
                self.quotas[k] += sum(got.values())
                moved += sum(got.values())
            takers = [k for k in takers if self.room(k, left)]
        self.quotas[key] -= moved
        return moved

    def situation(self) -> str:
        used, left = self.used(), self.left()
        lines = [f"size {sum(self.quotas.values())}, records in all sources {sum(self.capacity.values())}"]
        for key, quota in self.quotas.items():
            got = self.shares[key]
            unfilled = quota - sum(got.values())
            if not unfilled:
                lines.append(f"{key}: quota {quota}, filled, {self.room(key, left)} records left")
                continue
            listed = "; ".join(f"{sid} has {self.capacity[sid]}: {n} here, {used[sid] - n} to others"
                               for sid, n in got.items())
            lines.append(f"{key}: quota {quota}, unfilled {unfilled}; {listed or 'no source'}")
        return "\n".join(lines)


class AllocationAgent(dspy.Module):
    def __init__(self):
        super().__init__()
        self.propose = dspy.Predict(ProposeQuotas)
        self.diagnose = dspy.Predict(DiagnoseShortfall)

    def forward(self, requirement: str, subtasks: list[SubtaskDraft], size: int,
                sources: dict[str, list[SourceShare]], rounds: int = 2) -> Allocation:
        """Propose quotas (one subtask takes the whole size), spread them, then up to `rounds` times diagnose the
        shortfalls and reorder, re-quota or send subtasks back to design; a last code pass moves or reports whatever
        is still unfilled."""
        listing = "\n".join(f"{s.key}: {s.description}" for s in subtasks)
        proposals = self.propose(requirement=requirement, subtasks=listing, size=size).quotas if len(subtasks) > 1 \
            else [QuotaProposal(key=subtasks[0].key, importance=1.0, quota=size)]  # nothing to weigh against
        by_key = {p.key: p for p in proposals}
        importance = {s.key: min(1.0, max(0.0, by_key[s.key].importance)) if s.key in by_key else 0.5 for s in subtasks}
        weights = {s.key: max(by_key[s.key].quota, 0) if s.key in by_key else 0 for s in subtasks}
        if sum(weights.values()) <= 0:
            weights = dict(importance)
        plan = _Plan(exact_quotas(weights, size), importance, sources)
        diagnoses, redesign = [], {}
        for round_ in range(1, rounds + 1):
            if not plan.short():
                break
            verdicts = self._diagnose(requirement, plan, round_)
            diagnoses += verdicts
            plan.reorder([v["key"] for v in verdicts if v["action"] == "reorder"])
            for v in verdicts:
                if v["action"] == "redesign":
                    redesign[v["key"]] = v["rationale"]
                if v["action"] != "reorder":
                    plan.move(v["key"], plan.short().get(v["key"], 0))
        unfillable, reasons = 0, {}
        for key, unfilled in plan.short().items():
            cause, quota, moved = plan.cause(key), plan.quotas[key], plan.move(key, unfilled)
            plan.quotas[key] -= unfilled - moved
            note = f"round limit reached: code moved {moved} of {unfilled} unfilled items to other subtasks"
            diagnoses.append({"round": rounds + 1, "key": key, "cause": cause, "action": "requota",
                              "rationale": note, "unfilled": unfilled})
            if unfilled > moved:
                unfillable += unfilled - moved
                listed = ", ".join(f"{s.source_id} ({plan.capacity[s.source_id]} records)" for s in plan.sources[key])
                reasons[key] = (f"{unfilled - moved} of its {quota} items cannot be placed: its sources "
                                f"{listed or '(none)'} are used up and no other subtask has records left")
        return Allocation(plan.quotas, importance, plan.shares, diagnoses, redesign, unfillable, reasons)

    def _diagnose(self, requirement: str, plan: _Plan, round_: int) -> list[dict]:
        """One LLM call for every short subtask; a missing or unparsable diagnosis gets the default action."""
        try:
            said = {d.key: d for d in self.diagnose(requirement=requirement, situation=plan.situation()).diagnoses}
            why = "no diagnosis given"
        except AdapterParseError:
            said, why = {}, "diagnosis could not be parsed"
        left = plan.left()
        default = "requota" if any(plan.room(k, left) for k in plan.quotas) else "redesign"
        verdicts = []
        for key, unfilled in plan.short().items():
            d = said.get(key)
            cause, action, rationale = (d.cause, d.action, d.rationale) if d else (
                plan.cause(key), default, f"{why}; default action {default}")
            verdicts.append({"round": round_, "key": key, "cause": cause, "action": action, "rationale": rationale,
                             "unfilled": unfilled})
        return verdicts
