"""Carrying the requirement's facets into plans: degradation steps added where a facet asks for them, and each facet
checked by code to be carried by some grounded subtask and its plans, or reported as a gap with its reason."""

import functools
import json
import re
from collections.abc import Sequence

from benchagent.program.intent import (ANSWER_LETTER, DEGRADATION_WORDS, LIMITS, MODALITY_WORDS, demanded_modalities,
                                       other_language, stems)
from benchagent.program.executor.realize import binding, llm_steps
from benchagent.program.sources.cards import NAMED_ONE_OF, ONE_OF, SourceCard, listed_values
from benchagent.program.sources.families import GENERATORS
from benchagent.program.planner.limits import NEGATED, bounds_answers, stated_bounds
from benchagent.program.sources.catalog import source_for
from benchagent.program.sources.recipes import ASKS_AN_AMOUNT, answer_origin
from benchagent.program.tools.chemistry import SPELLINGS
from benchagent.program.tools.images import DEGRADATIONS
from benchagent.program.tools.registry import get_tool, list_tools
from benchagent.signatures import Facet, FacetGap, PlanStep, Scope, SubtaskDraft, TransformPlan

PARTIAL_WORDS = ("some", "part", "half", "few", "several", "portion", "certain", "occasional", "occasionally")
UNBUILDABLE = {"audio": "no tool or source here produces audio inputs, so items cannot be spoken or heard",
               "video": "no tool or source here produces video inputs"}
REMEDY = {
    "modality": "add a --source that holds such inputs, or drop this facet from the spec",
    "content": "add a --source holding this content (JSONL/CSV of records, or a folder of documents or images), "
               "or plan with a stronger --model",
    "degradation": "degradations apply to images; ask for image inputs or drop this facet",
    "language": "add a --source of documents written in that language",
    "format": "no tool of these sources takes it; drop the facet from the spec to accept the items as they are made",
    "constraint": "drop the facet from the spec to accept items made without it, or add a --source holding only the "
                  "records it allows",
}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z-]+", text.lower()))


def degradation_kinds(facet: Facet, requirement: str = "") -> tuple[list[str], float]:
    """The degradations a facet names (every kind when it names none) and the share of inputs to degrade: half when
    the facet or the words just before its quote say only some are ("some blurred")."""
    words = _words(f"{facet.value} {facet.quote}")
    kinds = [k for k, listed in DEGRADATION_WORDS.items() if words & set(listed)]
    at = requirement.lower().find(facet.quote.lower()) if facet.quote else -1
    before = _words(requirement[max(0, at - 30):at]) if at > 0 else set()
    return kinds or list(DEGRADATIONS), 0.5 if (words | before) & set(PARTIAL_WORDS) else 1.0


def _image_step(plan: TransformPlan) -> int | None:
    return next((i for i, s in enumerate(plan.steps)
                 if any(o.partition(":")[0] == "final.input.image" for o in s.outputs)), None)


def with_degradations(plan: TransformPlan, facets: Sequence[Facet], requirement: str = "") -> TransformPlan:
    """The plan with one degrade_image step after the step that draws its image, serving the degradation facets;
    plans without an image are returned unchanged."""
    wanted = [f for f in facets if f.kind == "degradation"]
    at = _image_step(plan)
    if not wanted or at is None or any(s.tool == "degrade_image" for s in plan.steps):
        return plan
    kinds, share = [], 1.0
    for facet in wanted:
        more, part = degradation_kinds(facet, requirement)
        kinds += [k for k in more if k not in kinds]
        share = min(share, part)
    drawing = plan.steps[at]
    outputs = [("interim.clean_image:" + o.partition(":")[2]) if o.partition(":")[0] == "final.input.image" else o
               for o in drawing.outputs]
    outputs = [o if not o.endswith(":") else o + "image" for o in outputs]
    degrade = PlanStep(kind="PURE", tool="degrade_image",
                       inputs=["interim.clean_image:image", f"={json.dumps(kinds)}:kinds", f"={share}:share",
                               "slot.seed"],
                       outputs=["final.input.image:image", "interim.degradation:degradation"],
                       serves=[f.key for f in wanted],
                       instruction=f"degrade the image ({', '.join(kinds)}) as the requirement asks")
    steps = [*plan.steps[:at], drawing.model_copy(update={"outputs": outputs}), degrade, *plan.steps[at + 1:]]
    return plan.model_copy(update={"steps": steps})


ASKING_KINDS = ("question_kind", "operation", "capability")


@functools.cache
def _said(word: str) -> re.Pattern:
    """A vocabulary word as a whole word, plural or -ing form included: 'count' is in 'counting', not 'country'.
    Words joined by '...' are said in that order at most GAP words apart ('tallest ... shortest')."""
    def one(word: str) -> str:
        base = word[:-1] if word.endswith("e") else word
        return (rf"\b{re.escape(base)}(?:e|es|s|d|ed|ing)?\b" if base != word else
                rf"\b{re.escape(word)}(?:s|es|ed|ing)?\b")

    return re.compile(rf"(?:\W+\w+){{0,{GAP}}}?\W+".join(one(part.strip()) for part in word.split("...")))


GAP = 6  # most words between the parts of a vocabulary word joined by '...'


def kinds_named(text: str, vocabulary: dict[str, tuple[str, ...]]) -> list[str]:
    """The kinds of question whose words the text says, but not one whose words are only part of a longer match
    ('red triangle' names one colour and kind, not every triangle), nor one named only by words a kind of the same
    tool shares with it when that one is named by words of its own ('the biggest increase compared to the month
    before' names the rise, not the fall, though both are changes from the month before)."""
    text = text.lower()
    said = {kind: [w for w in words if _said(w).search(text)] for kind, words in vocabulary.items()}
    matched = [w for words in said.values() for w in words]
    named = {kind: [w for w in words if not any(w != longer and w in longer for longer in matched)]
             for kind, words in said.items()}
    named = {kind: words for kind, words in named.items() if words}

    def tool(kind: str) -> str:
        return kind.partition(": ")[0] if ": " in kind else ""

    def shared(kind: str, word: str) -> bool:
        return any(word in vocabulary[other] for other in named if other != kind and tool(other) == tool(kind))

    own = {kind for kind, words in named.items() if any(not shared(kind, w) for w in words)}
    return [kind for kind, words in named.items() if kind in own or not any(
        other in own and tool(other) == tool(kind) and set(words) <= set(vocabulary[other]) for other in named)]


def asking(facets: Sequence[Facet]) -> list[Facet]:
    """The facets saying what to ask: the operations and kinds of question, else the capabilities ('count days
    between two dates' says it; 'counting', the topic a small model gave, does not)."""
    return [f for f in facets if f.kind in ("operation", "question_kind")] or [
        f for f in facets if f.kind == "capability"]


def asks_all(tool: str, facets: Sequence[Facet]) -> bool:
    """The tool asks a kind of question the value of every facet saying what to ask names."""
    said = asking(facets)
    vocabulary = get_tool(tool).asks
    return bool(said and vocabulary) and all(kinds_named(f.value, vocabulary) for f in said)


@functools.cache
def every_kind() -> dict[str, tuple[str, ...]]:
    """Each tool's kinds of question, as 'tool: kind', with its words: the largest value (a number) and the
    category holding it (a name) are two kinds."""
    return {f"{tool.name}: {kind}": words for tool in list_tools() for kind, words in tool.asks.items()}


def one_kind_asked(facets: Sequence[Facet]) -> str | None:
    """The one kind of question the requirement asks ('tool: kind'), when the value of every operation and question
    kind facet names it, and no capability of more than one word names another ('count days between two calendar
    dates' beside the topic 'counting'); its design is then one subtask. None otherwise."""
    asked = [kinds_named(f.value, every_kind()) for f in facets if f.kind in ("operation", "question_kind")] or [
        kinds_named(f.value, every_kind()) for f in facets if f.kind == "capability"]
    also = [kinds_named(f.value, every_kind()) for f in facets
            if f.kind == "capability" and len(f.value.split()) > 1]
    kinds = {k for named in [*asked, *also] for k in named}
    if not asked or not all(asked) or len(kinds) != 1:
        return None
    kind = next(iter(kinds))
    names = kind.split(":")[0].endswith("_label_target")
    return None if names and any(ASKS_AN_AMOUNT.search(f.value.lower()) for f in asking(facets)) else kind


def _target_at(plan: TransformPlan) -> int | None:
    """The index of the tool step that picks the question, or None."""
    return next((i for i, s in enumerate(plan.steps) if s.kind == "PURE" and get_tool(s.tool).asks), None)


def asked_kinds(plan: TransformPlan) -> tuple[PlanStep, list[str]] | None:
    """The tool step that picks the question and the kinds of question it was narrowed to, or None."""
    at = _target_at(plan)
    asks = next((i for i in plan.steps[at].inputs if i.startswith("=") and i.endswith(":asks")), None) \
        if at is not None else None
    kinds = json.loads(asks[1:-len(":asks")]) if asks else None
    return (plan.steps[at], kinds) if isinstance(kinds, list) and all(isinstance(k, str) for k in kinds) else None


# an example the requirement gives of an item: '(e.g. "How many blue triangles are in the image?")', 'for example ...'
EXAMPLE = re.compile(r"\((?:e\.\s?g\.?|eg|for example|for instance|like)[,:]?\s[^)]*\)|"
                     r"\b(?:e\.\s?g\.|for example|for instance)[,:]?\s.*?(?=[.;!?](?:\s|$)|$)", re.I)


def _widened(kinds: list[str], tool: str, requirement: str) -> list[str]:
    """The kinds asked, each one the requirement names only inside an example ('e.g. how many blue triangles')
    widened to the kind it is a case of ('colour and kind'); unchanged when the requirement names it elsewhere too."""
    spec = get_tool(tool)
    examples = " ".join(m.group(0) for m in EXAMPLE.finditer(requirement))
    if not examples or not spec.instances:
        return kinds
    exemplified = set(kinds_named(examples, spec.asks)) - set(kinds_named(EXAMPLE.sub(" ", requirement), spec.asks))
    return list(dict.fromkeys(spec.instances.get(k, k) if k in exemplified else k for k in kinds))


def _settled(kinds: list[str], vocabulary: dict[str, tuple[str, ...]], requirement: str) -> list[str]:
    """Of several kinds asked, those the requirement's own words (its examples aside) name, when they name some but
    not all: 'day of week for random dates' settles a subtask described only by 'the full weekday name', which names
    both the weekday some days from today and the weekday of a date."""
    if len(kinds) < 2 or not requirement:
        return kinds
    own = [k for k in kinds_named(EXAMPLE.sub(" ", requirement), vocabulary) if k in kinds]
    return own if own and len(own) < len(kinds) else kinds


def _required(kinds: list[str], vocabulary: dict[str, tuple[str, ...]], requirement: str) -> list[str]:
    """The kinds the requirement's own words (its examples aside) name, when the subtask's kinds are none of them and
    the requirement says their words only inside a longer phrase asking another: a subtask 'identify the tallest
    bar' of 'ask how much bigger the tallest bar is vs the shortest' asks the range."""
    text = EXAMPLE.sub(" ", requirement).lower()
    own = kinds_named(text, vocabulary) if requirement else []
    swallowed = {k for k, words in vocabulary.items() if k not in own and any(_said(w).search(text) for w in words)}
    return own if kinds and own and not set(kinds) & set(own) and set(kinds) <= swallowed else kinds


def with_asks(plan: TransformPlan, facets: Sequence[Facet], draft: SubtaskDraft,
              requirement: str = "") -> TransformPlan:
    """The plan with its question target narrowed to the kinds of question the subtask's name states ("the maximum
    value in a bar chart"), else those its facets name ("the value of one named bar", "count only the triangles"),
    else those its description names, a kind the requirement names only in an example widened to the kind it is a
    case of, several settled by the requirement's own words, and none of the kinds those words name replaced by
    them; the target step then serves the facets naming those kinds. A plan whose target lists no kinds, or whose
    subtask and facets name none, is returned unchanged."""
    at = _target_at(plan)
    if at is None or any(i.endswith(":asks") for i in plan.steps[at].inputs):
        return plan
    vocabulary = get_tool(plan.steps[at].tool).asks
    carried = [f for f in facets if f.key in draft.facets and f.kind in ASKING_KINDS]
    naming = [(f.key, kinds_named(f"{f.value} {f.quote}", vocabulary)) for f in carried]
    # read together, so that one facet's own words ('the biggest increase') settle another's shared ones ('compared
    # to the month before')
    together = kinds_named(" ; ".join(f"{f.value} {f.quote}" for f in carried), vocabulary)
    kinds = (kinds_named(draft.name, vocabulary) or [k for k in together if any(k in ks for _, ks in naming)]
             or kinds_named(draft.description, vocabulary))
    kinds = _required(_settled(_widened(kinds, plan.steps[at].tool, requirement), vocabulary, requirement),
                      vocabulary, requirement)
    served = [key for key, ks in naming if set(ks) & set(kinds)]
    if not kinds:
        return plan
    step = plan.steps[at]
    narrowed = step.model_copy(update={"inputs": [*step.inputs, f"={json.dumps(kinds)}:asks"],
                                       "serves": [*step.serves, *served],
                                       "instruction": f"{step.instruction} (only: {', '.join(kinds)})"})
    return plan.model_copy(update={"steps": [*plan.steps[:at], narrowed, *plan.steps[at + 1:]]})


PLACES = re.compile(r"\b(\d|zero|one|two|three|four|five|six)\s*(?:decimal\s+places?|decimals?|places?\s+after|"
                    r"d\.?p\.?(?!\w))")  # '1 dp', '2 d.p.', '3dp'
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
FIGURES = re.compile(r"\b(\d|one|two|three|four|five|six|seven|eight|nine|ten)[- ](?:significant (?:figures?|digits?)"
                     r"|sig\.? ?figs?\b|s\.f\.)")
OPTION_COUNT = re.compile(r"\b(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)[- ](?:([a-z]+) )?"
                          r"(?:options?|choices?|alternatives)\b")  # '3 city options', '4 answer options'
# the records an item sets side by side: 'which of three countries', 'list 5 cars with their horsepower'
COMPARED_COUNT = re.compile(r"\b(?:which of|list|compare)\s+(?:the\s+)?(\d{1,2}|two|three|four|five|six|"
                            r"seven|eight|nine|ten)\s+[a-z]+|\b(\d{1,2}|two|three|four|five|six)\s+(?:[a-z]+\s+){1,3}"
                            r"per\s+(?:q|qs|question|questions|item|items)\b")  # '2 US airports per q'

LETTERED = re.compile(r"\ba\s*(?:-|–|/|to|thru|through)\s*([b-j])\b")  # the option letters: 'letter ans A-D'
WRONG = ("wrong", "incorrect", "false", "other", "bad", "distractor", "decoy")  # '3 wrong options': 4 in all
DATE_FORMATS = {"DD/MM/YYYY": re.compile(r"\bdd[/.-]mm[/.-]yyyy\b|\beuropean (?:date )?format|\bday[- ]first\b"),
                "MM/DD/YYYY": re.compile(r"\bmm[/.-]dd[/.-]yyyy\b|\b(?:us|american) (?:date )?format|"
                                         r"\bmonth[- ]first\b"),
                "YYYY-MM-DD": re.compile(r"\byyyy-mm-dd\b|\biso(?: 8601)? (?:date|format)"),
                # written month first, as an example shows it ('as "March 5, 2024"') or as named
                "Month D, YYYY": re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}, "
                                            r"\d{4}\b|\bmonth d{1,2}, yyyy\b|\bmonth day, year\b")}
# dates written unlike one another: 'written in different formats', 'in mixed date formats'
MIXED_DATES = re.compile(r"\bdates?\b[^.;]{0,40}?\b(?:different|differing|various|varied|varying|mixed|several|two|"
                         r"multiple) (?:formats?|notations?|styles?)\b|\b(?:different|differing|various|varied|"
                         r"varying|mixed|several|two|multiple) date (?:formats?|notations?|styles?)\b")


def _number(said: str) -> int:
    """A whole number said in digits or words ('3', 'three')."""
    return int(said) if said.isdigit() else NUMBER_WORDS.index(said)


def _stated_number(pattern: re.Pattern, text: str) -> int | None:
    """The number, in digits or words, that the pattern's first group finds in the text."""
    found = pattern.search(text)
    return None if found is None else _number(found.group(1))


WHOLE = re.compile(r"\b(?:nearest|to (?:a|the)) (?:whole|integer)\b|\bnearest (?:percent|per cent)\b")


def _places(text: str) -> int | None:
    """Decimal places stated: '1 dp', 'two decimal places'; none for 'to the nearest whole percent'."""
    return 0 if WHOLE.search(text) else _stated_number(PLACES, text)


def _figures(text: str) -> int | None:
    return _stated_number(FIGURES, text)


def _option_count(text: str) -> int | None:
    """The options stated in all ('4 options'), the gold counted in when only the wrong ones are ('3 wrong options');
    a count of all the options wins over one of the wrong ones."""
    def count(m: re.Match) -> tuple[bool, int]:
        wrong = m.group(2) in WRONG
        return wrong, _number(m.group(1)) + wrong

    found = min((count(m) for m in OPTION_COUNT.finditer(text)), default=None, key=lambda c: c[0])
    if found is None and (lettered := LETTERED.search(text)) and ANSWER_LETTER.search(text):
        found = False, ord(lettered.group(1)) - ord("a") + 1
    if found is None and (compared := COMPARED_COUNT.search(text)):
        found = False, _number(compared.group(1) or compared.group(2))
    return found[1] if found is not None and 2 <= found[1] <= 10 else None


NEAREST = re.compile(r"\bnearest\s+(\d{1,7}|ten|hundred|thousand)\b")
NEAREST_WORDS = {"ten": 10, "hundred": 100, "thousand": 1000}


def _nearest(text: str) -> int | None:
    """The multiple a stated rounding goes to: 10 for 'to the nearest ten' or 'nearest 10'."""
    found = NEAREST.search(text)
    if found is None:
        return None
    value = NEAREST_WORDS.get(found.group(1)) or int(found.group(1))
    return value if value >= 2 else None


def _avoided_elements(text: str) -> list[str] | None:
    """The chemical elements, by English name, that an exclusion in the text names ('excluding anything that
    contains carbon')."""
    import periodictable

    clauses = " ".join(m.group(0) for m in LIMITS.finditer(text) if not stated_bounds(m.group(0)))
    words = set(re.findall(r"[a-z]+", clauses.lower()))
    names = [e.name for e in periodictable.elements if e.number and e.name in words]
    return names + [british for british, us in SPELLINGS.items() if british in words and us not in names] or None


def _date_format(text: str) -> str | None:
    """The date format stated: 'mixed' for dates in different formats, else the first one named."""
    return "mixed" if MIXED_DATES.search(text) else next(
        (form for form, pattern in DATE_FORMATS.items() if pattern.search(text)), None)


# a tool argument -> how a requirement states it
STATED = {"places": _places, "figures": _figures, "date_format": _date_format, "n": _option_count,
          "nearest": _nearest, "avoid": _avoided_elements}
LLM_ARGUMENTS = {"n": "option_count"}  # a tool argument -> the LLM step input that means the same


def states_a_format(facet: Facet) -> bool:
    """The facet states a rounding, a date format or an option count, which only a tool's argument can honour (a
    capability or topic quoting the whole requirement does not: its specifics have facets of their own)."""
    text = f"{facet.value} {facet.quote}".lower()
    return facet.kind not in ("language", "capability", "topic") and any(read(text) is not None
                                                                         for read in STATED.values())


def with_stated_formats(plan: TransformPlan, facets: Sequence[Facet], requirement: str) -> TransformPlan:
    """The plan writing its answers as the requirement states ('rounded to one decimal place', 'all dates
    DD/MM/YYYY', 'exactly 3 options'): every PURE step taking that argument, unless it reads it from an earlier
    step, gets the stated value and serves the facets stating it. Unchanged when nothing is stated or no step takes
    it."""
    steps = list(plan.steps)
    for argument, read in STATED.items():
        value = read(" ".join([requirement, *(f"{f.value} {f.quote}" for f in facets)]).lower())
        takes = [(i, name) for i, s in enumerate(steps) if (name := _taking(s, argument))]
        if value is None or not takes:
            continue
        stating = [f.key for f in facets if f.kind != "language" and read(f"{f.value} {f.quote}".lower()) == value]
        for i, name in takes:
            inputs = [e for e in steps[i].inputs if binding(e)[1] != name] + [f"={json.dumps(value)}:{name}"]
            steps[i] = steps[i].model_copy(update={"inputs": inputs, "serves": [*steps[i].serves, *stating]})
    return plan.model_copy(update={"steps": steps})


def _taking(step: PlanStep, argument: str) -> str | None:
    """The name under which the step takes a stated argument (a tool's, or the LLM input meaning the same), unless it
    reads it from an earlier step."""
    if step.kind == "PURE":
        fields = get_tool(step.tool).input_model.model_fields
    else:
        signature = llm_steps().get(step.tool)
        fields, argument = (signature.input_fields if signature else {}), LLM_ARGUMENTS.get(argument, argument)
    if argument not in fields or any(e.startswith("interim.") and binding(e)[1] == argument for e in step.inputs):
        return None
    return argument


# Steps whose words are the source's own text: translating them would break the item (a blank, a quoted span).
SOURCE_TEXT_STEPS = frozenset({"passage_cloze", "choose_chunk", "write_brief", "write_item"})
SHOWN_TEXT = ("final.input.question", "final.input.context")


def with_language(plan: TransformPlan, facets: Sequence[Facet], language: str,
                  record: dict | None = None) -> TransformPlan:
    """The plan writing its items in `language`: the question and any text a tool shows are translated by an LLM step
    (code checks that numbers are kept and the language is right) that serves the language facet. A plan whose items
    quote the source's text is left as it is; it serves the facet only when the source is written in `language`."""
    keys = [f.key for f in facets if f.kind == "language"]
    if language == "English" or not keys or any(s.tool == "translate" for s in plan.steps):
        return plan
    if any(s.tool in SOURCE_TEXT_STEPS for s in plan.steps):
        text = " ".join(v for v in (record or {}).values() if isinstance(v, str))
        if not text.strip() or other_language(text, language) or len(text.split()) < 5:
            return plan
        first = plan.steps[0].model_copy(update={"serves": [*plan.steps[0].serves, *keys]})
        return plan.model_copy(update={"steps": [first, *plan.steps[1:]]})
    steps, translations = [], []
    for step in plan.steps:
        outputs = []
        for entry in step.outputs:
            ref, name = binding(entry)
            if ref in SHOWN_TEXT:
                shown = ref.rsplit(".", 1)[1]
                outputs.append(f"interim.{shown}_to_translate:{name}")
                translations.append(PlanStep(
                    kind="LLM", tool="translate", inputs=[f"interim.{shown}_to_translate:text",
                                                          f"={json.dumps(language)}:language"],
                    outputs=[f"{ref}:translation"], serves=keys, instruction=f"write the {shown} in {language}"))
            else:
                outputs.append(entry)
        steps.append(step.model_copy(update={"outputs": outputs}))
    return plan.model_copy(update={"steps": [*steps, *translations]})


def themes(card: SourceCard) -> dict[str, str]:
    """The themes a source's records come in, with the words that describe each, from its `theme` field's
    description ('str: a (what a holds) | b (what b holds)'); empty when it lists fewer than two."""
    listed = card.fields.get("theme", "").partition(":")[2].split("|")
    found = {}
    for entry in listed:
        name, _, words = entry.strip().partition(" ")
        if re.fullmatch(r"[a-z_]+", name):
            found[name] = f"{name.replace('_', ' ')} {words}"
    return found if len(found) >= 2 else {}


def with_theme(plan: TransformPlan, card: SourceCard, about: str) -> TransformPlan:
    """The plan drawing only records of the themes `about` (the requirement and the subtask) names most words of, as
    a table of product prices names a shop's sales and not students' marks, and 'monthly sales' the charts of units
    sold per month and not of rainfall per month; unchanged when it names all or none of them."""
    listed = themes(card)
    wanted = stems(about)
    shared = {name: len(stems(words) & wanted) for name, words in listed.items()}
    best = max(shared.values(), default=0)
    named = sorted(name for name, n in shared.items() if n and n == best)  # 'monthly sales' over 'rainfall per month'
    if not named or len(named) == len(listed) or plan.where:
        return plan
    return plan.model_copy(update={"where": {"theme": named}})


def _names_value(value: str, about: str) -> bool:
    """`about` names the listed value as it is spelled, in the plural ('noble gases') or as the adjective of a place
    ('South American', 'Asian', 'European', 'Japanese')."""
    return re.search(rf"(?<![\w.-]){re.escape(value)}(?:a?n|e?s|ese)?(?![\w-]|\.\w)", about, re.I) is not None


INT_FIELD = re.compile(r"^\s*int\b")
NUMBERED_SCAN = 2000  # records read for the values of a numbered field ('period 3')


def _numbered(card: SourceCard, field: str, text: str) -> list[str]:
    """The values of a whole-number field that text gives after the field's name ('period 3', 'groups 1 and 2'),
    those some record holds; a field named 'number' is too common a word to pick by."""
    name = field.replace("_", " ")
    if field == "number" or not INT_FIELD.match(card.fields[field]):
        return []
    said = [v for m in re.finditer(rf"\b{re.escape(name)}s?\s+(\d{{1,4}}(?:\s*(?:,|and|or|&)\s*\d{{1,4}})*)\b", text,
                                   re.I) for v in re.findall(r"\d+", m.group(1))]
    if not said:
        return []
    source = source_for(card, seed=0)
    held = {str(source.record(i).get(field)) for i in range(min(card.size, NUMBERED_SCAN))}
    return sorted(set(said) & held, key=int)


def _named_where(card: SourceCard, text: str, where: dict[str, list[str]]) -> dict[str, list[str]]:
    """The listed fields' values text names, and the whole numbers it gives after a number field's name, for the
    fields where does not pick yet (see with_named_values)."""
    text = NEGATED.sub(" ", text)  # 'skip setosa', 'no prices' name values left out, not picked
    named_where = {field: values for field in card.fields if field not in where
                   and (values := _numbered(card, field, text))}
    for field, description in card.fields.items():
        alone = description.startswith(NAMED_ONE_OF)
        if field in where or not (alone or description.startswith(ONE_OF) and re.search(
                rf"\b{field}s?\b", text, re.I)):
            continue
        listed = listed_values(description)
        named = [v for v in listed if _names_value(v, text)]
        if named and len(named) < len(listed):
            named_where[field] = named
    return named_where


PICKING_KINDS = ("constraint", "presentation", "topic")  # facets whose words may pick the records items are about


def _serving_constraints(plan: TransformPlan, facets: Sequence[Facet], picks) -> TransformPlan:
    """The plan's first step serving each constraint, presentation or topic facet whose own words pick records
    (picks(text) -> a where) that the plan's where keeps to: 'both dates in 2023 or 2024', 'only European
    countries', 'feet'. One that also states a
    range ('European countries with over 10 million people') is served only when with_limits keeps that too."""
    served = [f.key for f in facets if f.kind in PICKING_KINDS and not stated_bounds(f.value)
              and (own := picks(f"{f.value} {f.quote}"))
              and all(k in plan.where and set(v) <= set(plan.where[k]) for k, v in own.items())]
    if not served:
        return plan
    first = plan.steps[0].model_copy(update={"serves": [*plan.steps[0].serves, *served]})
    return plan.model_copy(update={"steps": [first, *plan.steps[1:]]})


# a balance of yes and no answers across the set: 'roughly half yes half no', 'a 50/50 mix of yes and no answers'
BALANCED_SIDES = re.compile(r"\b(?:half|halves|balanced?|equal(?:ly)?|evenly|50\s?/\s?50|50-50|same number)\b"
                            r"[^.;]{0,40}\b(?:yes|no|true|false)\b|\b(?:yes|no)\b[^.;]{0,40}\b(?:balanced?|equal(?:ly)?|"
                            r"evenly|half|50\s?/\s?50|50-50)\b")


# no tie for the answer: 'no ties plz', 'make sure no two months tie for the highest value'
NO_TIES = re.compile(r"\bno ties?\b|\bwithout (?:any |a )?ties?\b|\bnever tie|\bno two [\w ]{0,30}?tie|\bnot tied?\b|"
                     r"\buntied\b|\bunique (?:highest|lowest|largest|smallest|best|worst|top|max\w*|min\w*)\b")


def with_target_guarantees(plan: TransformPlan, facets: Sequence[Facet], answer_type: str) -> TransformPlan:
    """The plan's target serving the facets its tool guarantees by construction: no tie for the most or the least,
    from a target that asks only a unique one; half yes and half no, from a yes/no target that computes the answer
    (the executor hands each slot the side its subtask has fewer of, and the target is asked again until it gives
    it)."""
    def stating(pattern: re.Pattern) -> list[str]:
        return [f.key for f in facets if pattern.search(f"{f.value} {f.quote}".lower())]

    steps = list(plan.steps)
    sides = answer_type == "binary" and answer_origin(plan) == "tool"
    for i, step in enumerate(steps):
        if step.kind != "PURE":
            continue
        kept = stating(NO_TIES) if get_tool(step.tool).untied else []
        if sides and "slot.seed" in step.inputs and any(binding(o)[0] == "final.output.answer" for o in step.outputs):
            kept += stating(BALANCED_SIDES)
        if kept:
            steps[i] = step.model_copy(update={"serves": [*step.serves, *kept]})
    return plan.model_copy(update={"steps": steps})


def with_named_values(plan: TransformPlan, card: SourceCard, about: str,
                      facets: Sequence[Facet] = ()) -> TransformPlan:
    """The plan drawing only the records whose listed field holds a value `about` names: a NAMED_ONE_OF value
    wherever it is said ('a South American country' of the countries' `continent`, 'noble gases only' of the
    elements' `family`), a ONE_OF value only where `about` names the field too ('from modules like itertools,
    collections or functools' of the standard library's `module`: 'random' or 'time' alone is a word, not a pick),
    a whole number after a number field's name ('period 3 elements only'); the constraint facets saying those values
    are served. Unchanged when it names none or all."""
    named = _named_where(card, about, plan.where)
    if not named:
        return plan
    plan = plan.model_copy(update={"where": {**plan.where, **named}})
    return _serving_constraints(plan, facets, lambda text: _named_where(card, text, {}))


SCANNED_TABLES = 200  # records read for the columns a plan's tables share


def with_columns(plan: TransformPlan, card: SourceCard, draft: SubtaskDraft,
                 facets: Sequence[Facet]) -> TransformPlan:
    """The plan asking only about the one number column the subtask's name and what its facets ask name (either,
    when the other names none), as 'days with a high above 20 °C' names 'High (°C)' and not 'Rainfall (mm)', when
    every table the plan draws has that column; unchanged otherwise."""
    at = _target_at(plan)
    if at is None or "ask_columns" not in get_tool(plan.steps[at].tool).input_model.model_fields or card.kind not in (
            "generator", "builtin"):
        return plan
    source, shared = source_for(card, seed=0), None
    for i in range(min(card.size, SCANNED_TABLES)):
        record = source.record(i)
        if all(record.get(field) in allowed for field, allowed in plan.where.items()):
            columns = set(record.get("numeric_columns") or [])
            shared = columns if shared is None else shared & columns
    words = {c: stems(re.sub(r"\(.*?\)", " ", c)) for c in shared or ()}
    by_name, by_facets = (sorted(c for c, said in words.items() if said and said <= stems(text)) for text in (
        draft.name, " ".join(f.value for f in asking([f for f in facets if f.key in draft.facets]))))
    named = by_name or by_facets if not (by_name and by_facets) or by_name == by_facets else []
    if len(named) != 1:
        return plan
    step = plan.steps[at]
    columns = json.dumps(named, ensure_ascii=False)
    asked = step.model_copy(update={"inputs": [*step.inputs, f"={columns}:ask_columns"],
                                    "instruction": f"{step.instruction} (about: {named[0]})"})
    return plan.model_copy(update={"steps": [*plan.steps[:at], asked, *plan.steps[at + 1:]]})


def with_picks(plan: TransformPlan, card: SourceCard, about: str, facets: Sequence[Facet] = ()) -> TransformPlan:
    """The plan drawing only the records of a generator that `about` asks for by their values ('Fahrenheit to
    Celsius' of the unit conversions, 'both dates in 2023 or 2024' of the calendar), the constraint facets saying
    them served; unchanged for other sources or when it asks for none."""
    generator = GENERATORS.get(card.id) if card.kind == "generator" else None
    where = generator.picks(about) if generator and not plan.where else {}
    if not where:
        return plan
    return _serving_constraints(plan.model_copy(update={"where": where}), facets, generator.picks)


def with_fit(plan: TransformPlan, card: SourceCard) -> TransformPlan:
    """The plan asking about the fields its records are picked by, as the generator says (the calendar counts from
    the date of any year when its year is picked); unchanged for other sources."""
    generator = GENERATORS.get(card.id) if card.kind == "generator" else None
    return generator.fit(plan) if generator else plan


def speaks(plan: TransformPlan, scope: Scope) -> bool:
    """Whether the plan's items come out in the scope's language (English always does)."""
    keys = {f.key for f in scope.facets if f.kind == "language"}
    return scope.language == "English" or not keys or any(keys & set(s.serves) for s in plan.steps)


def facet_modality(facet: Facet) -> str | None:
    words = _words(facet.value)
    return next((m for m, listed in MODALITY_WORDS.items() if words & set(listed)), None)


# no record asked twice: "don't ask about the same month/year twice", 'no repeats', 'each country at most once'; a
# subtask never draws a record twice, so one subtask keeps it
NO_REPEATS = re.compile(r"\b(?:same|one|any) [\w/ -]{1,30}?(?:twice|more than once)\b|\bat most once\b|"
                        r"\bno (?:repeats?|repetitions?|duplicates?)\b|\bnever (?:repeat|twice)|\bwithout repeat")


def coverage(facets: Sequence[Facet], grounded: Sequence[tuple[SubtaskDraft, list[TransformPlan]]],
             ungrounded: Sequence[tuple[SubtaskDraft, str]], requirement: str,
             language: str = "English") -> tuple[dict[str, list[str]], list[FacetGap]]:
    """Which grounded subtasks carry each facet (checked by code where code can see it: modalities, degradation and
    translation steps, the answer range a check keeps, no record asked twice in a one-subtask spec), and a gap with
    its reason and remedy for each facet nothing carries."""
    carriers: dict[str, list[str]] = {}
    gaps: list[FacetGap] = []
    demanded = demanded_modalities(requirement, list(facets))
    for facet in facets:
        modality = facet_modality(facet) if facet.kind in ("presentation", "degradation", "capability", "topic") \
            else None
        keys = []
        for draft, plans in grounded:
            if facet.kind == "language" and language == "English":
                ok = True
            elif facet.kind in ("degradation", "language"):
                ok = bool(plans) and all(any(facet.key in s.serves for s in p.steps) for p in plans)
            elif modality in ("image", "audio", "video"):
                ok = modality in draft.modalities and (modality != "image" or all(
                    _image_step(p) is not None for p in plans))
            else:  # claimed by the subtask, or served by a step of every plan; a stated rounding, date format,
                # option count, range or exclusion only by the steps that write it so
                served = bool(plans) and all(any(facet.key in s.serves for s in p.steps) for p in plans)
                ok = served or (facet.key in draft.facets and not states_a_format(facet) and
                                facet.kind != "constraint") or (
                    draft.answer_type in ("number", "choice") and bounds_answers(facet, requirement)) or (
                    len(grounded) == 1 and bool(NO_REPEATS.search(f"{facet.value} {facet.quote}".lower())))
            if ok:
                keys.append(draft.key)
        carriers[facet.key] = keys
        if keys:
            continue
        if modality in UNBUILDABLE or (facet.kind == "presentation" and demanded & set(UNBUILDABLE)):
            m = modality if modality in UNBUILDABLE else sorted(demanded & set(UNBUILDABLE))[0]
            gaps.append(FacetGap(facet=facet.key, reason=UNBUILDABLE[m], remedy=REMEDY["modality"]))
        elif facet.kind == "language":
            gaps.append(FacetGap(facet=facet.key, reason=f"the grounded items quote their source's own text, which is "
                                 f"not in {language}", remedy=REMEDY["language"]))
        elif facet.kind == "degradation":
            lost = [f"{d.key}: {why}" for d, why in ungrounded if "image" in d.modalities]
            reason = ("its image subtasks could not be grounded (" + "; ".join(lost) + ")" if lost else
                      "no grounded subtask shows an image to degrade; no tool degrades text")
            gaps.append(FacetGap(facet=facet.key, reason=reason[:600], remedy=REMEDY["degradation"]))
        elif facet.kind == "constraint":
            bounded = "no number field of the grounded sources is what it bounds, and " if stated_bounds(
                facet.value) else ""
            gaps.append(FacetGap(facet=facet.key, reason=f"{bounded}no tool or check keeps the items to it: they are "
                                 "made without it", remedy=REMEDY["constraint"]))
        elif states_a_format(facet) and any(facet.key in d.facets for d, _ in grounded):
            gaps.append(FacetGap(facet=facet.key, reason="no step of the grounded plans writes the items this way",
                                 remedy=REMEDY["format"]))
        else:
            claimed = [f"{d.key}: {why}" for d, why in ungrounded if facet.key in d.facets]
            reason = ("the subtasks for it could not be grounded (" + "; ".join(claimed) + ")" if claimed
                      else "no grounded subtask carries it")
            gaps.append(FacetGap(facet=facet.key, reason=reason[:600], remedy=REMEDY["content"]))
    return carriers, gaps

