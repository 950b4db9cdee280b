"""Pillow's built-in Aileron font (no downloads) and the characters it can draw."""

import threading

from PIL import ImageFont

SUPPORTED = frozenset(chr(c) for c in range(32, 127)) | frozenset("©«°±´·»‘’“”…‹›™")
_LOADED = threading.local()


def font(size: int) -> ImageFont.FreeTypeFont:
    """The font at this size, loaded once per thread (a chart asks for about ten), so threads never share
    FreeType state."""
    fonts = _LOADED.__dict__.setdefault("fonts", {})
    if size not in fonts:
        fonts[size] = ImageFont.load_default(size=size)
    return fonts[size]


def check_text(text: str) -> str:
    """Refuse text the built-in font would draw as empty boxes."""
    missing = sorted(set(text) - SUPPORTED)
    if missing:
        raise ValueError(f"characters the chart font cannot draw: {''.join(missing)!r}")
    return text
