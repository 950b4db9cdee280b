"""Pillow's built-in Aileron font (no downloads) and the characters it can draw."""

from PIL import ImageFont

SUPPORTED = frozenset(chr(c) for c in range(32, 127)) | frozenset("©«°±´·»‘’“”…‹›™")


def font(size: int) -> ImageFont.FreeTypeFont:
    """A fresh font object per call (cheap, about 0.1 ms), so threads never share FreeType state."""
    return ImageFont.load_default(size=size)


def check_text(text: str) -> str:
    """Refuse text the built-in font would draw as empty boxes."""
    missing = sorted(set(text) - SUPPORTED)
    if missing:
        raise ValueError(f"characters the chart font cannot draw: {''.join(missing)!r}")
    return text
