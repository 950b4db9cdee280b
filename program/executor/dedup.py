"""Near-duplicate questions in a run: exact match on what fixes the answer, rapidfuzz token_set_ratio on the wording.

rapidfuzz: MIT, C++, no dependencies; datasketch needs numpy and scipy and MinHash is noisy on short questions.
"""

import hashlib
import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from rapidfuzz import fuzz, process

from benchagent.program.executor.item import Item

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_TOKEN = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?|\d+(?:\.\d+)?|[^\W\d_]+")
_STOPWORDS = frozenset(
    "a an the of in on at to for from by with as and or is are was were be been does do did what which who "
    "whose how when where this that these those it its there please".split()
)


def _normal(text: str) -> str:
    """Lower-case words and canonical numbers ("1,000.50" -> "1000.5"), punctuation dropped."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text.lower())
    return " ".join(format(Decimal(w).normalize(), "f") if _NUMBER.fullmatch(w) else w for w in _TOKEN.findall(text))


def exact_part(item: Item) -> tuple[str, str, tuple[str, ...]]:
    """What must match exactly: the input beside the question (image bytes, text context), the answer (with what a
    tool asked, for a yes or no), its numbers."""
    context = ""
    if item.images or item.extra_input:
        digest = hashlib.sha256()
        for name in sorted(item.images):
            digest.update(f"{name}:{hashlib.sha256(item.images[name]).hexdigest()}\n".encode())
        digest.update(json.dumps(item.extra_input, sort_keys=True, default=str).encode())
        context = digest.hexdigest()
    numbers = tuple(sorted(w for w in _normal(item.question).split() if _NUMBER.fullmatch(w)))
    answer = _normal(item.answer)
    if answer in ("yes", "no") and item.query:  # a yes or no says little: what the tool asked fixes it
        answer = f"{answer} {json.dumps(item.query, sort_keys=True, default=str)}"
    return context, answer, numbers


def fuzzy_part(item: Item) -> str:
    """The wording: the question's content words, then the options in a fixed order."""
    words = [w for w in _normal(item.question).split() if w not in _STOPWORDS]
    return " ".join([*words, *sorted(_normal(o) for o in item.options or [])])


class DuplicateIndex:
    """Accepted samples of one run, looked up by near-duplicate question; safe to share between threads.

    threshold is the token_set_ratio (0-100) from which two items in the same exact bucket are near-duplicates."""

    def __init__(self, threshold: float = 85.0):
        self.threshold = threshold
        self._buckets: dict[tuple, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return sum(len(ids) for ids, _ in self._buckets.values())

    def _find(self, key: tuple, text: str) -> str | None:
        ids, texts = self._buckets.get(key, ((), ()))
        best = process.extractOne(text, texts, scorer=fuzz.token_set_ratio, processor=None, score_cutoff=self.threshold)
        return ids[best[2]] if best else None

    def find(self, item: Item) -> str | None:
        """The id of an accepted sample that item nearly duplicates, or None."""
        with self._lock:
            return self._find(exact_part(item), fuzzy_part(item))

    def add(self, sample_id: str, item: Item) -> str | None:
        """Record an accepted sample unless a near-duplicate got there first (another thread); returns that one's id."""
        key, text = exact_part(item), fuzzy_part(item)
        with self._lock:
            if (found := self._find(key, text)) is not None:
                return found
            ids, texts = self._buckets[key]
            ids.append(sample_id)
            texts.append(text)
            return None

    def load(self, pairs: Iterable[tuple[str, Item]]) -> None:
        """Rebuild from the stored accepted samples of a run being resumed; all of them are kept."""
        with self._lock:
            for sample_id, item in pairs:
                ids, texts = self._buckets[exact_part(item)]
                ids.append(sample_id)
                texts.append(fuzzy_part(item))
