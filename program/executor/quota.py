"""Quota control: which slot to realize next, so each subtask gets exactly its quota or an explained shortfall."""

import hashlib
import random
import threading
from collections import Counter
from dataclasses import dataclass, field

from benchagent.signatures import SubtaskDraft, TransformPlan

EXCHANGEABLE_WINDOW = 4  # generator records are drawn from the first EXCHANGEABLE_WINDOW * wanted indices
OFF_TARGET_CUT = 3       # off-target items after which a source yielding twice as many of them as good ones is dropped


def slot_seed(run_seed: int, subtask_key: str, source_id: str, index: int) -> int:
    digest = hashlib.sha256(f"{run_seed}:{subtask_key}:{source_id}:{index}".encode()).hexdigest()
    return int(digest[:8], 16)


@dataclass
class SourceQuota:
    """One grounded source of a subtask: its share of the quota and the records it has left."""

    grounding_id: str
    source_id: str
    plan: TransformPlan
    share: int
    order: list[int]                       # record indexes in the order this run tries them
    used: set[int] = field(default_factory=set)
    accepted: int = 0
    inflight: int = 0
    off_target: int = 0                    # its items the fit check judged not to test what was asked

    @property
    def cut(self) -> bool:
        """Its items keep missing the requirement: the subtask's other sources fill its share."""
        return self.off_target >= OFF_TARGET_CUT and self.off_target > 2 * self.accepted

    def next_index(self) -> int | None:
        return None if self.cut else next((i for i in self.order if i not in self.used), None)


@dataclass
class SubtaskQuota:
    subtask_id: str
    draft: SubtaskDraft
    quota: int
    budget: int                            # most slots this subtask may try
    sources: list[SourceQuota]
    attempts: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def accepted(self) -> int:
        return sum(s.accepted for s in self.sources)

    @property
    def inflight(self) -> int:
        return sum(s.inflight for s in self.sources)

    @property
    def missing(self) -> int:
        return max(0, self.quota - self.accepted)

    def pick(self) -> tuple[SourceQuota, int] | None:
        """The source owed the most with a record left, else any source with one left (top-up)."""
        if self.accepted + self.inflight >= self.quota or self.attempts >= self.budget:
            return None
        open_sources = [(s, s.next_index()) for s in self.sources]
        open_sources = [(s, i) for s, i in open_sources if i is not None]
        if not open_sources:
            return None
        owed = [(s, i) for s, i in open_sources if s.share - s.accepted - s.inflight > 0]
        source, index = max(owed or open_sources, key=lambda p: p[0].share - p[0].accepted - p[0].inflight)
        return source, index

    def shortfall_reason(self) -> str:
        if self.attempts >= self.budget:
            why = f"{self.attempts} attempts used, the limit for a quota of {self.quota}"
        else:
            why = "every grounded source ran out of unused records or was dropped"
        dropped = [f"{s.source_id} dropped after {s.off_target} off-target items" for s in self.sources if s.cut]
        why += "".join(f"; {d}" for d in dropped)
        top = ", ".join(f"{reason} x{count}" for reason, count in self.reasons.most_common(3))
        return f"{why}" + (f"; slots failed or were rejected for: {top}" if top else "")


@dataclass(frozen=True)
class Job:
    subtask: SubtaskQuota
    source: SourceQuota
    index: int
    seed: int
    slot_id: str | None = None             # set when the slot row already exists (resumed pending slot)


class Scheduler:
    """Hands out jobs round-robin over subtasks and books their results; safe to call from one thread."""

    def __init__(self, subtasks: list[SubtaskQuota], run_seed: int):
        self.subtasks = subtasks
        self.run_seed = run_seed
        self.redo: list[Job] = []
        self._turn = 0
        self._lock = threading.Lock()

    @staticmethod
    def record_order(run_seed: int, subtask_key: str, source_id: str, capacity: int, wanted: int, *,
                     exchangeable: bool = False) -> list[int]:
        """A seeded order of wanted record indices. Generator records are distinct random draws already
        (exchangeable), so their order comes from the first few times wanted indices: drawing record i
        costs every draw before it."""
        rng = random.Random(f"{run_seed}:{subtask_key}:{source_id}")
        window = min(capacity, EXCHANGEABLE_WINDOW * wanted) if exchangeable else capacity
        return rng.sample(range(window), min(window, wanted))

    def next_job(self) -> Job | None:
        with self._lock:
            if self.redo:
                job = self.redo.pop(0)
                self._book_start(job)
                return job
            for _ in range(len(self.subtasks)):
                subtask = self.subtasks[self._turn % len(self.subtasks)]
                self._turn += 1
                picked = subtask.pick()
                if picked:
                    source, index = picked
                    seed = slot_seed(self.run_seed, subtask.draft.key, source.source_id, index)
                    job = Job(subtask, source, index, seed)
                    self._book_start(job)
                    return job
            return None

    @staticmethod
    def _book_start(job: Job) -> None:
        job.source.used.add(job.index)
        job.source.inflight += 1
        job.subtask.attempts += 1

    @staticmethod
    def _book_end(job: Job, accepted: bool, reason: str | None) -> None:
        if accepted:
            job.source.accepted += 1
        elif reason:
            job.subtask.reasons[reason] += 1
            job.source.off_target += reason == "off_target"

    def finish(self, job: Job, accepted: bool, reason: str | None = None, *, spent: bool = True) -> None:
        """Book a job's result; one that was not `spent` gives its attempt back."""
        with self._lock:
            job.source.inflight -= 1
            job.subtask.attempts -= not spent
            self._book_end(job, accepted, reason)

    def restore(self, job: Job, status: str, category: str | None, *, spent: bool) -> None:
        """Book a slot an earlier process of this run opened: its record is used, a pending one runs again first, and
        an accepted or failed one counts as finish() would have booked it."""
        with self._lock:
            job.source.used.add(job.index)
            if status == "pending":
                self.redo.append(job)
                job.subtask.attempts -= 1  # booked again when the redo job starts
            job.subtask.attempts += spent
            self._book_end(job, status == "accepted", category)

    def requeue(self, job: Job) -> None:
        """Book a job the model never answered as not tried: it runs again first, without spending an attempt."""
        with self._lock:
            job.source.inflight -= 1
            job.subtask.attempts -= 1
            self.redo.append(job)

    def shortfalls(self) -> list[dict]:
        return [{"subtask": s.draft.key, "missing": s.missing, "reason": s.shortfall_reason()}
                for s in self.subtasks if s.missing]
