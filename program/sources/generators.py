"""Generator sources: records made deterministically from (seed, index) by the generators the families register,
each (source, seed) a stream of distinct records."""

import copy
import random
import threading
from collections import OrderedDict
from typing import Any

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families import GENERATORS


def generator_cards() -> list[SourceCard]:
    """The card of every generator source."""
    return [generator.card for generator in GENERATORS.values()]


class _Stream:
    """The distinct records of one (source, seed): draw d comes from Random("source:seed:d"); a draw that
    repeats an earlier record (the same by its generator's identity: for charts their theme, labels and values) is
    skipped."""

    def __init__(self, source_id: str, seed: int):
        self.source_id, self.seed, self.draws = source_id, seed, 0
        self.generator = GENERATORS[source_id]
        self.records: list[dict[str, Any]] = []
        self.seen: set[str] = set()

    def get(self, index: int) -> dict[str, Any]:
        while len(self.records) <= index:
            record = self.generator.make(random.Random(f"{self.source_id}:{self.seed}:{self.draws}"))
            self.draws += 1
            key = self.generator.identity(record)
            if key not in self.seen:
                self.seen.add(key)
                self.records.append(record)
        return copy.deepcopy(self.records[index])


_STREAMS: OrderedDict[tuple[str, int], _Stream] = OrderedDict()
_STREAMS_KEPT = 8
_LOCK = threading.Lock()


def generate_record(source_id: str, index: int, seed: int) -> dict[str, Any]:
    """The JSON-serialisable record number index of a generator source; same arguments, same record; no two
    indices of one seed share a record."""
    if source_id not in GENERATORS:
        raise ValueError(f"unknown generator source {source_id!r}; known: {', '.join(GENERATORS)}")
    size = GENERATORS[source_id].card.size
    if not 0 <= index < size:
        raise ValueError(f"record index {index} outside 0..{size - 1} of {source_id}")
    with _LOCK:
        stream = _STREAMS.pop((source_id, seed), None) or _Stream(source_id, seed)
        _STREAMS[(source_id, seed)] = stream
        if len(_STREAMS) > _STREAMS_KEPT:
            _STREAMS.popitem(last=False)
        return stream.get(index)
