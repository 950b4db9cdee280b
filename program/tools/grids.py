"""Image grids: PNG tiles laid out row by row in equal cells, framed when the gap allows, each optionally labelled
1, 2, 3 or A, B, C below it."""

import math
import string
from typing import Literal

from PIL import Image, ImageDraw
from pydantic import Field

from benchagent.program.tools.charts import Box
from benchagent.program.tools.fonts import font
from benchagent.program.tools.png import MAX_SIDE, Png, decode_png, encode_png
from benchagent.program.tools.registry import ToolInput, ToolOutput, tool

LABEL_BAND, TEXT, FRAME = 26, "#222222", "#AAAAAA"


class GridArgs(ToolInput):
    images: list[Png] = Field(min_length=1, max_length=16)
    columns: int | None = Field(None, ge=1, le=16, description="default: ceil(sqrt(number of images))")
    labels: Literal["none", "number", "letter"] = "number"
    gap: int = Field(12, ge=0, le=100, description="pixels between cells and around the grid")
    background: str = Field("#FFFFFF", pattern=r"^#[0-9A-Fa-f]{6}$")


class GridOutput(ToolOutput):
    image: str = Field(description="name of the PNG in the tool result's images")
    width: int
    height: int
    columns: int
    rows: int
    tiles: list[Box] = Field(description="where each input image was pasted, unscaled, in input order")
    labels: list[str] = Field(description="the label drawn under each tile, empty when none")


def _label(index: int, style: str) -> str:
    return {"none": "", "number": str(index + 1), "letter": string.ascii_uppercase[index]}[style]


@tool("image_grid",
      "Lay PNG images out in a grid (e.g. 2x2, 3x3), unscaled and centred in equal cells, with index labels.")
def image_grid(args: GridArgs) -> GridOutput:
    tiles = [decode_png(data) for data in args.images]
    columns = min(args.columns or math.ceil(math.sqrt(len(tiles))), len(tiles))
    rows = math.ceil(len(tiles) / columns)
    cell_w, cell_h = max(t.width for t in tiles), max(t.height for t in tiles)
    band = LABEL_BAND if args.labels != "none" else 0
    width = columns * cell_w + (columns + 1) * args.gap
    height = rows * (cell_h + band) + (rows + 1) * args.gap
    if max(width, height) > MAX_SIDE:
        raise ValueError(f"grid {width}x{height} exceeds {MAX_SIDE} pixels a side")
    canvas = Image.new("RGB", (width, height), args.background)
    draw, f = ImageDraw.Draw(canvas), font(16)
    boxes, labels = [], []
    for i, tile in enumerate(tiles):
        row, col = divmod(i, columns)
        cx = args.gap + col * (cell_w + args.gap)
        cy = args.gap + row * (cell_h + band + args.gap)
        x0, y0 = cx + (cell_w - tile.width) // 2, cy + (cell_h - tile.height) // 2
        canvas.paste(tile, (x0, y0))
        boxes.append(Box(x0=x0, y0=y0, x1=x0 + tile.width, y1=y0 + tile.height))
        if args.gap >= 2:
            draw.rectangle([x0 - 1, y0 - 1, x0 + tile.width, y0 + tile.height], outline=FRAME)
        labels.append(_label(i, args.labels))
        if band:
            draw.text((cx + cell_w // 2, cy + cell_h + band // 2), labels[-1], font=f, fill=TEXT, anchor="mm")
    name, data = encode_png(canvas, "grid")
    return GridOutput(image=name, images={name: data}, width=width, height=height, columns=columns, rows=rows,
                      tiles=boxes, labels=labels)
