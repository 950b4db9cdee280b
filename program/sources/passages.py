"""Deterministic chunking of a document into passages of about 150-250 words on paragraph boundaries, each
with the heading it falls under."""

import re

MIN_WORDS, MAX_WORDS = 150, 250
_UNDERLINE = re.compile(r"([=\-*~^#])\1{2,}\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _heading(paragraph: str) -> str | None:
    """The title of a Markdown heading (# Title, or Title underlined with === / ---) or of a reST one."""
    lines = paragraph.splitlines()
    if lines[0].startswith("#"):
        return lines[0].lstrip("#").strip()
    if len(lines) > 1 and _UNDERLINE.fullmatch(lines[1]):
        return lines[0].strip()
    return None


def _pieces(paragraph: str) -> list[str]:
    """The paragraph, or for one over MAX_WORDS its sentences packed into pieces of at most MAX_WORDS words."""
    if len(paragraph.split()) <= MAX_WORDS:
        return [paragraph]
    pieces: list[str] = []
    current: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        words = sentence.split()
        while len(words) > MAX_WORDS:  # one sentence longer than a passage: cut it by words
            pieces.append(" ".join(words[:MAX_WORDS]))
            words = words[MAX_WORDS:]
        if current and len(current) + len(words) > MAX_WORDS:
            pieces.append(" ".join(current))
            current = []
        current += words
    return [*pieces, " ".join(current)] if current else pieces


def passages(text: str) -> list[tuple[str, str]]:
    """(section, passage) pairs in document order; a heading starts a new passage once the current one is
    long enough, and a short last passage joins the one before when they fit together."""
    section = ""
    units: list[tuple[str, str, bool]] = []
    for paragraph in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        paragraph = paragraph.strip("\n")
        if not paragraph.strip():
            continue
        title = _heading(paragraph)
        section = title if title is not None else section
        units += [(section, piece, title is not None and i == 0) for i, piece in enumerate(_pieces(paragraph))]
    chunks: list[tuple[str, list[str], int]] = []
    for unit_section, piece, is_heading in units:
        words = len(piece.split())
        if chunks and chunks[-1][2] + words <= MAX_WORDS and not (is_heading and chunks[-1][2] >= MIN_WORDS):
            chunk_section, parts, count = chunks[-1]
            chunks[-1] = (chunk_section, [*parts, piece], count + words)
        else:
            chunks.append((unit_section, [piece], words))
    if len(chunks) > 1 and chunks[-1][2] < MIN_WORDS and chunks[-2][2] + chunks[-1][2] <= MAX_WORDS:
        last = chunks.pop()
        chunks[-1] = (chunks[-1][0], chunks[-1][1] + last[1], chunks[-1][2] + last[2])
    return [(chunk_section, "\n\n".join(parts)) for chunk_section, parts, _ in chunks]
