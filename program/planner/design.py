"""Design agent: proposes subtasks, a critic names those to revise or discard; code keys, bounds and applies."""

import re
from textwrap import shorten
from collections.abc import Sequence
from dataclasses import dataclass, field

import dspy
from dspy.utils.exceptions import AdapterParseError

from benchagent.program.adapter import at_most
from benchagent.program.errors import PlanningError
from benchagent.program.intent import ANSWER_WORDS, carried, copied_card, detect_language, stated_by, whole_words
from benchagent.program.sources.cards import SourceCard
from benchagent.program.text_bounds import degenerate
from benchagent.signatures.design import CritiqueSubtasks, DesignSubtasks, SubtaskChange, SubtaskDraft
from benchagent.signatures.scope import Facet, Scope


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "subtask"


def _words(draft: SubtaskDraft) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", f"{draft.name} {draft.answer_type}".lower()))


def near_duplicate(a: SubtaskDraft, b: SubtaskDraft, threshold: float = 0.6) -> bool:
    """Same answer type and names sharing most of their words."""
    wa, wb = _words(a), _words(b)
    return a.answer_type == b.answer_type and len(wa & wb) / max(1, len(wa | wb)) >= threshold


def normalize_subtasks(drafts: list[SubtaskDraft], max_subtasks: int) -> list[SubtaskDraft]:
    """Unique snake_case keys, no near-duplicate or degenerate subtasks, at most max_subtasks."""
    seen_keys: set[str] = set()
    result: list[SubtaskDraft] = []
    for draft in drafts:
        if not draft.name.strip() or any(near_duplicate(draft, kept) for kept in result) or any(
                degenerate(t, 400) for t in (draft.name, draft.description, draft.rationale)):
            continue
        key = slug(draft.key or draft.name)
        base, n = key, 2
        while key in seen_keys:
            key, n = f"{base}_{n}", n + 1
        seen_keys.add(key)
        result.append(draft.model_copy(update={"key": key}))
    return result[:max_subtasks]


# a subtask named as one question ("What is the purpose of the `print` function?") is an item, not a kind of item
ONE_QUESTION = re.compile(r"\?\s*$|^\W*(?:what|which|how|why|when|who|whose|where|is|are|does|do|can)\b", re.I)
# a name quoted as code ("the `filter` function"): a draft quoting one the requirement does not pins every item to it
QUOTED_CODE = re.compile(r"`([^`\n]+)`")
# facets any item may carry whatever it tests: a draft carrying only these does not test what was asked
ANY_ITEM = ("answer_format", "language", "level", "constraint")


def tested_facets(scope: Scope) -> list[Facet]:
    """The facets that say what the requirement tests: all but those any item may carry."""
    return [f for f in scope.facets if f.kind not in ANY_ITEM]


def refusals(drafts: list[SubtaskDraft], scope: Scope, requirement: str,
             cards: Sequence[SourceCard]) -> tuple[list[SubtaskDraft], dict[str, str]]:
    """The drafts that carry facets of the requirement, each with its facets filled in, and why each other was refused:
    copied from a source card, named as one question, carrying no facet, carrying only facets any item may carry (a
    choice item matches '4 options' and maybe nothing else asked), or quoting as code a name the requirement does not
    give.
    What a draft tests is read from its own words, as a small model claims every key it was shown; only for a
    requirement not in English, whose facets the (English) draft's words cannot meet, do its claims count."""
    kept, refused = [], {}
    tested = tested_facets(scope)
    claims_count = detect_language(requirement)[0] != "en"
    for draft in drafts:
        card = copied_card(draft, list(cards), requirement)
        facets = carried(draft, scope.facets)
        if card:
            refused[draft.key] = f"copied from source card {card}, not asked by the requirement"
        elif ONE_QUESTION.search(draft.name):
            refused[draft.key] = "named as one question: a subtask is a kind of item, many questions alike"
        elif not facets:
            refused[draft.key] = "carries no facet of the requirement"
        elif tested and not stated_by(draft, tested) and not (
                claims_count and {f.key for f in tested} & set(draft.facets)):
            refused[draft.key] = "carries only the answer format, level or language, none of what the requirement tests"
        elif pinned := [q for q in QUOTED_CODE.findall(f"{draft.name} {draft.description}")
                        if q.strip().lower() not in requirement.lower()]:
            refused[draft.key] = (f"pins its items to `{pinned[0]}`, which the requirement does not name: the records "
                                  "drawn are about other things")
        else:
            kept.append(draft.model_copy(update={"facets": facets}))
    return kept, refused


# the requirement asks for options: 'MCQ', '4 options', 'letter ans A-D', 'choose from'
ASKS_OPTIONS = re.compile(r"\b(?:multiple[- ]choice|mcq|options?|choices|alternatives|letters?)\b|"
                          r"\ba\s*[-–/]\s*[d-j]\b|\b(?:pick|choose|select) (?:one|from|among|between)\b")
# where it says what an answer is: 'ans = species name lowercase, one word', 'answered in millimetres'
STATES_ANSWER = re.compile(r"\b(?:ans|answers?|golds?)\s*(?:=|:|is|are|should be|must be|will be)\s+|"
                           r"\b(?:answer(?:ed)?|reply|respond) (?:with|in|as|by)\s+|"
                           r"\b(?:ans|answer)\s+(?:(?:just|only)\b\s*|(?=(?:digits?|integers?|numbers?)\b)|"
                           r"(?=(?:true|yes)\s*(?:or|/)\s*(?:false|no)\b))")


def as_stated(draft: SubtaskDraft, requirement: str) -> SubtaskDraft:
    """A choice or label draft retyped when the requirement says what its answer is and asks for no options ('ans =
    species name lowercase, one word' is a label, 'answer just the integer' a number): the answer type that
    sentence's words name, else, for a choice draft, a label."""
    lower = requirement.lower()
    stated = STATES_ANSWER.search(lower)
    if draft.answer_type not in ("choice", "label") or stated is None or ASKS_OPTIONS.search(lower):
        return draft
    sentence = re.split(r"[.;!?](?:\s|$)", lower[stated.end():])[0]
    said = set(re.findall(r"[a-z]+", sentence)) | whole_words(sentence)  # 'integers' says integer
    kind = next((k for k, words in ANSWER_WORDS.items() if k != "choice" and said & set(words)), None)
    return draft.model_copy(update={"answer_type": kind or "label"}) if kind or draft.answer_type == "choice" else draft


def requirement_subtask(requirement: str, scope: Scope) -> SubtaskDraft | None:
    """One subtask in the requirement's own words, for when every proposed one was refused: named by the first facet
    of what is tested, described by the requirement itself (its operations alone, 'ask', lose what the items give
    and what they ask for), its answer type the one a stated format names, else the requirement's words ('yes/no
    qs'), else choice; None when no facet says what is tested."""
    tested = tested_facets(scope)
    if not tested:
        return None
    formats = " ".join(f.value.lower() for f in scope.facets if f.kind == "answer_format")
    answer_type = next((kind for text in (formats, requirement.lower()) for kind, words in ANSWER_WORDS.items()
                        if set(re.findall(r"[a-z]+", text)) & set(words)), "choice")
    return SubtaskDraft(key=slug(tested[0].value), name=shorten(tested[0].value, 80, placeholder=""),
                        description=shorten(requirement, 300, placeholder=" …"), capability=tested[0].value,
                        facets=[f.key for f in scope.facets],
                        modalities=scope.modalities or ["text"], answer_type=answer_type,
                        rationale="the requirement as stated: every subtask the design agent proposed was refused")


@dataclass
class DesignResult:
    """The final subtasks and every decision taken on the way: {round, key, action, rationale}."""

    subtasks: list[SubtaskDraft]
    decisions: list[dict] = field(default_factory=list)


def subtask_lines(subtasks: list[SubtaskDraft]) -> str:
    return "\n".join(f"{s.key} | {s.name} | {s.answer_type} | {', '.join(s.modalities)} | {s.description}"
                     for s in subtasks)


# a small critic's "revised description" that describes its own edit ("The revised description should ...", "The
# requirement specifies ...") or copies a line of the subtask table it was shown ("name | choice | image | ...")
ABOUT_THE_CHANGE = re.compile(r"\b(?:revised?|revision|description|answer type|subtask|requirement)\b|\|", re.I)


def apply_changes(subtasks: list[SubtaskDraft], changes: list[SubtaskChange],
                  unchanged: str = "the critic asked no change") -> tuple[list[SubtaskDraft], list[dict]]:
    """Revise or drop subtasks as the critic asked; unknown or repeated keys are ignored, the last subtask is never
    dropped, a revision that changes nothing counts as keep, and every subtask not changed is recorded as kept."""
    current = {s.key: s for s in subtasks}
    applied: dict[str, dict] = {}
    for c in changes:
        key = slug(c.key)
        if key not in current or key in applied:
            continue
        action, rationale = c.action, c.rationale.strip() or "no rationale given"
        bad = degenerate(rationale, 400) or (degenerate(c.revised_description, 400) if action == "revise" else None)
        if bad:
            action, rationale = "keep", f"change refused: its text was degenerate ({bad})"
        elif action == "revise" and ABOUT_THE_CHANGE.search(c.revised_description):
            action, rationale = "keep", "change refused: its description speaks of the change, not of an item"
        elif action == "discard" and len(current) == 1:
            action, rationale = "keep", f"{rationale} (kept: the design needs at least one subtask)"
        elif action == "discard":
            del current[key]
        else:
            revised = {k: v for k, v in {"description": c.revised_description.strip(),
                                         "answer_type": c.revised_answer_type}.items()
                       if v and v != getattr(current[key], k)}
            action = "revise" if revised else "keep"
            current[key] = current[key].model_copy(update=revised)
        applied[key] = {"key": key, "action": action, "rationale": rationale}
    return list(current.values()), [applied.get(s.key) or {"key": s.key, "action": "keep", "rationale": unchanged}
                                    for s in subtasks]


def grounding_feedback(failed: dict[str, str], scope: Scope) -> str:
    """Feedback for a redesign: each subtask nothing could ground and why, and the facets a new design must still
    carry. Sources are not offered as things to build on: a subtask exists for the requirement, not for a source."""
    lines = ["No source could ground these subtasks:", *(f"- {key}: {why}" for key, why in failed.items()),
             "Test the same requirement in another form (another answer type or way to present the input), carrying "
             "these facets:", *(f"- {f.key} ({f.kind}): {f.value}" for f in scope.facets)]
    return "\n".join(lines)


class DesignAgent(dspy.Module):
    def __init__(self):
        super().__init__()
        self.propose = dspy.Predict(DesignSubtasks)
        self.critique = dspy.Predict(CritiqueSubtasks)

    def forward(self, requirement: str, scope: Scope, max_subtasks: int, feedback: str = "",
                cards: Sequence[SourceCard] = (), rounds: int = 1) -> DesignResult:
        """Propose (again once, told why, if every draft is refused), then critique and apply the changes until the
        critic asks none or `rounds` critiques ran. Drafts copied from a source card or carrying no facet are
        refused; when every draft of both proposals is, the requirement's own words are the one subtask.
        One subtask is not put to the critic: it repeats no other, and code's refusals judged what it tests."""
        decisions: list[dict] = []
        subtasks: list[SubtaskDraft] = []
        for _attempt in range(2):
            drafts = self.propose(requirement=requirement, scope=scope, max_subtasks=max_subtasks, feedback=feedback,
                                  **at_most(self.propose, "subtasks", max_subtasks)).subtasks
            subtasks, refused = refusals(normalize_subtasks(drafts, max_subtasks), scope, requirement, cards)
            decisions += [{"round": 0, "key": k, "action": "refuse", "rationale": why} for k, why in refused.items()]
            if subtasks:
                break
            feedback = "\n".join([feedback, "Refused: " + "; ".join(f"{k}: {why}" for k, why in refused.items()),
                                   "Carry these facets of the requirement: " + "; ".join(
                                       f"{f.key} ({f.kind}): {f.value}" for f in scope.facets)]).strip()
        if not subtasks:
            stated = requirement_subtask(requirement, scope)
            if stated is None:
                raise PlanningError("the design agent proposed no subtask that carries the requirement's facets")
            # the requirement's own words are not put to the critic: a small critic rewrote them into its own example
            return DesignResult([stated], [*decisions, {"round": 0, "key": stated.key, "action": "propose",
                                                        "rationale": stated.rationale}])
        decisions += [{"round": 0, "key": s.key, "action": "propose", "rationale": s.rationale} for s in subtasks]
        for round_ in range(1, rounds + 1):
            if len(subtasks) == 1:  # it repeats no other, and code has refused it if it missed what is tested
                break
            try:
                changes = self.critique(requirement=requirement, subtasks=subtask_lines(subtasks),
                                        **at_most(self.critique, "changes", len(subtasks))).changes
                subtasks, applied = apply_changes(subtasks, changes)
            except AdapterParseError:
                subtasks, applied = apply_changes(subtasks, [], unchanged="critique unavailable")
            decisions += [{"round": round_, **a} for a in applied]
            if all(a["action"] == "keep" for a in applied):
                break
        stated = [as_stated(s, requirement) for s in subtasks]
        decisions += [{"round": rounds + 1, "key": s.key, "action": "retype",
                       "rationale": f"{s.answer_type}, not {old.answer_type}: the requirement says what its answer "
                                    "is and asks for no options"} for s, old in zip(stated, subtasks, strict=True)
                      if s.answer_type != old.answer_type]
        # a retyped subtask carries the answer format its new type meets
        stated = [s if s.answer_type == old.answer_type else s.model_copy(update={"facets": carried(s, scope.facets)})
                  for s, old in zip(stated, subtasks, strict=True)]
        return DesignResult(stated, decisions)

    def redesign(self, requirement: str, scope: Scope, max_subtasks: int, failed: dict[str, str],
                 cards: Sequence[SourceCard] = (), rounds: int = 1) -> DesignResult:
        """A new design told which subtasks (key -> reason) nothing could ground, still bound to the facets."""
        return self(requirement=requirement, scope=scope, max_subtasks=max_subtasks,
                    feedback=grounding_feedback(failed, scope), cards=cards, rounds=rounds)
