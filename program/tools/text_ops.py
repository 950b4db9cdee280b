"""Text operations on passages: sentence spans, masking a span (cloze) and choosing a chunk of whole sentences,
all by exact character offsets into the original text."""

import random
import re
from collections import Counter
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from benchagent.program.tools.registry import ToolInput, ToolOutput, tool

TITLES = frozenset({"mr", "mrs", "ms", "dr", "st", "prof", "jr", "sr", "gen", "capt", "rev"})  # a name follows
NUMBERED = frozenset({"no", "fig", "vol", "p", "pp", "ch", "sec"})  # a number follows
END = re.compile(r"[.!?]+[\"')\]’”]*(?=\s|$)")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
STOPWORDS = frozenset("""about above after again against because been before being below between both could does doing
down during each from further have having here hers herself himself into itself just more most myself once only other
ours over same should some such than that their theirs them themselves then there these they this those through under
until very were what when where which while whom will with would your yours yourself also""".split())


class Span(BaseModel):
    start: int = Field(description="offset of the first character")
    end: int = Field(description="offset after the last character")
    text: str


def sentence_spans(text: str) -> list[Span]:
    """Sentences as offsets: a sentence ends at . ! or ? (with closing quotes or brackets) before whitespace, unless
    the next word starts in lower case, or the period ends a title (Dr.) or a numbering word before a number (No. 5)."""
    spans, start = [], 0
    for m in END.finditer(text):
        word = (text[start:m.start()].split() or [""])[-1].lower()
        following = text[m.end():].lstrip()[:1]
        abbreviation = m.group() == "." and (word in TITLES or (word in NUMBERED and following.isdigit()))
        if abbreviation or following.islower():
            continue
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    result = []
    for a, b in spans:
        a += len(text[a:b]) - len(text[a:b].lstrip())
        b -= len(text[a:b]) - len(text[a:b].rstrip())
        if a < b:
            result.append(Span(start=a, end=b, text=text[a:b]))
    return result


def mask(text: str, start: int, end: int, token: str) -> str:
    return text[:start] + token + text[end:]


class PassageArgs(ToolInput):
    passage: str = Field(min_length=1, max_length=100_000)


class SentencesOutput(ToolOutput):
    sentences: list[Span]


@tool("split_sentences", "Split a passage into sentences with their character offsets.")
def split_sentences(args: PassageArgs) -> SentencesOutput:
    return SentencesOutput(sentences=sentence_spans(args.passage))


class MaskArgs(PassageArgs):
    start: int = Field(ge=0)
    end: int = Field(ge=1)
    mask: str = Field("_____", min_length=1, max_length=20)

    @model_validator(mode="after")
    def _inside(self):
        if not self.start < self.end <= len(self.passage):
            raise ValueError(f"span {self.start}..{self.end} is empty or outside the passage "
                             f"({len(self.passage)} characters)")
        if not self.passage[self.start:self.end].strip():
            raise ValueError("span is only whitespace")
        return self


class MaskOutput(ToolOutput):
    masked: str = Field(description="the passage with the span replaced by the mask")
    answer: str = Field(description="the masked text")
    start: int
    end: int


@tool("mask_span", "Replace a character span of a passage with a mask; the span's text is the answer.")
def mask_span(args: MaskArgs) -> MaskOutput:
    return MaskOutput(masked=mask(args.passage, args.start, args.end, args.mask),
                      answer=args.passage[args.start:args.end], start=args.start, end=args.end)


class ClozeArgs(PassageArgs):
    unit: Literal["sentence", "word"]
    seed: int
    mask: str = Field("_____", min_length=1, max_length=20)


def cloze_candidates(text: str, unit: str) -> list[Span]:
    """Sentences of 4+ words (when there are 2+ sentences), or content words of 4+ letters used once in the text."""
    if unit == "sentence":
        sentences = sentence_spans(text)
        return [s for s in sentences if len(s.text.split()) >= 4] if len(sentences) > 1 else []
    words = [Span(start=m.start(), end=m.end(), text=m.group()) for m in WORD.finditer(text)]
    counts = Counter(w.text.casefold() for w in words)
    return [w for w in words
            if len(w.text) >= 4 and counts[w.text.casefold()] == 1 and w.text.casefold() not in STOPWORDS]


@tool("cloze",
      "Mask one sentence, or one content word used only once, chosen with a seed; the masked text is the answer.")
def cloze(args: ClozeArgs) -> MaskOutput:
    candidates = cloze_candidates(args.passage, args.unit)
    if not candidates:
        raise ValueError(f"the passage has no {args.unit} that can be masked unambiguously")
    span = random.Random(args.seed).choice(candidates)
    return MaskOutput(masked=mask(args.passage, span.start, span.end, args.mask), answer=span.text,
                      start=span.start, end=span.end)


def chunk_spans(text: str, max_words: int) -> list[Span]:
    """Consecutive sentences packed greedily into chunks of at most max_words words (a longer sentence stays whole)."""
    chunks, current = [], []
    for sentence in sentence_spans(text):
        words = sum(len(s.text.split()) for s in current) + len(sentence.text.split())
        if current and words > max_words:
            chunks.append(current)
            current = []
        current.append(sentence)
    if current:
        chunks.append(current)
    return [Span(start=c[0].start, end=c[-1].end, text=text[c[0].start:c[-1].end]) for c in chunks]


class ChunkArgs(PassageArgs):
    max_words: int = Field(120, ge=5, le=5000)
    index: int | None = Field(None, ge=0, description="which chunk; default: chosen with the seed")
    seed: int = 0


class ChunkOutput(ToolOutput):
    chunk: Span
    text: str = Field(description="the chunk's text")
    index: int
    count: int = Field(description="number of chunks in the passage")


@tool("choose_chunk", "Split a passage into chunks of whole sentences up to max_words and pick one (by index or seed).")
def choose_chunk(args: ChunkArgs) -> ChunkOutput:
    chunks = chunk_spans(args.passage, args.max_words)
    if not chunks:
        raise ValueError("the passage is blank")
    index = random.Random(f"chunk:{args.seed}").randrange(len(chunks)) if args.index is None else args.index
    if index >= len(chunks):
        raise ValueError(f"chunk {index} outside 0..{len(chunks) - 1}")
    return ChunkOutput(chunk=chunks[index], text=chunks[index].text, index=index, count=len(chunks))
