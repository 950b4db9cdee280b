"""The arithmetic word-problem family: three people trade, bake, save or shop; each amount is an expression tree
evaluated exactly."""

import random
from fractions import Fraction
from typing import Any

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families.plans import TargetRecipe, same_inputs
from benchagent.program.sources.families.registry import SIZE, generator
from benchagent.program.sources.families.words import NAMES
from benchagent.program.tools.arithmetic import decimal_text, evaluate
from benchagent.program.tools.targets import join_names, mentions

ITEMS = {"stickers": "sticker", "marbles": "marble", "stamps": "stamp", "seashells": "seashell",
         "trading cards": "trading card", "postcards": "postcard"}
BAKES = ["lemon cake", "carrot cake", "apple tart", "cheesecake", "sponge cake", "fruit tart", "honey cake"]
PURCHASES = ["a book", "a board game", "a concert ticket", "new headphones", "a gift", "art supplies"]


def _things(n: int, plural: str) -> str:
    return f"{n} {ITEMS.get(plural, plural) if n == 1 else plural}"


def _op(op: str, *args) -> dict[str, Any]:
    return {"op": op, "args": list(args)}


def _exchange(rng: random.Random, names: list[str]) -> tuple[dict, list[str], dict]:
    """Integer story: collections change hands, are bought in packs or lost."""
    item = rng.choice(list(ITEMS))
    have = {n: rng.randint(6, 40) for n in names}
    exprs: dict[str, Any] = dict(have)
    facts = [f"{n} has {_things(have[n], item)}." for n in names]
    for _ in range(rng.randint(2, 3)):
        kind, a = rng.choice(("give", "buy", "lose")), rng.choice(names)
        if have[a] < 3:
            kind = "buy"
        if kind == "give":
            b, k = rng.choice([n for n in names if n != a]), rng.randint(1, min(10, have[a] - 1))
            have[a], have[b] = have[a] - k, have[b] + k
            exprs[a], exprs[b] = _op("-", exprs[a], k), _op("+", exprs[b], k)
            facts.append(f"{a} gives {_things(k, item)} to {b}.")
        elif kind == "buy":
            packs, size = rng.randint(2, 4), rng.randint(3, 10)
            have[a] += packs * size
            exprs[a] = _op("+", exprs[a], _op("*", packs, size))
            facts.append(f"{a} buys {packs} packs of {item} with {size} {item} in each pack.")
        else:
            k = rng.randint(1, min(8, have[a] - 1))
            have[a] -= k
            exprs[a] = _op("-", exprs[a], k)
            facts.append(f"{a} loses {_things(k, item)}.")
    phrases = {"ask": f"how many {item} {{name}} has at the end",
               "total_ask": f"how many {item} {{names}} have altogether at the end",
               "compare": {"more": f"has more {item} at the end than", "most": f"has the most {item} at the end",
                           "least": f"has the fewest {item} at the end"}, "unit": item}
    return exprs, facts, phrases


def _mixed(quarters: int) -> str:
    """A number of quarter cups as '3/4 cup', '1 1/2 cups' or '2 cups'."""
    whole, part = divmod(quarters, 4)
    frac = {0: "", 1: "1/4", 2: "1/2", 3: "3/4"}[part]
    text = " ".join(t for t in (str(whole) if whole else "", frac) if t)
    return f"{text} {'cup' if quarters <= 4 else 'cups'}"


def _baking(rng: random.Random, names: list[str]) -> tuple[dict, list[str], dict]:
    """Fraction story: each baker makes several cakes needing a quarter-cup multiple of flour each."""
    exprs, facts = {}, []
    for name, bake in zip(names, rng.sample(BAKES, len(names)), strict=True):
        count, quarters = rng.randint(2, 8), rng.choice([q for q in range(1, 12) if q % 4])
        exprs[name] = _op("*", count, str(Fraction(quarters, 4)))
        facts.append(f"{name} bakes {count} {bake}s, and each {bake} needs {_mixed(quarters)} of flour.")
    phrases = {"ask": "how many cups of flour {name} needs",
               "total_ask": "how many cups of flour {names} need altogether",
               "compare": {"more": "needs more flour than", "most": "needs the most flour",
                           "least": "needs the least flour"}, "unit": "cups"}
    return exprs, facts, phrases


def _savings(rng: random.Random, names: list[str]) -> tuple[dict, list[str], dict]:
    """Money story: starting amount plus weekly savings minus one purchase, in whole dollars."""
    exprs, facts = {}, []
    for name in names:
        start, weekly, weeks = rng.randint(10, 80), rng.randint(2, 15), rng.randint(2, 6)
        spent = rng.randint(5, min(40, start + weekly * weeks - 1))
        exprs[name] = _op("-", _op("+", start, _op("*", weekly, weeks)), spent)
        facts.append(f"{name} has ${start}, saves ${weekly} every week for {weeks} weeks, "
                     f"then spends ${spent} on {rng.choice(PURCHASES)}.")
    phrases = {"ask": "how many dollars {name} has at the end",
               "total_ask": "how many dollars {names} have altogether at the end",
               "compare": {"more": "has more money at the end than", "most": "has the most money at the end",
                           "least": "has the least money at the end"}, "unit": "dollars"}
    return exprs, facts, phrases

GOODS = ["notebooks", "pens", "apples", "sandwiches", "cinema tickets", "plants", "bus passes", "candles"]
NOTES = (20, 50, 100, 200, 500)


def _shopping(rng: random.Random, names: list[str]) -> tuple[dict, list[str], dict]:
    """Money story in two steps: each buys several of one thing at a whole-dollar price, pays with the smallest note
    that covers it and gets change."""
    exprs, facts = {}, []
    for name, goods in zip(names, rng.sample(GOODS, len(names)), strict=True):
        count, price = rng.randint(2, 9), rng.randint(2, 40)
        note = next(n for n in NOTES if n > count * price)
        exprs[name] = _op("-", note, _op("*", count, price))
        facts.append(f"{name} buys {count} {goods} at ${price} each and pays with a ${note} note.")
    phrases = {"ask": "how many dollars of change {name} gets",
               "total_ask": "how many dollars of change {names} get altogether",
               "compare": {"more": "gets more change than", "most": "gets the most change",
                           "least": "gets the least change"}, "unit": "dollars"}
    return exprs, facts, phrases


# prices and counts 'before' whose only prime factors are 2 and 5, so a change in percent of them ends
BEFORE = (20, 25, 40, 50, 80, 100, 125, 160, 200, 250, 320, 400, 500, 625, 800)
PRICED = ["bike", "laptop", "phone", "jacket", "concert ticket", "gym membership", "sofa", "guitar"]
COUNTED = [("members", "a chess club"), ("visitors", "a museum"), ("students", "a school"), ("trees", "a park"),
           ("birds", "a lake")]


def _prices(rng: random.Random, names: list[str]) -> tuple[dict, list[str], dict]:
    """Percentage story: each person's price or count goes from one whole number to another; the change is asked in
    percent of the first, negative for a fall."""
    exprs, facts, asks = {}, [], {}
    for name in names:
        old = rng.choice(BEFORE)
        new = old
        while new == old:
            new = max(1, round(old * rng.randint(40, 180) / 100))
        if rng.random() < 0.5:
            thing = rng.choice(PRICED)
            facts.append(f"{name}'s {thing} cost ${old} last year and costs ${new} now.")
            asks[name] = f"the percentage change in the price of {name}'s {thing}"
        else:
            what, place = rng.choice(COUNTED)
            facts.append(f"{name} counted {old} {what} at {place} last year and {new} this year.")
            asks[name] = f"the percentage change in the number of {what} {name} counted"
        exprs[name] = _op("*", _op("/", _op("-", new, old), old), 100)
    phrases = {"ask": asks, "total_ask": None,
               "compare": {"more": "has a higher percentage change than", "most": "has the highest percentage change",
                           "least": "has the lowest percentage change"}, "unit": "percent"}
    return exprs, facts, phrases


_STORY = ["original.facts", "original.quantities", "original.total_ask", "original.compare"]
RECIPE = TargetRecipe(same_inputs({"number": "word_problem_number_target", "choice": "word_problem_number_target",
                                   "label": "word_problem_label_target", "binary": "word_problem_binary_target"},
                                  _STORY), None, "decimal_options")


@generator(SourceCard(
    id="gen_arithmetic_facts", name="arithmetic_facts", kind="generator", modalities=["text"],
    description="Generated arithmetic word problems: three people trade, buy and lose collections "
                "(integers), bake cakes needing fractions of a cup of flour (fractions), save and spend "
                "money, go shopping, buying things and getting change from a note (two steps, whole "
                "dollars), or see a price or a count go from one value to another (the percentage change, "
                "negative for a decrease). Each person's amount is an expression tree evaluated exactly. Grounds "
                "how-much questions, totals, percentage changes, who ends with the most or least, and who has "
                "more.",
    fields={"theme": "str: exchange (collections traded, bought in packs and lost) | baking (cups of flour for "
                     "cakes) | savings (money saved weekly, then spent) | shopping (buying things and getting "
                     "change) | prices (a price or quantity changes from one value to another: the percent "
                     "change, an increase or a decrease)", "unit": "str", "facts": "list[str]: the story",
            "quantities": "list[object]: name, ask, expression (tree of + - * / over integers and fractions)",
            "total_ask": "str | null: null where a total means nothing (percentage changes)",
            "compare": "object: more, most, least phrases", "answers": "object: name -> exact decimal",
            "total": "str | null", "most": "str", "least": "str"},
    size=SIZE, license="generated",
    keywords=["arithmetic", "math word problems", "fractions", "addition", "subtraction", "multiplication",
              "mathematical reasoning", "multi-step", "money", "shopping", "change", "short stories",
              "percentage change", "percent change", "percentages", "price change", "increase", "decrease"],
    tools=["word_problem_number_target", "word_problem_label_target", "word_problem_binary_target",
           "exact_arithmetic", "decimal_options", "shuffle_options"]), RECIPE)


def arithmetic_facts(rng: random.Random) -> dict[str, Any]:
    family = rng.choice((_exchange, _baking, _savings, _shopping, _prices))
    while True:
        names = rng.sample(NAMES, 3)
        exprs, facts, phrases = family(rng, names)
        values = {n: evaluate(e) for n, e in exprs.items()}
        summed = phrases["total_ask"] is not None
        total = decimal_text(sum(values.values())) if summed else None
        answers = {n: decimal_text(v) for n, v in values.items()}
        story = " ".join(facts)
        signed = family is _prices  # a fall is a negative change
        if (len(set(values.values())) == 3 and min(values.values()) > 0 or signed and 0 not in values.values()) \
                and not any(mentions(story, a) for a in [*answers.values(), *([total] if summed else [])]):
            break
    asks = phrases["ask"]
    return {
        "theme": family.__name__.strip("_"), "unit": phrases["unit"], "facts": facts,
        "quantities": [{"name": n, "ask": asks[n] if isinstance(asks, dict) else asks.format(name=n),
                        "expression": exprs[n]} for n in names],
        "total_ask": phrases["total_ask"].format(names=join_names(names)) if summed else None,
        "compare": phrases["compare"], "answers": answers, "total": total,
        "most": max(values, key=values.get), "least": min(values, key=values.get),
    }
