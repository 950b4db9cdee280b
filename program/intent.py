"""The requirement as a contract: its facets checked against its own words, the language of its items, the
modalities it demands, and which facets a subtask carries."""

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from benchagent.program.sources.cards import SourceCard
from benchagent.signatures import Facet, Scope, SubtaskDraft

# Words that say nothing about what to test: a requirement made only of these is vague.
FILLER = frozenset(
    "a an the of in on at to for from by with as and or is are be me my our we i you it its this that these some any "
    "build make create write generate design produce give please want need new set suite benchmark benchmarks test "
    "tests testing eval evals evaluation evaluate evaluates model models llm llms ai whether can could should would "
    "hard harder hardest difficult tough easy good great challenging interesting real useful items item questions "
    "question dataset data very really something anything lot lots kind sort answer answers answerable answered "
    "exact exactly correct correctly ask asks asking asked given each every one two three using use uses which "
    "whose what how many much must should their there other generated generate grounds record records about style "
    "like such".split())
SHARED_STEMS = 2  # content words a source card must share with what a subtask is about
META = frozenset({"bench", "requi", "user", "scope", "facet", "modal", "keywo", "inter"})
DEFAULT_INTERPRETATION = ("multi-step reasoning whose exact answers a tool computes: word problems, tables, unit "
                          "conversions and dates, at the hardest level the sources allow")
# Words by which a requirement demands a modality of the items' input.
MODALITY_WORDS = {
    "image": ("image", "images", "picture", "pictures", "photo", "photos", "chart", "charts", "diagram", "diagrams",
              "figure", "figures", "screenshot", "screenshots", "plot", "plots", "scanned", "visual", "drawn"),
    "audio": ("audio", "spoken", "speech", "sound", "sounds", "recording", "recordings", "voice", "listen",
              "listening", "podcast"),
    "video": ("video", "videos", "movie", "movies", "footage"),
}
MODALITY_KINDS = ("presentation", "capability", "topic", "degradation")
DEGRADATION_WORDS = {
    "blur": ("blur", "blurred", "blurry", "focus", "smudged"),
    "noise": ("noise", "noisy", "grain", "grainy", "speckle", "speckled", "static"),
    "low_resolution": ("resolution", "pixelated", "pixelized", "downscaled", "downsampled", "lowres"),
    "rotation": ("rotated", "rotation", "tilted", "skewed", "askew", "slanted"),
    "low_contrast": ("contrast", "faded", "washed", "dim", "low-contrast"),
    "jpeg": ("jpeg", "jpg", "compression", "compressed", "artifacts", "artefacts"),
}
# Words one of which a facet of these kinds must hold: a small model files the same phrase under every kind.
KIND_WORDS = {
    "degradation": (*(w for listed in DEGRADATION_WORDS.values() for w in listed), "degraded", "degradation",
                    "corrupted", "damaged", "distorted", "occluded", "overlaid", "obscured", "quality", "typos",
                    "misspelled", "errors"),
    "answer_format": ("choice", "multiple", "multiple-choice", "option", "options", "number", "numeric", "integer",
                      "decimal", "decimals", "yes", "true", "false", "free", "short", "word", "words", "format",
                      "iso", "unit", "units", "places", "rounded", "letter", "span", "exact", "exactly", "digits",
                      "sentence", "answer", "answers", "cent", "mcq"),
    "level": ("easy", "hard", "harder", "hardest", "difficult", "difficulty", "simple", "basic", "beginner",
              "beginners", "intermediate", "advanced", "expert", "experts", "grade", "school", "student", "students",
              "pupils", "university", "undergraduate", "graduate", "level", "children", "kids", "adult", "adults",
              "professional", "olympiad", "novice", "élèves", "collège", "lycée", "niveau", "schüler", "stufe",
              "challenging", "tricky"),
}
# Kinds of text a requirement may ask its passages to be; a source must hold the kind it names.
GENRE_WORDS = ("news", "newspaper", "article", "articles", "story", "stories", "poem", "poems", "poetry", "essay",
               "essays", "email", "emails", "letter", "letters", "recipe", "recipes", "legal", "contract", "contracts",
               "tweet", "tweets", "dialogue", "dialogues", "conversation", "conversations", "lyrics", "novel",
               "novels", "fiction", "proverb", "proverbs", "idiom", "idioms", "speech", "speeches", "textbook",
               "textbooks", "manual", "manuals", "scientific", "medical", "clinical", "patent", "patents")
# a letter that is the answer, not a kind of text: 'correct letter as answer', 'the option letter', 'letter ans A-D',
# 'answer with the letter' and the letters named as a range
ANSWER_LETTER = re.compile(r"\b(?:correct|option|options|answer|ans|choice|right|gold)\s+letters?\b|"
                           r"\bletters?\s+(?:as|for|of)\s+(?:the\s+)?(?:correct\s+)?(?:answer|option|choice)s?\b|"
                           r"\bletters?\s+(?:ans|answers?)\b|\bletters?\s*\(?a\s*[-–/]\s*[d-j]\b|"
                           r"\b(?:answer|ans|respond|reply)\w*\s+(?:with|as|in|by)\s+(?:the\s+|a\s+|its\s+)?"
                           r"(?:option\s+|correct\s+)?letters?\b")
# a letter of a word: 'the first letter of the name', 'a capital letter', 'letters of the alphabet'
SPELLING_LETTER = re.compile(r"\b(?:first|last|initial|starting|opening|final|capital|upper[- ]?case|lower[- ]?case|"
                             r"same|single|one|two|three|\d+)\s+letters?\b|\bletters?\s+(?:of|in)\s+(?:the\s+|its\s+|"
                             r"a\s+)?(?:name|word|alphabet|symbol|code)s?\b")
# a range the items' values must keep to, or things to leave out: "offsets over 100 days", "skip countries that use
# the euro"; the words after the verb run to the end of the clause
NUMBER = r"-?\d+(?:,\d{3})*(?:\.\d+)?"
EXCLUDING = (r"skip|skipping|exclude|excluding|except|omit|omitting|leave out|leaving out|avoid|avoiding|never|"
             r"(?:do not|don't|never) (?:include|use|show|ask about)")
# the longer phrases first, so 'at or below' is not read as 'below'
BOUND_WORDS = {"at or below": "le", "at or above": "ge", "no more than": "le", "no less than": "ge", "more than": "gt",
               "fewer than": "lt", "less than": "lt", "greater than": "gt", "at least": "ge", "at most": "le",
               "up to": "le", "over": "gt", "above": "gt", "under": "lt", "below": "lt"}
LIMITS = re.compile(rf"\b(?:(?:{EXCLUDING})\s+[^.;:,!?]{{3,}}|"
                    rf"(?:(?!(?:and|or|with|in|of|a|an|to)\b)[a-z]+\s+){{0,2}}(?:{'|'.join(BOUND_WORDS)}|between)\s+"
                    rf"{NUMBER}(?:\s+(?:and|to)\s+{NUMBER})?(?:\s+(?!and\b|or\b)[a-z]+)?)", re.I)
CHOICE_WORDS = ("multiple-choice", "multiple choice", "mcq", "four options", "4 options")
ANSWER_WORDS = {"choice": ("choice", "multiple", "options", "mcq"),
                "number": ("number", "numeric", "integer", "decimal", "numerical", "digits"),
                "binary": ("yes", "binary", "true", "false"), "span": ("span", "extract", "quote")}
QUOTE_MATCH = 85      # rapidfuzz partial ratio a facet's quote needs against the requirement
LANGUAGE_SURE = 0.9   # probability from which a detected language is trusted


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code of text's language and its probability."""
    code, prob = _identifier().classify(text)
    return code, float(prob)


def language_name(code: str) -> str:
    from babel import Locale

    return Locale("en").languages.get(code, code)


@functools.cache
def _language_names() -> dict[str, str]:
    """Lower-case language names, English and native, mapped to the English name, for py3langid's languages."""
    from babel import Locale, UnknownLocaleError

    english = Locale("en").languages
    names = {}
    for code in _identifier().nb_classes:
        if code not in english:
            continue
        names[english[code].lower()] = english[code]
        try:
            native = Locale(code).languages.get(code)
        except (UnknownLocaleError, ValueError):
            native = None
        if native:
            names[native.lower()] = english[code]
    return names


def named_language(text: str) -> str | None:
    """The English name of the first language text names ('écrit en français' -> 'French'), or None."""
    words = text.lower()
    found = [(m.start(), name) for key, name in _language_names().items()
             if (m := re.search(rf"\b{re.escape(key)}\b", words))]
    return min(found)[1] if found else None


def stems(text: str) -> set[str]:
    """Content words cut to five letters, so 'charts' meets 'chart', 'units' meets 'unit', 'stories' meets 'story'
    and 'chemistry' meets 'chemical'."""
    words = (re.sub(r"ies$", "y", w) for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) > 2 and w not in FILLER)
    return {(w[:-1] if len(w) <= 5 and w.endswith("s") and not w.endswith("ss") else w)[:5] for w in words}


def whole_words(text: str) -> set[str]:
    """Content words in the singular, uncut: a card named 'countries' is not repeated by 'Count red triangles'."""
    words = (re.sub(r"ies$", "y", w) for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) > 2 and w not in FILLER)
    return {w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in words}


# Words of what is done to the content, or of the bare medium, which any source may share with any requirement.
OPERATION_STEMS = stems("count counting compare comparison read reading identify value values number numbers "
                        "calculate compute find determine common most least different difference total sum match "
                        "convert conversion order sort list integer integers decimal decimals single whole has have "
                        "image images picture pictures photo photos visual")

def shares_topic(card: SourceCard, about: str) -> bool:
    """The card's name, description and keywords share SHARED_STEMS content words with `about` (the requirement, its
    reading, the subtask and the facets it carries), one of them not a word of operation or medium: a source the judge
    likes but that shares no topic is refused, and 'count', 'compare' and 'image' make no topic (shapes are not
    dates, tables are not triangles)."""
    shared = stems(card_words(card)) & stems(about)
    return len(shared) >= SHARED_STEMS and bool(shared - OPERATION_STEMS)


def card_words(card: SourceCard) -> str:
    return " ".join([card.name.replace("_", " "), card.description, ", ".join(card.keywords)])


# Words that say nothing of what the content is: how it is shown, and the modalities.
PLAIN_WORDS = stems("input inputs shown given short long text texts plain "
                    + " ".join(w for listed in MODALITY_WORDS.values() for w in listed))


BOUND_CLAUSE = re.compile(rf"\b(?:{EXCLUDING}|{'|'.join(BOUND_WORDS)}|between)\b.*$", re.I)
LIMIT_VERBS = frozenset({"keep", "make", "ensure", "limit", "stay", "have"})
SIGN = r">=|≥|<=|≤|>|<"  # a bound written as a sign: 'ints >= 1,000'
SIGNED_BOUND = re.compile(rf"(?:{SIGN})\s*{NUMBER}")


def missing_topic(card: SourceCard, facets: list[Facet]) -> str | None:
    """The topic or presentation facet a source does not hold: one whose content words the card shares fewer than
    half of (Python's docs share 'passage' with 'a short news-style passage', not 'news'); None when it holds them
    all. A facet stating a range or an exclusion is not what the items are about."""
    held, spelled = stems(card_words(card)), whole_words(card_words(card))

    def holds(word: str) -> bool:
        """Held as it is or said with a slip ('seperators')."""
        return stems(word) <= held or any(_said_loosely(w, spelled) for w in whole_words(word))

    for facet in facets:
        if facet.kind not in ("topic", "presentation"):
            continue
        # a range or exclusion ('keep it under 15 shapes', 'never modern wars') is a constraint, kept or reported as
        # one: what comes before it is what the items are about; a bound written as a sign is left out alone
        text = SIGNED_BOUND.sub(" ", BOUND_CLAUSE.sub(" ", facet.value))
        words = {w for w in re.findall(r"[^\W\d_]+", text.lower())
                 if stems(w) and not stems(w) <= PLAIN_WORDS | LIMIT_VERBS}
        if words and 2 * sum(map(holds, words)) < len(words):
            return f"{facet.kind} '{facet.value}'"
    return None


def is_genre(facet: Facet) -> bool:
    """A facet code read off a kind of text the requirement names ('news', 'emails')."""
    return facet.kind == "topic" and facet.quote.lower() in GENRE_WORDS


# What a requirement's items are about: the words after 'about' up to the end of the clause.
SUBJECT_SPAN = re.compile(r"\b(?:about|regarding|concerning|covering|related to|on the (?:topic|subject) of)\s+"
                          r"(.+?)(?=[,.;:!?]|\s(?:with|where|that|which|in|for|using|to|about)\s|$)", re.I)


NOT_A_SUBJECT = re.compile(r"^(?:\d|(?:a|an|the)\s+\d|(?:about|what|whether|how|why|which|who|when|where|it|them|this|"
                           r"that|these|those|one|two|three|four|five|ten|twenty|fifty|hundred)\b)", re.I)
SUBJECT_WORDS = 5  # a longer span is a clause, not a subject
NEGATIONS = {"not", "don't", "dont", "never", "no", "avoid", "without", "nothing"}


def subjects(requirement: str) -> list[str]:
    """What the requirement says its items are about, in its own words ('everyday science'): a short noun phrase
    after 'about', not a number ('about 20 questions'), a question ('about what happens'), a pronoun or a clause, and
    not 'how about', 'bring about' or a negated one ("don't ask about")."""
    found = []
    for match in SUBJECT_SPAN.finditer(requirement):
        said = " ".join(re.split(r"\s+and\s+(?=\w+\s+(?:the|a|an|each|every|all)\b)", match.group(1))[0].split())
        before = [w.lower() for w in requirement[:match.start()].split()[-3:]]
        if said and not NOT_A_SUBJECT.match(said) and len(said.split()) <= SUBJECT_WORDS and not (
                before and before[-1] in ("how", "bring", "brings", "come", "comes", "what")) and not (
                set(before) & NEGATIONS):  # "don't ask about the same month twice" names no subject
            found.append(said)
    return found


# What each item gives the model to answer about: 'give a South American country and ask ...', 'for each element'.
GIVEN_THING = re.compile(r"\b(?:(?:gives?|given|giving|shows?|showing|presents?|presenting|names?|naming|takes?)\s+"
                         r"(?:a|an|one|each|every|some|the)|for\s+(?:each|every|any|a\s+given))\s+"
                         r"(?:(?:given|random|specific|single)\s+)?"
                         r"((?:[\w'-]+\s+){0,3}?[\w'-]+)(?=\s*(?:[,;:.]|$)|\s+(?:and|then|ask|asks|asking|with|"
                         r"which|what|to|or)\b)", re.I)


def given_things(text: str) -> list[str]:
    """The things the text says each item gives ('South American country' of 'give a South American country and
    ask which currency it uses'), each with a content word."""
    return [said for said in (" ".join(m.group(1).split()) for m in GIVEN_THING.finditer(text)) if stems(said)]


def is_subject(facet: Facet, requirement: str) -> bool:
    """A topic facet the requirement names as what its items are about ('passages about everyday science'): every
    subtask's source must hold it, or another such subject, not only the subtasks that claim it."""
    value = facet.value.lower().strip()
    return facet.kind == "topic" and bool(value) and any(
        value in span for span in SUBJECT_SPAN.findall(requirement.lower()))


def missing_subject(card: SourceCard, facets: list[Facet], requirement: str) -> str | None:
    """The requirement's subject a source holds none of ('everyday science' of Python's docs), or None."""
    subjects = [f for f in facets if is_subject(f, requirement)]
    if subjects and all(missing_topic(card, [f]) for f in subjects):
        return f"topic '{subjects[0].value}' the requirement is about"
    return None


CHART_TOOLS = {"bar": "bar_chart", "line": "line_chart", "pie": "pie_chart"}
# 'line charts', 'bar or line graphs', 'bar, line and pie charts'
CHART_NAMED = re.compile(r"\b(?:(?:bar|line|pie)(?:,\s*(?:(?:and|or|and/or)\s+)?|\s+(?:or|and|and/or)\s+|\s*/\s*))*"
                         r"(?:bar|line|pie)[- ](?:charts?|graphs?|plots?)\b")


def other_chart(card: SourceCard, requirement: str) -> str | None:
    """The kind of chart the requirement names that a source draws none of ('line charts' of the bar chart
    generator), or None: it names none, or the source draws it, or no chart at all."""
    named = sorted({f"{kind} charts" for phrase in CHART_NAMED.findall(requirement.lower())
                    for kind in re.findall(r"bar|line|pie", phrase)})
    drawing = [kind for kind, tool in CHART_TOOLS.items() if tool in card.tools]
    if not named or not drawing or any(f"{kind} charts" in named for kind in drawing):
        return None
    return f"{' or '.join(named)} the requirement asks for (it draws {' and '.join(drawing)} charts)"


def exclusive(requirement: str) -> bool:
    """The requirement wants one thing tested and nothing else ('ask only which category ...', 'count only the
    triangles'): its design is one subtask, not others invented beside it."""
    return re.search(r"\b(?:only|solely|exclusively|nothing but|nothing else)\b", requirement.lower()) is not None


def is_vague(requirement: str) -> bool:
    return not stems(requirement)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40].strip("_") or "facet"


WHOLE = 0.8  # a quote this long a share of the requirement quotes all of it


def quoted(quote: str, requirement: str) -> bool:
    """The quote is (nearly) words of the requirement."""
    quote, requirement = " ".join(quote.lower().split()), " ".join(requirement.lower().split())
    return bool(quote) and (quote in requirement or fuzz.partial_ratio(quote, requirement) >= QUOTE_MATCH)


def _tokens(text: str) -> set[str]:
    """The words of a text, a hyphenated one also in its parts ('two-letter' says 'letter')."""
    words = re.findall(r"[\w-]+", text.lower())
    return {*words, *(part for word in words for part in word.split("-") if part)}


def grounded(facet: Facet, requirement: str = "") -> bool:
    """The facet's value rests on its quote (they share a content word; for a language, the quote names it), a
    specific quotes part of the requirement rather than all of it, and a degradation, answer format or level says
    one in words of its kind."""
    if facet.kind == "language":
        return named_language(facet.quote) is not None
    if facet.kind not in ("capability", "topic") and requirement and len(facet.quote) >= WHOLE * len(requirement) \
            and len(requirement.split()) > 8:
        return False
    if facet.kind in KIND_WORDS and not _tokens(f"{facet.value} {facet.quote}") & set(
            KIND_WORDS[facet.kind]):
        return False
    value, quote = stems(facet.value), stems(facet.quote)
    return bool(value & quote) or (not value and bool(re.search(re.escape(facet.value.lower()), facet.quote.lower())))


NEGATED = re.compile(r"\b(?:not|no|never|without|nor|rather than|instead of)\b(?:\W+\w+){0,3}\W*$", re.I)


def anchored(facet: Facet, requirement: str) -> Facet:
    """A specific facet quoting the whole requirement, as a small model does under every facet, or a clause its value
    is not in (the first 100 characters under an answer format said at the end), quoting instead the span of the
    requirement its value's words cover ('count days between two calendar dates' → 'count the days between two
    calendar dates'); unchanged when the requirement says no more than half of the value's words, when no word of
    the facet's kind is both in the value and the span (an answer format 'the number of days' in 'count the days
    between'), when the span is not shorter, when the requirement says it after a 'not' ('not the currency's name'),
    or for what is tested as a whole."""
    if facet.kind in ("capability", "topic", "language") or (
            len(facet.quote) < WHOLE * len(requirement) and grounded(facet, requirement)):
        return facet
    words = [w for w in dict.fromkeys(re.findall(r"[^\W_]+", facet.value.lower())) if len(w) > 2 and w not in FILLER]
    said = [w for w in words if re.search(rf"\b{re.escape(w)}\b", requirement.lower())]
    if 2 * len(said) <= len(words):  # 'dates as photos of handwritten notes' shares only 'dates': the model's own
        return facet
    span = _span(requirement, said)
    if facet.kind != "constraint" and NEGATED.search(requirement[:requirement.find(span)]):
        return facet
    kind_words = set(KIND_WORDS.get(facet.kind, ()))
    stated = not kind_words or (_tokens(span) & set(said) & kind_words)
    return facet.model_copy(update={"quote": span}) if stated and span and len(span) < WHOLE * len(requirement) \
        else facet


def _span(requirement: str, words: list[str]) -> str:
    """The requirement's words from the first of words to the last, whole where hyphenated ('three-letter'), at most
    200 characters."""
    lower = requirement.lower()
    starts = [m.start() for w in words for m in re.finditer(rf"\b{re.escape(w)}\b", lower)]
    ends = [m.end() for w in words for m in re.finditer(rf"\b{re.escape(w)}\b", lower)]
    if not starts:
        return ""
    start = len(re.search(r"[\w-]*$", requirement[:min(starts)]).group(0))
    end = len(re.match(r"[\w-]*", requirement[max(ends):]).group(0))
    return requirement[min(starts) - start:max(ends) + end][:200]


def seen_facets(requirement: str, facets: list[Facet]) -> list[Facet]:
    """Facets code reads off the requirement's words where a small model often misses them: degradations, the
    modality of the input, the genre of its texts (news, stories, emails ...), what the items are about ('passages
    about everyday science'), multiple choice, and ranges or exclusions the items must keep to; each only when no
    facet of its kind says it already."""
    lower = requirement.lower()
    words = set(re.findall(r"[a-z-]+", lower))
    kinds = {f.kind for f in facets}
    found = []
    degraded = [w for listed in DEGRADATION_WORDS.values() for w in listed if w in words]
    if degraded and "degradation" not in kinds:
        found.append(Facet(kind="degradation", value=", ".join(degraded), quote=_span(requirement, degraded)))
    for modality in sorted(demanded_modalities(requirement, [])):
        said = [w for w in MODALITY_WORDS[modality] if w in words]
        if not any(f.kind == "presentation" and set(MODALITY_WORDS[modality]) & set(re.findall(r"[a-z]+", (
                f.value + " " + f.quote).lower())) for f in facets):
            found.append(Facet(kind="presentation", value=f"{modality} inputs ({said[0]})", quote=said[0]))
    # 'news-style' names news, 'three-letter' (a code's length), 'correct letter as answer' and 'the first letter of
    # the name' name no letters
    plain_words = set(re.findall(r"(?<![a-z]-)\b[a-z]+", SPELLING_LETTER.sub(" ", ANSWER_LETTER.sub(" ", lower))))
    for genre in (w for w in GENRE_WORDS if w in plain_words):
        if not any(genre[:5] in stems(f"{f.value} {f.quote}") for f in facets if f.kind in ("topic", "presentation")):
            found.append(Facet(kind="topic", value=f"{genre} texts", quote=genre))
    for said in subjects(requirement):
        if not any(f.kind == "topic" and f.value.strip() and f.value.lower().strip() in said.lower() for f in facets):
            found.append(Facet(kind="topic", value=said, quote=said))
    choice = [w for w in CHOICE_WORDS if w in lower]
    if choice and "answer_format" not in kinds:
        found.append(Facet(kind="answer_format", value="multiple choice", quote=_span(requirement, choice[:1])))
    for limit in LIMITS.finditer(requirement):
        text = " ".join(limit.group(0).split())[:120]
        if not any(f.kind == "constraint" and text.lower() in f"{f.value} {f.quote}".lower() for f in facets):
            found.append(Facet(kind="constraint", value=text, quote=text))
    return found


def names_something(text: str) -> bool:
    """Whether a capability or topic names what to test, rather than only "benchmark", "model" or "test"."""
    return bool(stems(text) - META - {"model", "test"})


def contract(requirement: str, scope: Scope) -> Scope:
    """The scope with only facets whose quote is the requirement's own words, each keyed, one capability facet at
    least, the items' language (detected when the requirement states none) and, for a vague requirement, a stated
    interpretation."""
    facets: list[Facet] = []
    for facet in (anchored(f, requirement) for f in scope.facets):
        value = " ".join(facet.value.split())
        # one value under several kinds (a small model gave one clause as operation, presentation and answer
        # format) is kept under the first: a presentation that is the whole task bars every source from it
        if not value or not quoted(facet.quote, requirement) or not grounded(facet, requirement) or any(
                f.value.lower() == value.lower() for f in facets) or (
                facet.kind in ("capability", "topic") and not names_something(value)):
            continue
        facets.append(facet.model_copy(update={"value": value, "quote": " ".join(facet.quote.split())}))
    facets += seen_facets(requirement, facets)
    interpretation = ""
    if is_vague(requirement):
        interpretation = " ".join(scope.interpretation.split())
        words = stems(interpretation)
        if not words or words & META:  # a reading about "the benchmark" or "the user" names nothing to test
            interpretation = DEFAULT_INTERPRETATION
        facets = [f for f in facets if f.kind not in ("capability", "topic")]
        facets.insert(0, Facet(kind="capability", value=interpretation[:120], quote=requirement[:200]))
    elif not any(f.kind in ("capability", "topic") for f in facets):
        topic = scope.topic if names_something(scope.topic) else ""
        facets.insert(0, Facet(kind="capability", value=topic or requirement[:100], quote=requirement[:200]))
    code, prob = detect_language(requirement)
    stated = next((f for f in facets if f.kind == "language"), None)
    named = named_language(f"{stated.value} {stated.quote}") if stated else None
    language = named or (language_name(code) if code != "en" and prob >= LANGUAGE_SURE else "English")
    if not stated and language != "English":
        facets.append(Facet(kind="language", value=f"items in {language}", quote=" ".join(requirement.split()[:6])))
    keys: set[str] = set()
    for i, facet in enumerate(facets):
        key, n = _slug(f"{facet.kind}_{facet.value}"), 2
        while key in keys:
            key, n = f"{_slug(f'{facet.kind}_{facet.value}')}_{n}", n + 1
        keys.add(key)
        facets[i] = facet.model_copy(update={"key": key})
    return scope.model_copy(update={"facets": facets, "language": language, "interpretation": interpretation})


def facet_lines(facets: list[Facet]) -> str:
    return "\n".join(f"{f.key} ({f.kind}): {f.value}" for f in facets)


# modality words in another sense: "3 significant figures" asks a rounding, "figure out" a step of reasoning
NOT_MODAL = re.compile(r"\bsignificant (?:figures?|digits?)|\bsig\.? ?figs?\b|\bfigur(?:e|es|ing) out\b")


def demanded_modalities(requirement: str, facets: list[Facet]) -> set[str]:
    """Modalities the requirement's words demand of the input (image, audio, video), read by code."""
    words = set(re.findall(r"[a-z]+", NOT_MODAL.sub(" ", requirement.lower())))
    for facet in facets:
        if facet.kind in MODALITY_KINDS:
            words |= set(re.findall(r"[a-z]+", NOT_MODAL.sub(" ", facet.value.lower())))
    return {m for m, listed in MODALITY_WORDS.items() if words & set(listed)}


def stated_by(draft: SubtaskDraft, facets: Sequence[Facet]) -> list[str]:
    """The facets, other than language and answer format, whose value the subtask's own words state (a key it merely
    claims does not count)."""
    own = stems(f"{draft.name} {draft.description} {draft.capability}")
    return [f.key for f in facets if f.kind not in ("language", "answer_format") and stems(f.value) & own]


def carried(draft: SubtaskDraft, facets: list[Facet]) -> list[str]:
    """The facets a subtask carries: the keys it claims, and those whose value its own words state."""
    known = {f.key: f for f in facets}
    claimed = [k for k in draft.facets if k in known]
    matched = stated_by(draft, facets)
    formats = [f.key for f in facets if f.kind == "answer_format" and draft.answer_type in ANSWER_WORDS and (
        set(re.findall(r"[a-z]+", f.value.lower())) & set(ANSWER_WORDS[draft.answer_type])
        or draft.answer_type == "choice" and ANSWER_LETTER.search(f.value.lower()))]
    return list(dict.fromkeys([*claimed, *matched, *formats]))


TYPO_MATCH = 85  # rapidfuzz ratio from which a requirement's word of 5 letters or more is read as a longer one


def _said_loosely(word: str, said: set[str]) -> bool:
    """The word is among those said, or one of 5 letters or more is said with a slip ('languge' for 'language')."""
    return word in said or len(word) >= 5 and any(len(w) >= 5 and fuzz.ratio(word, w) >= TYPO_MATCH for w in said)


def copied_card(draft: SubtaskDraft, cards: list[SourceCard], requirement: str) -> str | None:
    """The card whose name or description the subtask repeats without the requirement asking for it, or None."""
    asked = whole_words(requirement)
    name = whole_words(draft.name)
    text = f"{draft.name}. {draft.description}".lower()
    for card in cards:
        card_name = whole_words(card.name.replace("_", " "))
        if card_name and card_name <= name and not all(_said_loosely(w, asked) for w in card_name):
            return card.id
        description = card.description.lower()
        if len(description) > 30 and fuzz.partial_ratio(description[:120], text) >= 90:
            return card.id
    return None


@dataclass(frozen=True)
class Intent:
    """What every item is checked against: the requirement, its facets and the language of its items."""

    requirement: str
    facets: tuple[Facet, ...] = ()
    language: str = "English"
    interpretation: str = ""
    kept: tuple[str, ...] = ()  # quotes of the constraints code keeps for the items checked

    @classmethod
    def of(cls, requirement: str, scope: Scope) -> "Intent":
        return cls(requirement, tuple(scope.facets), scope.language or "English", scope.interpretation)

    def keeping(self, plan) -> "Intent":
        """The intent for items of this plan: the constraints its steps serve are kept by code ('only European
        countries of over 10 million people' by the records drawn), so the fit check need not read them."""
        served = {key for step in plan.steps for key in step.serves}
        kept = tuple(f.quote for f in self.facets if f.kind == "constraint" and f.key in served and f.quote)
        return replace(self, kept=kept)

    def text(self) -> str:
        """The requirement as the fit check reads it: its own words but those of constraints code keeps for every
        item (an item cannot show that its country has over 10 million people), and the reading chosen for a
        vague one."""
        text = self.requirement
        for quote in self.kept:
            text = re.sub(re.escape(quote.strip()), " ", text, flags=re.I)
        text = " ".join(text.split())
        return f"{text} (read as: {self.interpretation})" if self.interpretation else text

    def demands(self) -> set[str]:
        return demanded_modalities(self.requirement, list(self.facets))


# a requirement asking a percentage: 'find the percent change', 'percentage increase', 'what percentage of'
PERCENT_ASKED = re.compile(r"\b(?:percent(?:age)?|per cent)[- ](?:change|increase|decrease|growth|rise|fall|drop|"
                           r"difference|discount)s?\b|\bwhat (?:percent(?:age)?|per cent)\b", re.I)
PERCENT = re.compile(r"\bpercent(?:age)?s?\b|\bper cent\b|%", re.I)


def intent_problem(item, intent: Intent) -> str | None:
    """What code can see is off target in an item: a question in another language than the items', no image where
    the requirement demands one, or no percentage asked where it asks one (a 'percent change', not the change from
    a note)."""
    if "image" in intent.demands() and not item.images:
        return "the requirement asks for image inputs; this item has none"
    if PERCENT_ASKED.search(intent.requirement) and not PERCENT.search(item.question):
        return "the requirement asks a percentage; this item's question asks none"
    if intent.language == "English":
        return None
    shown = [("question", " ".join([item.question, *(item.options or [])]))]
    shown += [(name, value) for name, value in item.extra_input.items() if isinstance(value, str)]
    for name, text in shown:
        other = other_language(text, intent.language)
        if other:
            return f"the {name} is in {other}; the items must be in {intent.language}"
    return None


def other_language(text: str, language: str) -> str | None:
    """The language text is surely written in, when it is not `language`; None for short or unsure text."""
    if len(text.split()) < 5:
        return None
    code, prob = detect_language(text)
    return language_name(code) if prob >= LANGUAGE_SURE and language_name(code) != language else None
