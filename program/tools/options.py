"""Answer options for choice items: plausible distractors, gold placement and a balancer that spreads the
gold letter evenly over a run."""

import itertools
import random
import string
import threading
from collections.abc import Sequence
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from benchagent.program.tools.registry import ToolInput, ToolOutput, tool

LETTERS = string.ascii_uppercase
Option = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
]


def distinct(options: Sequence) -> bool:
    """Whether no two options read the same, case and surrounding spaces aside."""
    return len({str(o).strip().casefold() for o in options}) == len(options)


def _digits(value: int) -> int:
    return len(str(abs(value)))


def _roundness(value: int) -> int:
    """The largest 1, 2, 25 or 5 times a power of ten that divides value, up to its leading digit's place."""
    digits = _digits(value)
    units = [m * 10**k for k in range(digits) for m in (1, 2, 5)] + [25 * 10**k for k in range(digits - 1)]
    return max(u for u in units if u <= 10 ** (digits - 1) and value % u == 0)


def make_number_options(answer: int, seed: int, n: int = 4, step: int | None = None) -> list[int]:
    """n distinct integers, gold first: consecutive multiples of step around the answer, same sign and digit
    count where possible, with the answer at a random rank so neither the largest nor the middle option gives
    it away. step defaults to the answer's roundness (40 -> 10, 35 -> 5, 1250 -> 250) so the gold is not the
    only round option."""
    if n < 2:
        raise ValueError("n must be at least 2")
    if step is not None and step < 1:
        raise ValueError("step must be positive")
    rng = random.Random(f"number:{answer}:{seed}:{n}:{step}")
    steps = [step] if step else [_roundness(answer), 1]

    def plausible(value: int) -> bool:
        return (value < 0) == (answer < 0) and _digits(value) == _digits(answer)

    for unit in steps:
        starts = list(range(1 - n, 1))
        rng.shuffle(starts)
        for start in starts:
            values = [answer + k * unit for k in range(start, start + n)]
            if all(map(plausible, values)):
                return [answer] + [v for v in values if v != answer]
    nearest = (answer + k * steps[-1] for m in itertools.count(1) for k in (m, -m))
    return [answer] + list(itertools.islice((v for v in nearest if (v < 0) == (answer < 0)), n - 1))


def make_label_options(answer: str, pool: Sequence[str], seed: int, n: int = 4) -> list[str]:
    """n distinct labels, gold first; distractors come from pool, preferring lengths close to the gold's."""
    key = answer.strip().casefold()
    seen, candidates = {key}, []
    for label in pool:
        folded = label.strip().casefold()
        if folded and folded not in seen:
            seen.add(folded)
            candidates.append(label.strip())
    if len(candidates) < n - 1:
        raise ValueError(f"pool has {len(candidates)} distinct labels besides the answer, need {n - 1}")
    rng = random.Random(f"label:{key}:{seed}:{n}")
    rng.shuffle(candidates)
    candidates.sort(key=lambda c: abs(len(c) - len(answer.strip())) // 4)
    return [answer.strip()] + candidates[: n - 1]


def place_gold(options: Sequence, gold, position: int) -> list:
    """The options with gold moved to index position, the others keeping their order."""
    if list(options).count(gold) != 1:
        raise ValueError("gold must appear exactly once among the options")
    if not 0 <= position < len(options):
        raise ValueError(f"position {position} outside 0..{len(options) - 1}")
    rest = [o for o in options if o != gold]
    return rest[:position] + [gold] + rest[position:]


class GoldBalancer:
    """Hands out gold positions so each of n positions is used equally often: the least used position wins,
    ties broken by a seeded shuffle per block of n. Thread-safe; resume by passing the counts used so far."""

    def __init__(self, n: int = 4, seed: int = 0, used: Sequence[int] = ()):
        if n < 2:
            raise ValueError("n must be at least 2")
        counts = list(used) or [0] * n
        if len(counts) != n or min(counts) < 0:
            raise ValueError(f"used must hold {n} non-negative counts")
        self.n, self.seed, self._counts, self._lock = n, seed, counts, threading.Lock()

    @property
    def counts(self) -> list[int]:
        with self._lock:
            return list(self._counts)

    def next(self) -> int:
        with self._lock:
            block = sum(self._counts) // self.n
            order = list(range(self.n))
            random.Random(f"gold:{self.seed}:{block}").shuffle(order)
            least = min(self._counts)
            position = next(p for p in order if self._counts[p] == least)
            self._counts[position] += 1
            return position


class ShuffleOptionsArgs(ToolInput):
    options: list[Option] = Field(min_length=2, max_length=10)
    gold: Option
    seed: int = 0
    position: int | None = Field(None, ge=0, description="index for the gold option; default: seeded random")

    @model_validator(mode="after")
    def _check(self):
        if not distinct(self.options):
            raise ValueError("options must be distinct")
        if self.options.count(self.gold) != 1:
            raise ValueError("gold must appear exactly once among the options")
        if self.position is not None and self.position >= len(self.options):
            raise ValueError(f"position {self.position} outside 0..{len(self.options) - 1}")
        return self


class ShuffleOptionsOutput(ToolOutput):
    options: list[str]
    gold: str
    gold_index: int
    gold_letter: str


@tool("shuffle_options", "Shuffle answer options with a seed and put the gold option at a given (or seeded) position.")
def shuffle_options(args: ShuffleOptionsArgs) -> ShuffleOptionsOutput:
    rng = random.Random(f"shuffle:{args.seed}")
    shuffled = list(args.options)
    rng.shuffle(shuffled)
    position = rng.randrange(len(shuffled)) if args.position is None else args.position
    options = place_gold(shuffled, args.gold, position)
    return ShuffleOptionsOutput(options=options, gold=args.gold, gold_index=position, gold_letter=LETTERS[position])


class NumberOptionsArgs(ToolInput):
    answer: int
    seed: int = 0
    n: int = Field(4, ge=2, le=10)
    step: int | None = Field(None, ge=1, description="spacing between options, e.g. half a chart gridline step")


class NumberOptionsOutput(ToolOutput):
    options: list[int] = Field(description="gold first; place it with shuffle_options")


@tool("number_options",
      "Make n distinct numeric options near an integer answer (gold first), same digit count where possible.")
def number_options(args: NumberOptionsArgs) -> NumberOptionsOutput:
    return NumberOptionsOutput(options=make_number_options(args.answer, args.seed, args.n, args.step))


class LabelOptionsArgs(ToolInput):
    answer: Option
    pool: list[str] = Field(min_length=1, max_length=1000)
    seed: int = 0
    n: int = Field(4, ge=2, le=10)


class LabelOptionsOutput(ToolOutput):
    options: list[str] = Field(description="gold first; place it with shuffle_options")


@tool("label_options", "Make n distinct label options: the answer plus distractors drawn from a pool (gold first).")
def label_options(args: LabelOptionsArgs) -> LabelOptionsOutput:
    return LabelOptionsOutput(options=make_label_options(args.answer, args.pool, args.seed, args.n))
