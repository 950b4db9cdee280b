"""Question targets over any source record, and its image shown as is. A plan binds record fields by role, the
binding name saying how the goal calls the field: 'original.number:answer.atomic number' asks the atomic number,
'original.name:subject.name' names the record, 'original.features:shown.features' shows a field in the context and
'original.species:pool.setosa' lists a label for the options."""

import hashlib
import math
import random
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, Field, JsonValue, model_validator

from benchagent.program.tools.arithmetic import decimal_text, round_half_up
from benchagent.program.tools.png import Png
from benchagent.program.tools.registry import ToolInput, ToolOutput, tool
from benchagent.program.tools.targets import Target, join_names, mentions, narrowed
from benchagent.program.tools.text_ops import cloze_candidates, mask

ROLES = ("subject", "answer", "shown", "pool", "hidden", "near", "per", "same", "differ")
MAX_OPTIONS = 4
BLANKS = 4


class Named(BaseModel):
    label: str = Field(min_length=1, max_length=100, description="how the goal calls the field")
    value: JsonValue


class RecordTarget(Target):
    option_count: int = Field(description="how many options label_options can make from label_pool, at most n")
    gold_position: int = Field(description="the slot's gold position wrapped to option_count, for shuffle_options")
    question: str = Field("", description="the question in full, when the tool words it itself (a cloze)")


def value_text(value: Any) -> str:
    """A JSON value as text: numbers exact as the source holds them (26, 55.845, 5.0, 0.00001 for 1e-05), lists
    joined with commas, objects as 'key: value' pairs."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return format(Decimal(repr(value)), "f")
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {value_text(v)}" for k, v in value.items())
    return "" if value is None else str(value).strip()


def answer_text(value: Any) -> str | None:
    """The exact answer a text or number value gives, or None for null, yes/no, lists and objects."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return value_text(value) or None


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class RecordArgs(ToolInput):
    """Record fields bound as '<role>.<label>' arguments are collected into the role's list."""

    answer: list[Named] = Field(min_length=1)
    shown: list[Named] = []
    pool: list[str] = Field([], description="labels the options are drawn from")
    seed: int = 0
    position: int = Field(0, ge=0, description="the slot's gold position")
    n: int = Field(MAX_OPTIONS, ge=2, le=10, description="options a choice item offers")

    @model_validator(mode="before")
    @classmethod
    def _by_role(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        plain, roles = {}, {}
        for key, value in data.items():
            role, dot, label = key.partition(".")
            if dot and role in ROLES:
                roles.setdefault(role, []).append(label if role == "pool" else {"label": label, "value": value})
            else:
                plain[key] = value
        return plain | {role: [*plain.get(role, []), *items] for role, items in roles.items()}


def _lines(fields: list[Named]) -> list[str]:
    """'label: value' per field; an object's pairs go on lines of their own, nulls are left out."""
    lines = []
    for field in fields:
        if isinstance(field.value, dict):
            lines += [f"{k}: {value_text(v)}" for k, v in field.value.items() if value_text(v)]
        elif value_text(field.value):
            lines.append(f"{field.label}: {value_text(field.value)}")
    return lines


def _target(position: int, n: int, *, goal: str, answer: str, context: str, facts: str, pool: list[str],
            query: dict[str, Any]) -> RecordTarget:
    """The target with its label pool (the answer included, duplicates dropped) and option count."""
    labels: dict[str, str] = {}
    for label in (p.strip() for p in [answer, *pool]):
        if label:
            labels.setdefault(label.casefold(), label)
    count = max(2, min(n, len(labels)))
    return RecordTarget(goal=goal, answer=answer, context=context, facts=facts, label_pool=list(labels.values()),
                        query=query, option_count=count, gold_position=position % count)


class SubjectArgs(RecordArgs):
    subject: list[Named] = Field(min_length=1, max_length=1, description="the field that names the record")


class FieldTargetArgs(SubjectArgs):
    places: int | None = Field(None, ge=0, le=6, description="decimal places a number answer is rounded to "
                                                                "(default: exact)")


def _ask(answer: Named, subject: Named, name: str, places: int | None = None) -> str:
    named = f"'{name}'" if subject.label.split()[-1] in ("name", "title") else \
        f"the one whose {subject.label} is '{name}'"
    rounded = f" rounded to {places} decimal place{'s' * (places != 1)}" if places is not None else ""
    return f"the {answer.label} of {named}" + (f"; the answer is a number{rounded}" if is_number(answer.value) else "")


def _rounded(value: Any, places: int | None) -> str | None:
    """The answer text of a field's value, a number rounded to places decimals when places are given."""
    if places is None or not is_number(value):
        return answer_text(value)
    return decimal_text(round_half_up(Fraction(repr(value)), places), places)


@tool("field_target", "Ask one answer.<label> field (picked with the seed among those with a value) of the record "
                      "named by its subject.<label> field. With shown.<label> fields the context shows them and the "
                      "answer (a lookup); without, the context is empty (a knowledge question).")
def field_target(args: FieldTargetArgs) -> RecordTarget:
    subject = args.subject[0]
    name = answer_text(subject.value)
    if name is None:
        raise ValueError(f"the record has no {subject.label}")
    candidates = []
    for field in args.answer:
        answer = _rounded(field.value, args.places)
        if answer is not None and not mentions(_ask(field, subject, name, args.places), answer):
            candidates.append((field, answer))
    if not candidates:
        raise ValueError(f"no answer field of '{name}' has a value its question would not state")
    field, answer = random.Random(f"field:{args.seed}").choice(candidates)
    shown = sorted({f.label: f for f in [*args.shown, field] if f.label != subject.label}.values(),
                   key=lambda f: f.label)
    context = "\n".join(_lines([subject, *shown])) if args.shown else ""
    facts = "; ".join(_lines([subject, field, *(f for f in shown if f is not field)]))
    return _target(args.position, args.n, goal=_ask(field, subject, name, args.places), answer=answer, context=context,
                   facts=facts, pool=args.pool, query={"ask": field.label, "of": {subject.label: name}})


# the words that ask which of several records holds the most or the least of a number ('which one is heavier')
COMPARES = {"largest": ("heavier", "heaviest", "larger", "largest", "greater", "greatest", "higher", "highest",
                        "bigger", "biggest", "denser", "densest", "more massive", "most massive", "longer", "longest",
                        "older", "oldest", "best", "better", "further north", "farther north", "more northern",
                        "more northerly", "northernmost", "further east", "farther east", "easternmost"),
            "smallest": ("lighter", "lightest", "smaller", "smallest", "lower", "lowest", "less massive",
                         "least massive", "shorter", "shortest", "younger", "youngest", "fewer", "fewest", "worst",
                         "worse", "further south", "farther south", "more southern", "more southerly",
                         "southernmost", "further west", "farther west", "westernmost")}


class Compared(BaseModel):
    """A record a comparison may offer: its name, its number, the number that one is divided by (a ratio's), and
    the value of the field the records compared share (their region)."""

    name: str
    value: float
    per: float | None = None
    group: str | None = None
    apart: str | None = Field(None, description="its value of the field the records compared each differ in")


class CompareTargetArgs(SubjectArgs):
    answer: list[Named] = Field(min_length=1, max_length=1)
    per: list[Named] = Field([], max_length=1, description="a number field the answer is divided by, so records are "
                                                          "compared by the ratio (population per area)")
    same: list[Named] = Field([], max_length=1, description="a field every record compared shares with this one (the "
                                                           "same region)")
    differ: list[Named] = Field([], max_length=1, description="a field the records compared each hold a different "
                                                             "value of (airports in different states)")
    gap: float | None = Field(None, gt=0, description="the least difference between any two values compared")
    show: bool = Field(False, description="list each record's two numbers of a ratio in the context, so the ratio "
                                          "is computed, not recalled")
    others: list[Compared | tuple[str, float]] = Field(min_length=1, description="the records it may be compared "
                                                                                 "with: [name, value] or objects")
    asks: list[str] | None = Field(None, description="largest, smallest or both (default: both)")

    @model_validator(mode="after")
    def _as_records(self):
        self.others = [o if isinstance(o, Compared) else Compared(name=o[0], value=o[1]) for o in self.others]
        return self


RATIO_FIGURES = 4  # significant figures a ratio is compared and stated at


def _ratio(value: float, per: float | None) -> float:
    return float(f"{value / per:.{RATIO_FIGURES}g}") if per else value


@tool("compare_target", "Ask which of n records (this one and n-1 of others, with distinct values) holds the largest "
                        "or smallest answer.<label> number, or the largest or smallest ratio of it to a per.<label> "
                        "number, of records sharing its same.<label> value or each holding another differ.<label> "
                        "one when bound, values at least gap apart; the options are their names.",
      asks=COMPARES, untied=True)
def compare_target(args: CompareTargetArgs) -> RecordTarget:
    subject, field = args.subject[0], args.answer[0]
    name = answer_text(subject.value)
    per = args.per[0] if args.per else None
    if name is None or not is_number(field.value) or per and not (is_number(per.value) and per.value > 0):
        raise ValueError(f"the record has no {subject.label}, no {field.label} number or no positive "
                         f"{per.label if per else 'divisor'}")
    group = answer_text(args.same[0].value) if args.same else None
    apart = answer_text(args.differ[0].value) if args.differ else None
    if args.same and group is None or args.differ and apart is None:
        raise ValueError(f"the record has no {(args.same or args.differ)[0].label}")
    rng = random.Random(f"compare:{args.seed}")
    this = Compared(name=name, value=float(field.value), per=float(per.value) if per else None, group=group,
                    apart=apart)
    chosen, seen, named, held = [this], [_ratio(this.value, this.per)], {name.casefold()}, {apart}
    for other in rng.sample(args.others, len(args.others)):
        measured = _ratio(other.value, other.per) if per is None or other.per else None
        if (other.name.strip() and other.name.strip().casefold() not in named and measured is not None
                and all(abs(measured - v) >= (args.gap or 0) and measured != v for v in seen)
                and (group is None or other.group == group) and (apart is None or other.apart not in held)):
            chosen.append(other.model_copy(update={"name": other.name.strip()}))
            seen.append(measured)
            named.add(other.name.strip().casefold())
            held.add(other.apart)
    if len(chosen) < args.n:
        raise ValueError(f"fewer than {args.n - 1} other records with a {field.label} unlike '{name}''s")
    chosen = sorted(chosen[:args.n], key=lambda c: c.name)
    kind = rng.choice(list(narrowed({k: [k] for k in COMPARES}, args.asks)))
    measure = f"{field.label} per {per.label}" if per else field.label
    gold = (max if kind == "largest" else min)(chosen, key=lambda c: _ratio(c.value, c.per)).name
    names = [c.name for c in chosen]

    def number(value: float) -> str:
        return value_text(int(value) if value.is_integer() else value)

    facts = "; ".join(f"{c.name}: {measure} {number(_ratio(c.value, c.per))}" for c in chosen)
    context = "\n".join(f"{c.name}: {field.label} {number(c.value)}, {per.label} {number(c.per)}" for c in chosen) \
        if per and args.show else ""
    among = f" (all in the same {args.same[0].label}, {group})" if group else ""
    which = "which one of those listed in the context" if context else \
        f"which of {join_names([repr(n) for n in names])}{among}"
    ratio = f" (the ratio of {field.label} to {per.label})" if per else ""
    return _target(args.position, len(names), goal=f"{which} has the {kind} {measure}{ratio}; the answer is one of "
                                                   f"those names",
                   answer=gold, context=context, facts=facts, pool=names,
                   query={"kind": kind, "ask": measure, "among": names})


class HoldsTargetArgs(SubjectArgs):
    answer: list[Named] = Field(min_length=1, max_length=1)
    near: list[Named] = Field([], description="fields whose values the record holds in part (languages official in a "
                                              "region only): never asked as a 'no'")


def _listed(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [text for v in items if (text := answer_text(v))]


@tool("holds_target", "Ask yes or no: whether the record named by its subject holds a value in its answer.<label> "
                      "field (one of a list, or the one value), asking a value it holds or a pool value it does not, "
                      "half and half by the seed.")
def holds_target(args: HoldsTargetArgs) -> RecordTarget:
    subject, field = args.subject[0], args.answer[0]
    name, held = answer_text(subject.value), _listed(field.value)
    if name is None or not held:
        raise ValueError(f"the record has no {field.label}")
    never = {v.casefold() for v in [*held, *(x for f in args.near for x in _listed(f.value))]}
    others = sorted({p.strip() for p in args.pool if p.strip() and p.strip().casefold() not in never})
    rng = random.Random(f"holds:{args.seed}")
    holds = not others or rng.random() < 0.5
    asked = rng.choice(held if holds else others)
    named = f"'{name}'"
    goal = (f"whether {asked} is one of the {field.label} of {named}" if isinstance(field.value, list) else
            f"whether the {field.label} of {named} is {asked}") + " (answer yes or no)"
    facts = "; ".join(_lines([subject, field, *args.near]))
    return _target(0, 2, goal=goal, answer="yes" if holds else "no", context="", facts=facts, pool=[],
                   query={"holds": asked, "field": field.label, "of": name})


class LabelTargetArgs(RecordArgs):
    answer: list[Named] = Field(min_length=1, max_length=1)
    hidden: list[Named] = Field([], description="fields whose values (a dotted name and its parts) and the answer are "
                                                "masked in the shown text")


def _masked(text: str, values: list[str]) -> str:
    """text with each value, and each part of a dotted or qualified one of 3 or more characters, as '[hidden]'."""
    words = {v for value in values for v in (value, *re.split(r"[.:/]", value)) if len(v) >= 3 or v == value}
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "[hidden]", text)
    return text


@tool("label_pool_target", "Ask a record's answer.<label> field (e.g. its class) from its shown.<label> fields, or "
                           "from its image when none are shown; pool.<value> bindings list the labels options come "
                           "from; hidden.<label> fields (a name) are masked in the shown text, with the answer.")
def label_pool_target(args: LabelTargetArgs) -> RecordTarget:
    field = args.answer[0]
    answer = answer_text(field.value)
    if answer is None:
        raise ValueError(f"the record has no {field.label}")
    context = "\n".join(_lines(args.shown)) if args.shown else "an image"
    if args.hidden:
        context = _masked(context, [answer, *(value_text(f.value) for f in args.hidden if value_text(f.value))])
    if args.shown and mentions(context, answer):
        raise ValueError(f"the shown fields state the {field.label} {answer!r}")
    goal = f"the {field.label} of the record described in the context" if args.shown else \
        f"the {field.label} of what the image shows"
    if args.hidden:
        goal = f"which {field.label} the passage shown comes from; the names in it are hidden"
    facts = "; ".join(_lines([field, *args.shown]))
    return _target(args.position, args.n, goal=goal, answer=answer, context=context, facts=facts, pool=args.pool,
                   query={"ask": field.label})


class ClozeTargetArgs(ToolInput):
    passage: str = Field(min_length=1, max_length=100_000)
    seed: int = 0
    position: int = Field(0, ge=0, description="the slot's gold position")
    n: int = Field(MAX_OPTIONS, ge=2, le=10, description="options a choice item offers")


@tool("passage_cloze", "Blank out up to 4 (or n) lower-case content words of a passage, each used once, as "
                       "[blank 1] ...; ask the word of one blank (seeded), in a question it words itself. The context "
                       "is the blanked passage, the label pool the blanked words.")
def passage_cloze(args: ClozeTargetArgs) -> RecordTarget:
    text = args.passage
    if "[blank" in text:
        raise ValueError("the passage already holds a '[blank' marker")
    words = [w for w in cloze_candidates(text, "word")
             if w.text[0].islower() and not mentions(mask(text, w.start, w.end, "[]"), w.text)]
    if not words:
        raise ValueError("the passage has no word that can be blanked out unambiguously")
    rng = random.Random(f"passage_cloze:{args.seed}")
    chosen = sorted(rng.sample(words, min(max(BLANKS, args.n), len(words))), key=lambda w: w.start)
    asked = rng.randrange(len(chosen))
    for number, word in reversed(list(enumerate(chosen, 1))):
        text = mask(text, word.start, word.end, f"[blank {number}]")
    blanks = "the blank" if len(chosen) == 1 else f"[blank {asked + 1}]"
    target = _target(args.position, args.n, goal=f"the word hidden by {blanks} in the passage",
                     answer=chosen[asked].text, context=text, facts=args.passage, pool=[w.text for w in chosen],
                     query={"blank": asked + 1, "start": chosen[asked].start, "end": chosen[asked].end})
    return target.model_copy(update={"question": f"Which word is hidden by {blanks} in the passage?"})


class RecordImageArgs(ToolInput):
    image: Png


class RecordImageOutput(ToolOutput):
    image: str = Field(description="name of the PNG in the tool result's images")


@tool("record_image", "Show a record's PNG image, unchanged, as the item's image.")
def record_image(args: RecordImageArgs) -> RecordImageOutput:
    name = f"record-{hashlib.sha256(args.image).hexdigest()[:12]}.png"
    return RecordImageOutput(image=name, images={name: args.image})
