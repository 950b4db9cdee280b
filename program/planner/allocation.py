"""Allocation agent: an LLM proposes quotas; code makes them sum to the size and spreads them over sources."""

import math
from dataclasses import dataclass

import dspy

from benchagent.signatures import ProposeQuotas, SubtaskDraft


@dataclass
class SourceShare:
    source_id: str
    score: float
    capacity: int


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


class AllocationAgent(dspy.Module):
    def __init__(self):
        super().__init__()
        self.propose = dspy.Predict(ProposeQuotas)

    def forward(self, requirement: str, subtasks: list[SubtaskDraft], size: int) -> tuple[dict[str, int], dict[str, float]]:
        listing = "\n".join(f"{s.key}: {s.description}" for s in subtasks)
        proposals = self.propose(requirement=requirement, subtasks=listing, size=size).quotas
        by_key = {p.key: p for p in proposals}
        importance = {s.key: min(1.0, max(0.0, by_key[s.key].importance)) if s.key in by_key else 0.5 for s in subtasks}
        weights = {s.key: max(by_key[s.key].quota, 0) if s.key in by_key else 0 for s in subtasks}
        if sum(weights.values()) <= 0:
            weights = dict(importance)
        return exact_quotas(weights, size), importance
