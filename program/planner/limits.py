"""Ranges and exclusions the requirement states, kept by drawing only the records that keep to them: "offsets over
100 days" bounds a number field named like it, "skip countries that use the euro" leaves out the records whose field
holds a value it names word for word ('Euro'). One the source's fields cannot express stays a gap."""

import functools
import operator
import re
from collections.abc import Sequence

from benchagent.program.intent import BOUND_WORDS, EXCLUDING, NUMBER, SIGN, stems, whole_words
from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.catalog import source_for
from benchagent.program.sources.families.registry import fields_read
from benchagent.signatures import Facet, TransformPlan

# '10 mil', '2.5 million', '300k' ('m' alone may be metres)
SCALE = r"(?:\s*(thousand|k|million|mil|mln|mn|billion|bn)\b)?"
SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mil": 1e6, "mln": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9}
BOUND = re.compile(rf"\b(between|{'|'.join(BOUND_WORDS)})\s+({NUMBER}){SCALE}(?:\s+(?:and|to)\s+({NUMBER}){SCALE})?",
                   re.I)
# a range written with a dash before what it counts: 'pie charts w/ 4-6 slices', '3 to 5 subjects'
SPAN = re.compile(r"(?<![\w.,-])(\d+(?:,\d{3})*)\s*(?:-|–|to)\s*(\d+(?:,\d{3})*)\s+(?=[^\W\d])", re.I)
SIGNED = re.compile(rf"({SIGN})\s*({NUMBER}){SCALE}", re.I)
SIGNS = {">=": "ge", "≥": "ge", "<=": "le", "≤": "le", ">": "gt", "<": "lt"}
# a bound after its number: '1980+ model yrs', '5 or more bars', '100 or fewer'
AFTER = re.compile(rf"(?<![\w.])({NUMBER}){SCALE}(?:\+(?![\d+])|\s+(?:or|and)\s+(more|later|above|over|after|newer|up|"
                   r"upwards|onwards|less|fewer|earlier|below|under|before|older)\b)", re.I)
AT_MOST = {"less", "fewer", "earlier", "below", "under", "before", "older"}
NUMERIC = re.compile(r"^\s*(?:int|float)\b")
# what a clause leaves out, to the clause's end: 'skip countries that use the euro', '(no prices/decimals/negatives)'
NEGATED = re.compile(rf"(?:^|(?<=[\s(\[,;:]))(?:{EXCLUDING}|no|not|without)\s+([^,;.()\[\]]+)", re.I)
TEXT = re.compile(r"^\s*str\b")
SCANNED = 5000  # records read for the values an exclusion names
WHERE_SPAN = 100  # most records read per wanted one when a plan takes only some records of a source
EXCLUDES = re.compile(rf"\b(?:{EXCLUDING})\b", re.I)  # 'skip microstates under 1,000 km²' keeps 1,000 km² and over
OTHER_SIDE = {"gt": "le", "ge": "lt", "lt": "ge", "le": "gt"}
APART = re.compile(r"\b(?:apart|differ\w*|gap|margin)\b", re.I)  # '1 deg of latitude apart' bounds no one record
UNIT = re.compile(r"\s*([a-z]{1,3}\d?)\b", re.I)
NUMBER_WORDS = stems("int ints integers numbers values")
SUPERSCRIPTS = str.maketrans("²³", "23")  # 'km²' is said as the field 'area_km2'
TESTS = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}
TEST_WORDS = {"gt": "over", "ge": "at least", "lt": "under", "le": "at most"}


def stated_bounds(text: str) -> tuple[dict[str, float], set[str]] | None:
    """The bounds a range states ({"gt": 100} for 'over 100 days', {"ge": 1900, "le": 2000} for 'between 1900 and
    2000', {"gt": 1e7} for 'pop over 10 mil', {"ge": 1980} for '1980+ model yrs', {"ge": 1000} for 'skip microstates
    under 1,000 km²') and the stems of its other words with the unit after its number (what is bounded); None when it
    states none, or only a distance between records' values ('1 degree apart')."""
    def number(text: str, scale: str | None) -> float:
        return float(text.replace(",", "")) * SCALES.get((scale or "").lower(), 1)

    def kept(bounds: dict[str, float], start: int) -> dict[str, float] | None:
        """The bounds the records keep: the other side of one that a word before it leaves out."""
        if not EXCLUDES.search(text[:start]):
            return bounds
        return {OTHER_SIDE[test]: bound for test, bound in bounds.items()} if len(bounds) == 1 else None

    text = text.translate(SUPERSCRIPTS)
    if APART.search(text):
        return None
    found = BOUND.search(text)
    signed = SIGNED.search(text) if found is None else None
    if signed:
        bounds = kept({SIGNS[signed.group(1)]: number(signed.group(2), signed.group(3))}, signed.start())
        return (bounds, stems(SIGNED.sub(" ", EXCLUDES.sub(" ", text)))) if bounds else None
    span = SPAN.search(text) if found is None else None
    if span and float(span.group(1).replace(",", "")) < float(span.group(2).replace(",", "")):
        bounds = kept({"ge": number(span.group(1), None), "le": number(span.group(2), None)}, span.start())
        bounded = stems(" ".join(text[span.end():].split()[:2])) or stems(" ".join(text[:span.start()].split()[-2:]))
        return (bounds, bounded) if bounds else None
    if found is None:
        after = AFTER.search(text)
        if after is None:
            return None
        value, scale, word = after.groups()
        # what is bounded is said next to its number: 'from 1980+ model yrs', 'ages 18+'
        bounded = stems(" ".join(text[after.end():].split()[:3])) or stems(" ".join(text[:after.start()].split()[-2:]))
        bounds = kept({"le" if (word or "").lower() in AT_MOST else "ge": number(value, scale)}, after.start())
        return (bounds, bounded) if bounds else None
    word, low, low_scale, high, high_scale = (found.group(1).lower(), *found.groups()[1:])

    if word == "between":
        if high is None:
            return None
        bounds = {"ge": number(low, low_scale or high_scale), "le": number(high, high_scale)}
    else:
        bounds = {BOUND_WORDS[word]: number(low, low_scale)}
    bounds = kept(bounds, found.start())
    unit = UNIT.match(text[found.end():])  # said as a field's name is: 'under 1,000 km²' of area_km2
    bounded = stems(BOUND.sub(" ", EXCLUDES.sub(" ", text))) | ({unit.group(1).lower()} if unit else set())
    return (bounds, bounded) if bounds else None


ANSWER_WORDS = re.compile(r"\b(?:answers?|golds?|results?|solutions?)\b", re.I)
SENTENCE = re.compile(r"[.;!?](?:\s|$)|\n")


@functools.cache  # read for every item a build checks
def answer_bounds(requirement: str) -> dict[str, float] | None:
    """The range a requirement states for every answer, in a sentence naming answers ('Answers should be integers
    between 0 and 8'); None when none does."""
    for sentence in SENTENCE.split(requirement):
        if ANSWER_WORDS.search(sentence) and (stated := stated_bounds(sentence)):
            return stated[0]
    return None


def bounds_answers(facet: Facet, requirement: str) -> bool:
    """The facet states the range the requirement gives every answer: the answer check keeps it."""
    stated = stated_bounds(facet.value) or stated_bounds(facet.quote)
    return facet.kind == "constraint" and stated is not None and stated[0] == answer_bounds(requirement)


def answer_outside(answer: str, requirement: str) -> str | None:
    """Why a number answer breaks the range the requirement states for answers; None when it keeps to it, is no
    number, or no range is stated."""
    bounds = answer_bounds(requirement)
    try:
        value = float(answer.strip().replace(",", ""))
    except ValueError:
        return None
    if bounds is None or within(value, bounds):
        return None
    said = " and ".join(f"{TEST_WORDS[test]} {bound:g}" for test, bound in bounds.items())
    return f"the answer {answer.strip()} is outside the range the requirement states for answers ({said})"


def _short_for(said: str, word: str) -> bool:
    """The word, or a form cut short: 'pop' of population; 'yr' (of 'yrs') of year."""
    return word == said or len(said) >= 3 and word.startswith(said) or (
        len(said) == 2 and word[0] == said[0] and said[1] in word[1:])


def bounded_field(card: SourceCard, what: set[str], read: set[str] = frozenset()) -> str | None:
    """The one number field of the source whose name shares the most words with what is bounded (a word cut short
    counts: 'pop' of population, 'yrs' of year), of those tied the one field the plan reads (`read`: 'the number of
    days' is the offset a calendar question reads, not the days between two dates it does not); None when none
    shares a word or two share as many."""
    scores = {name: len({w for w in stems(name.replace("_", " ")) | set(name.split("_"))
                         if any(_short_for(s, w) for s in what)})
              for name, kind in card.fields.items() if NUMERIC.match(kind)}
    if not any(scores.values()) and what & NUMBER_WORDS and "value" in scores:
        return "value"  # 'ints >= 1,000' of printed numbers bounds the number each item is about
    best = max(scores.values(), default=0)
    tops = [name for name, score in scores.items() if score == best]
    tops = tops if len(tops) == 1 else [name for name in tops if name in read]
    return tops[0] if best and len(tops) == 1 else None


def within(value, bounds: dict[str, float]) -> bool:
    """Whether a record's value is a number keeping to every bound."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return all(TESTS[test](value, bound) for test, bound in bounds.items())


def draws(plan: TransformPlan, record: dict) -> bool:
    """Whether the plan takes this record: it holds a value `where` lists, keeps `within` each range and holds no
    value `without` lists."""
    return all(str(record.get(field)) in values for field, values in plan.where.items()) and all(
        within(record.get(field), bounds) for field, bounds in plan.within.items()) and not any(
        str(record.get(field)) in values for field, values in plan.without.items())


def excluded_values(card: SourceCard, text: str) -> dict[str, list[str]]:
    """The text fields' values an exclusion names word for word ('skip countries that use the euro' names the
    currency_name 'Euro', 'no prices/decimals/negatives' three kinds of printed number), read off the source's
    records; empty when the text excludes nothing or names no value."""
    spans = [m.group(1) for m in NEGATED.finditer(text)]
    if not spans:
        return {}
    said = whole_words(" ".join(spans)) - whole_words(NEGATED.sub(" ", text))  # named outside too: not left out
    fields = [name for name, kind in card.fields.items() if TEXT.match(kind)]
    # a text naming fields ("skip start dates in February") excludes by those, not by a value of another field
    # ("February" as the target_month)
    named_fields = [name for name in card.fields if whole_words(name.replace("_", " ")) & said]
    fields = [name for name in fields if not named_fields or name in named_fields]
    source = source_for(card, seed=0)
    named: dict[str, set[str]] = {}
    for i in range(min(card.size, SCANNED)):
        record = source.record(i)
        for field in fields:
            value = record.get(field)
            words = whole_words(value) if isinstance(value, str) and len(value) <= 60 else set()
            if words and words <= said and any(len(w) >= 4 for w in words):
                named.setdefault(field, set()).add(value)
    return {field: sorted(values) for field, values in named.items()}


def with_limits(plan: TransformPlan, card: SourceCard, facets: Sequence[Facet]) -> TransformPlan:
    """The plan drawing only records that keep to each range a constraint or presentation facet states ('1980+ model
    yrs'), on the number field it names, and none whose field holds a value an exclusion names; its first step then
    serves those facets. Unchanged when no such facet names a field or value of the source, or when a model proposes
    the content."""
    if any(step.kind == "LLM" and step.tool == "propose_content" for step in plan.steps):
        return plan  # its records are requests to a model (a compound 'that holds sodium'), not what items are about
    within_fields, without, served = dict(plan.within), dict(plan.without), []
    for facet in (f for f in facets if f.kind in ("constraint", "presentation")):
        stated = stated_bounds(facet.value)
        field = bounded_field(card, stated[1], fields_read(plan)) if stated else None
        if field:
            within_fields[field] = {**within_fields.get(field, {}), **stated[0]}
            served.append(facet.key)
        elif excluded := {name: kept for name, values in excluded_values(card, facet.value).items()
                          if (kept := [v for v in values if v not in plan.where.get(name, [])])}:
            # a value the plan picks is not left out by another clause's words ('w/ comma separators ... answer
            # digits only, no commas')
            for name, values in excluded.items():
                without[name] = sorted({*without.get(name, []), *values})
            served.append(facet.key)
    if not served:
        return plan
    first = plan.steps[0].model_copy(update={"serves": [*plan.steps[0].serves, *served]})
    return plan.model_copy(update={"within": within_fields, "without": without, "steps": [first, *plan.steps[1:]]})
