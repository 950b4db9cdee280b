"""Pillow's built-in Aileron font (no downloads) and the characters it can draw."""

import functools
import threading

from PIL import ImageDraw, ImageFont

SUPPORTED = frozenset(chr(c) for c in range(32, 127)) | frozenset("©«°±´·»‘’“”…‹›™")
_LOADED = threading.local()


def font(size: int) -> ImageFont.FreeTypeFont:
    """The font at this size, loaded once per thread (a chart asks for about ten), so threads never share
    FreeType state."""
    fonts = _LOADED.__dict__.setdefault("fonts", {})
    if size not in fonts:
        fonts[size] = ImageFont.load_default(size=size)
    return fonts[size]


@functools.lru_cache(maxsize=8192)
def text_length(size: int, text: str) -> float:
    """font(size).getlength(text), kept: tick labels, units and category names come back chart after chart."""
    return font(size).getlength(text)


@functools.lru_cache(maxsize=2048)
def _mask(size: int, text: str, anchor: str):
    """The rendered coverage mask of one line of text and its offset from the anchor point, as draw.text makes
    them for an RGB or L image (the ink only matters for colour fonts)."""
    return font(size).getmask2(text, "L", anchor=anchor)


def draw_text(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, fill: str, anchor: str) -> None:
    """draw.text(xy, text, font=font(size), fill=fill, anchor=anchor) for one line at integer coordinates, pixel
    for pixel, with the rendering kept per (size, text, anchor): FreeType's rendering is most of a chart's text
    cost and the same strings recur. Anything else goes to draw.text."""
    if draw.fontmode != "L" or "\n" in text or not all(type(c) is int for c in xy):
        draw.text(xy, text, font=font(size), fill=fill, anchor=anchor)
        return
    mask, (dx, dy) = _mask(size, text, anchor)
    draw.draw.draw_bitmap((xy[0] + dx, xy[1] + dy), mask, draw._getink(fill)[0])


def check_text(text: str) -> str:
    """Refuse text the built-in font would draw as empty boxes."""
    missing = sorted(set(text) - SUPPORTED)
    if missing:
        raise ValueError(f"characters the chart font cannot draw: {''.join(missing)!r}")
    return text
