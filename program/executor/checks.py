"""Deterministic checks every item must pass before any LLM looks at it."""

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from benchagent.program.executor.item import SIDE_OF, Item
from benchagent.program.intent import stems
from benchagent.program.text_bounds import degenerate
from benchagent.program.tools.chart_questions import CHANGE_WORDS
from benchagent.program.tools.scenes import COLORS, SHAPES
from benchagent.program.tools.targets import mentions


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str = ""


def schema_check(item: Item, *, answer_type: str, needs_image: bool) -> CheckResult:
    problems = []
    if len(item.question.strip()) < 8:
        problems.append("question missing or too short")
    if not item.answer.strip():
        problems.append("answer missing")
    if needs_image and not item.images:
        problems.append("image missing")
    if answer_type == "choice" and not item.options:
        problems.append("options missing")
    if answer_type == "number" and not re.fullmatch(r"-?\d+(\.\d+)?", item.answer.strip()):
        problems.append(f"answer {item.answer!r} is not a number")
    if answer_type == "binary" and item.answer.strip().lower() not in SIDE_OF:
        problems.append(f"answer {item.answer!r} is not yes, no, true or false")
    return CheckResult("schema", not problems, "; ".join(problems))


def options_check(item: Item) -> list[CheckResult]:
    if item.options is None:
        return []
    normalized = [o.strip().lower() for o in item.options]
    gold = item.answer.strip().lower()
    distinct = len(set(normalized)) == len(normalized)
    results = [
        CheckResult("answer_in_options", gold in normalized,
                    "" if gold in normalized else f"{item.answer!r} not among options"),
        CheckResult("single_correct_option", distinct and normalized.count(gold) == 1,
                    "" if distinct else "options are not distinct"),
    ]
    lengths = [len(o) for o in normalized]
    longest = max(lengths)
    others = [n for o, n in zip(normalized, lengths, strict=True) if o != gold]
    cue = len(item.options) > 2 and len(gold) == longest and others and len(gold) > 1.5 * max(others) + 2
    results.append(CheckResult("length_cue", not cue, "gold option is conspicuously the longest" if cue else ""))
    return results


def leakage_check(item: Item) -> CheckResult:
    both = mentions(item.question, "yes") and mentions(item.question, "no")
    if item.answer.strip().lower() in ("yes", "no") and both:
        return CheckResult("no_answer_leak", True)  # "(answer yes or no)" names both answers, so neither leaks
    among = item.query.get("among") if isinstance(item.query, dict) else None
    weighed = isinstance(among, list) and any(mentions(item.question, str(n)) for n in among if n != item.answer)
    if item.options is None and mentions(item.question, item.answer) and not weighed:  # 'which of A or B': no leak
        return CheckResult("no_answer_leak", False, f"question contains the answer {item.answer!r}")
    if item.options is not None and mentions(item.question, item.answer) and not any(
        mentions(item.question, o) for o in item.options if o != item.answer
    ):
        return CheckResult("no_answer_leak", False, f"question names the gold option {item.answer!r}")
    return CheckResult("no_answer_leak", True)


# Phrases by which a question asks for an operation; a tool-made answer holds only for the operation its goal names.
OPERATIONS = {
    "difference": ("difference", "how many more", "how much more", "how many fewer", "how much less", "how much larger",
                   "how much smaller", "how much higher", "how much lower", "minus", "subtract", "exceed"),
    "sum": ("total", "sum", "combined", "altogether", "in all", "add up", "added together"),
    "ratio": ("ratio", "percent", "percentage", "proportion", "times as", "fraction of"),
    "average": ("average", "mean"),
    "rounding": ("rounded", "round the", "round your", "round it", "to the nearest", "decimal places?",
                 "significant figures?", "significant digits?"),
    "largest or smallest value": (
        "maximum", "minimum", "max", "min", "largest", "smallest", "highest", "lowest", "biggest", "greatest", "most",
        "least", "fewest", "longest", "shortest", "tallest", "heaviest", "lightest", "oldest", "youngest", "earliest",
        "latest", "hottest", "coldest", "fastest", "slowest"),
}
ENTITY_KEYS = ("category", "pair", "of", "row", "subject", "formula")


_OPERATION_PATTERNS = {op: re.compile(rf"\b(?:{'|'.join(phrases)})\b") for op, phrases in OPERATIONS.items()}


def operations(text: str) -> set[str]:
    text = re.sub(r"\bat (?:least|most)\b", "", " ".join(re.findall(r"[a-z%]+", text.lower())))
    return {op for op, pattern in _OPERATION_PATTERNS.items() if pattern.search(text)}


def _entities(query: dict) -> list[str]:
    """The names a question about this target must mention: the category, pair, record, row or formula it is
    about, and the value a table target's rows are picked by."""
    where = query.get("where")
    found = [str(where["value"])] if isinstance(where, dict) and str(where.get("value", "")).strip() else []
    for key in ENTITY_KEYS:
        value = query.get(key)
        values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        found += [str(v) for v in values if isinstance(v, (str, int)) and str(v).strip()]
    return found


def _qualifiers(text: str) -> set[str]:
    """The colours and shapes a counting question names ('how many red triangles' -> red, triangle)."""
    words = {w[:-1] if w.endswith("s") else w for w in re.findall(r"[a-z]+", text.lower())}
    return words & {*COLORS, *SHAPES}


def _said_nearly(entity: str, question: str) -> bool:
    """The question says the entity with a slip of spelling or punctuation, word for word ('natural-gas'), never as
    another word sharing most of its letters ('potassium' is not 'hassium')."""
    said, words = re.findall(r"\w+", entity.lower()), re.findall(r"\w+", question)
    return bool(said) and any(fuzz.ratio(" ".join(said), " ".join(words[i:i + len(said)])) >= 85
                              for i in range(len(words) - len(said) + 1))


def target_check(item: Item) -> CheckResult:
    """A tool-made answer holds only if the question asks the tool's target: the same operation, the same things."""
    if item.answer_origin != "tool" or not item.goal:
        return CheckResult("asks_tool_target", True)
    extra = operations(item.question) - operations(item.goal)
    if extra:
        named = " and a ".join(sorted(extra))
        return CheckResult("asks_tool_target", False, f"the question asks for a {named} but the tool computed: "
                                                      f"{item.goal}")
    question = item.question.lower()
    if "blank" in item.query and not re.search(r"blank|_{3,}|\[\s*\d+\s*\]", question):
        return CheckResult("asks_tool_target", False, f"the tool blanked a word out, the question does not ask for "
                                                      f"it: {item.goal}")
    asked = item.query.get("ask")
    if isinstance(asked, str) and stems(asked) and not stems(asked) & stems(question):
        return CheckResult("asks_tool_target", False, f"the question does not ask for the {asked}, which the tool's "
                                                      f"answer is: {item.goal}")
    if item.query.get("kind") in ("largest", "smallest") and re.search(r"\baxis\b|\by-axis\b", question):
        return CheckResult("asks_tool_target", False, f"the question asks the {item.query['kind']} value on the axis, "
                                                      f"which can be read as the axis's end; the tool computed the "
                                                      f"{item.query['kind']} value of the data: {item.goal}")
    if item.query.get("kind") in ("rise", "fall") and not CHANGE_WORDS.search(question):
        return CheckResult("asks_tool_target", False, f"the question does not ask for a change from the one before, "
                                                      f"which the tool's answer is: {item.goal}")
    if "count" in item.query and (narrower := _qualifiers(question) - _qualifiers(item.goal)):
        return CheckResult("asks_tool_target", False, f"the question counts only {' '.join(sorted(narrower))} ones, "
                                                      f"the tool counted: {item.goal}")
    missing = [e for e in _entities(item.query) if e.lower() not in question and not _said_nearly(e, question)]
    if missing:
        return CheckResult("asks_tool_target", False, f"the question does not name {', '.join(map(repr, missing))}, "
                                                      f"which the tool's answer is about")
    return CheckResult("asks_tool_target", True)


# Questions with many right answers, which one gold phrase cannot score ("What is the main topic?").
OPEN_ENDED = re.compile(r"\b(?:main|central|key|overall|general|primary)\s+(?:topic|idea|theme|point|message|focus|"
                        r"subject|purpose|argument|takeaway)s?\b|\bsummar|\bwhat is (?:the|this) (?:passage|text|"
                        r"article|document|section) (?:mainly |mostly )?about\b")
# Questions asking for several things ("What are the benefits of ...", "List the ...").
SEVERAL = re.compile(r"\bwhat (?:are|were) (?:the |some )?(?:\w+ ){0,2}?(\w+s)\b|\b(?:list|name) "
                     r"(?:the|all|two|three|several|some)\b")
SINGULAR_S = frozenset("odds news series species means physics mathematics economics politics status units "
                       "lyrics".split())
JOINED = re.compile(r",|;|\band\b|\bor\b|\bboth\b", re.IGNORECASE)


def open_question_check(item: Item) -> CheckResult:
    """A written item's gold must be the one answer its question has: not one phrase for a question asking the main
    topic or a summary (unless options bound it), nor one thing for a question asking for several."""
    if item.answer_origin != "llm":
        return CheckResult("one_right_answer", True)
    question = item.question.lower()
    several = SEVERAL.search(question)
    things = several and (several.group(1) or "things")
    if several and things not in SINGULAR_S and not JOINED.search(item.answer):
        return CheckResult("one_right_answer", False, f"the question asks for several {things} but the gold names "
                                                      f"one: {item.answer!r}")
    if item.options is None and (open_ended := OPEN_ENDED.search(question)):
        return CheckResult("one_right_answer", False, f"the question asks for {open_ended.group(0)!r}, which has many "
                                                      f"right phrasings; ask for one fact the text states")
    return CheckResult("one_right_answer", True)


NAMED_TERMS = re.compile(r"`([^`]+)`|\"([^\"]+)\"|“([^”]+)”")


YES_NO = stems("yes true false")


def passage_check(item: Item) -> CheckResult:
    """A written item shown with its passage rests on it: the terms its question quotes are in the passage ("the
    `print` function" asked of a passage on integer literals is not answerable from it), and so are at least half
    of its gold's content words (a gold 'generator' for a passage that never says what is returned, 'a key-value
    pair' where the passage says a KeyError is raised)."""
    passage = str(item.extra_input.get("context", ""))
    if item.answer_origin != "llm" or not passage.strip():
        return CheckResult("rests_on_passage", True)
    quoted = [term.strip().rstrip("()") for found in NAMED_TERMS.findall(item.question) for term in found if term]
    absent = [term for term in quoted if term and term.lower() not in passage.lower()]
    if absent:
        return CheckResult("rests_on_passage", False, f"the question names {', '.join(map(repr, absent))}, which the "
                                                      f"passage does not mention")
    said = stems(item.answer) - YES_NO
    if 2 * len(said & stems(passage)) < len(said):
        return CheckResult("rests_on_passage", False, f"the gold {item.answer!r} is not stated in the passage: most "
                                                      f"of its words are not in it")
    return CheckResult("rests_on_passage", True)


def degenerate_check(item: Item) -> CheckResult:
    problems = [f"{name}: {why}" for name, text in (("question", item.question), ("answer", item.answer),
                                                   *((f"option {i + 1}", o) for i, o in enumerate(item.options or [])))
                if (why := degenerate(text, 1000 if name == "question" else 300))]
    return CheckResult("degenerate_text", not problems, "; ".join(problems))


def run_checks(item: Item, *, answer_type: str, needs_image: bool) -> list[CheckResult]:
    return [schema_check(item, answer_type=answer_type, needs_image=needs_image), degenerate_check(item),
            *options_check(item), leakage_check(item), target_check(item), open_question_check(item),
            passage_check(item)]
