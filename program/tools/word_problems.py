"""Question targets over arithmetic word facts: a short story whose named quantities are expression trees,
evaluated exactly to answer how much, who has most or least, and who has more."""

import random
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field

from benchagent.program.tools.arithmetic import Expr, decimal_text, evaluate, round_half_up, terminates
from benchagent.program.tools.registry import ToolInput, tool
from benchagent.program.tools.targets import Target, mentions, pick_comparison, unique_extreme


class Quantity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=40)
    ask: str = Field(min_length=1, max_length=200, description="e.g. 'how many stickers Ana has at the end'")
    expression: Expr


class Comparison(BaseModel):
    model_config = ConfigDict(extra="forbid")
    more: str = Field(description="'A <more> B', e.g. 'has more stickers at the end than'")
    most: str = Field(description="e.g. 'has the most stickers at the end'")
    least: str = Field(description="e.g. 'has the fewest stickers at the end'")


class WordProblemArgs(ToolInput):
    facts: list[str] = Field(min_length=1, max_length=20)
    quantities: list[Quantity] = Field(min_length=2, max_length=6)
    total_ask: str | None = Field(None, min_length=1, max_length=200, description="null where a total means "
                                                                                  "nothing")
    compare: Comparison
    seed: int
    places: int | None = Field(None, ge=0, le=6, description="decimal places a number answer is rounded to "
                                                                "(default: exact)")

    def values(self) -> dict[str, Fraction]:
        values = {q.name: evaluate(q.expression) for q in self.quantities}
        if len(values) != len(self.quantities):
            raise ValueError("quantity names must be distinct")
        return values


def _target(args: WordProblemArgs, goal: str, answer: str, pool: list[str], query: dict) -> Target:
    story = " ".join(args.facts)
    return Target(goal=goal, answer=answer, context=story, facts=story, label_pool=pool, query=query)


@tool("word_problem_number_target", "Ask for one named quantity or the total in a word problem; the answer is exact, "
                                    "or rounded to the places given.")
def word_problem_number_target(args: WordProblemArgs) -> Target:
    values, story = args.values(), " ".join(args.facts)
    asks = [(q.ask, values[q.name], q.name) for q in args.quantities]
    if args.total_ask:
        asks.append((args.total_ask, sum(values.values(), Fraction(0)), None))
    places = args.places
    rounded = f" rounded to {places} decimal place{'s' * (places != 1)}" if places else \
        " rounded to a whole number" if places == 0 else ""
    candidates = [(f"{ask}; the answer is a number{rounded}",
                   decimal_text(round_half_up(v, places), places) if places is not None else decimal_text(v), name)
                  for ask, v, name in asks if places is not None or terminates(v)]
    candidates = [c for c in candidates if not mentions(story, c[1]) and not mentions(c[0], c[1])]
    if not candidates:
        raise ValueError("every quantity is either stated in the story or has no exact decimal")
    rng = random.Random(args.seed)
    falls = [c for c in candidates if c[1].startswith("-")]
    if falls and len(falls) < len(candidates):  # a rise or a fall (a percentage change), half and half
        candidates = falls if rng.random() < 0.5 else [c for c in candidates if c not in falls]
    goal, answer, name = rng.choice(candidates)
    return _target(args, goal, answer, [], {"quantity": name})


@tool("word_problem_label_target", "Ask who ends with the most or the least in a word problem; the answer is a name.")
def word_problem_label_target(args: WordProblemArgs) -> Target:
    values = args.values()
    options = [(hi, name) for hi in (True, False) if (name := unique_extreme(values, hi))]
    if not options:
        raise ValueError("no quantity is uniquely the largest or smallest")
    largest, answer = random.Random(args.seed).choice(options)
    phrase = args.compare.most if largest else args.compare.least
    goal = f"which of the {len(values)} people in the story {phrase}; the answer is a name"
    return _target(args, goal, answer, list(values), {"largest": largest})


@tool("word_problem_binary_target", "Ask whether one named quantity in a word problem exceeds another; yes or no.")
def word_problem_binary_target(args: WordProblemArgs) -> Target:
    values = args.values()
    a, b = pick_comparison(values, args.seed)
    goal = f"whether {a} {args.compare.more} {b} (answer yes or no)"
    return _target(args, goal, "yes" if values[a] > values[b] else "no", [], {"first": a, "second": b})
