"""Inline PNG images in terminals that can show them: the kitty graphics protocol or iTerm2's inline images."""

import base64
from collections.abc import Mapping

KITTY_CHUNK = 4096  # the kitty protocol takes base64 payloads in chunks of at most 4096 bytes
ITERM_PROGRAMS = ("iTerm.app", "WezTerm")


def image_protocol(env: Mapping[str, str]) -> str | None:
    """'kitty', 'iterm' or None, from the terminal's environment variables."""
    if env.get("KITTY_WINDOW_ID") or "kitty" in env.get("TERM", ""):
        return "kitty"
    if env.get("TERM_PROGRAM") in ITERM_PROGRAMS or env.get("LC_TERMINAL") == "iTerm2":
        return "iterm"
    return None


def inline_png(png: bytes, protocol: str, *, width_cells: int = 60) -> str:
    """The escape sequence that draws png inline, width_cells columns wide, then a newline."""
    data = base64.standard_b64encode(png).decode("ascii")
    if protocol == "iterm":
        return f"\033]1337;File=inline=1;size={len(png)};width={width_cells};preserveAspectRatio=1:{data}\a\n"
    if protocol != "kitty":
        raise ValueError(f"unknown image protocol {protocol!r}")
    chunks = [data[i:i + KITTY_CHUNK] for i in range(0, len(data), KITTY_CHUNK)] or [""]
    out = []
    for n, chunk in enumerate(chunks):
        more = int(n < len(chunks) - 1)
        head = f"a=T,f=100,c={width_cells},m={more}" if n == 0 else f"m={more}"
        out.append(f"\033_G{head};{chunk}\033\\")
    return "".join(out) + "\n"
