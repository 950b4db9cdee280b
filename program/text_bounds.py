"""Degenerate model output: text far too long for its field, or one phrase repeated, is refused, never stored."""

import re
import zlib
from collections import Counter

MIN_RATIO = 0.3   # zlib ratio under which long text is one phrase repeated (plain prose compresses to 0.5-0.8)


def degenerate(text: str, limit: int = 2000) -> str | None:
    """Why text is degenerate (too long for its field, or repeating itself), or None when it is fine."""
    if len(text) > limit:
        return f"{len(text):,} characters where at most {limit:,} fit"
    raw = text.encode()
    if len(raw) >= 160 and len(zlib.compress(raw)) / len(raw) < MIN_RATIO:
        return "the same words repeated"
    sentences = [s.strip().lower() for s in re.split(r"(?<=[.!?;])\s+", text) if len(s.strip()) > 12]
    if sentences and Counter(sentences).most_common(1)[0][1] >= 3:
        return "one sentence repeated"
    return None
