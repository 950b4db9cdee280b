"""Shape scenes: coloured circles, squares and triangles placed without overlap on a seeded grid, each
returned with its bounding box, and question targets that count or compare them."""

import random
from collections import Counter
from typing import Literal

from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, Field

from benchagent.program.tools.charts import Box
from benchagent.program.tools.png import encode_png
from benchagent.program.tools.registry import ToolInput, ToolOutput, tool
from benchagent.program.tools.targets import Target, narrowed, unique_extreme

WIDTH, HEIGHT, CELL, MARGIN = 600, 400, 100, 8
COLORS = {"red": "#D62728", "blue": "#1F5FD6", "green": "#2CA02C", "yellow": "#F2C500", "purple": "#8E44AD",
          "orange": "#FF7F0E"}
SHAPES = ("circle", "square", "triangle")
BACKGROUND = "#FFFFFF"
CONTEXT = "an image of coloured circles, squares and triangles on a white background"


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shape: Literal["circle", "square", "triangle"]
    color: Literal["red", "blue", "green", "yellow", "purple", "orange"]


class PlacedShape(Shape):
    box: Box = Field(description="half-open pixel box the shape is drawn in")
    fill: str = Field(description="hex colour drawn")


class SceneArgs(ToolInput):
    shapes: list[Shape] = Field(min_length=1, max_length=(WIDTH // CELL) * (HEIGHT // CELL))
    layout_seed: int = Field(description="decides cells, sizes and offsets; same seed, same picture")


class SceneOutput(ToolOutput):
    image: str = Field(description="name of the PNG in the tool result's images")
    width: int
    height: int
    shapes: list[PlacedShape] = Field(description="every shape drawn, in input order")


def _layout(n: int, seed: int) -> list[Box]:
    """n boxes in distinct grid cells, each with a random size and offset inside its cell's margins."""
    rng = random.Random(f"scene:{seed}")
    cells = rng.sample([(c, r) for r in range(HEIGHT // CELL) for c in range(WIDTH // CELL)], n)
    boxes = []
    for c, r in cells:
        size = rng.randint(44, CELL - 2 * MARGIN)
        x0 = c * CELL + MARGIN + rng.randint(0, CELL - 2 * MARGIN - size)
        y0 = r * CELL + MARGIN + rng.randint(0, CELL - 2 * MARGIN - size)
        boxes.append(Box(x0=x0, y0=y0, x1=x0 + size, y1=y0 + size))
    return boxes


def _draw(draw: ImageDraw.ImageDraw, shape: str, box: Box, fill: str) -> None:
    corners = [box.x0, box.y0, box.x1 - 1, box.y1 - 1]
    if shape == "circle":
        draw.ellipse(corners, fill=fill)
    elif shape == "square":
        draw.rectangle(corners, fill=fill)
    else:
        draw.polygon([(box.x0, box.y1 - 1), ((box.x0 + box.x1 - 1) / 2, box.y0), (box.x1 - 1, box.y1 - 1)], fill=fill)


@tool("shape_scene", "Draw coloured circles, squares and triangles without overlap; returns each shape's bounding box.")
def shape_scene(args: SceneArgs) -> SceneOutput:
    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    placed = []
    for spec, box in zip(args.shapes, _layout(len(args.shapes), args.layout_seed), strict=True):
        _draw(draw, spec.shape, box, COLORS[spec.color])
        placed.append(PlacedShape(shape=spec.shape, color=spec.color, box=box, fill=COLORS[spec.color]))
    name, data = encode_png(img, "shape_scene")
    return SceneOutput(image=name, images={name: data}, width=WIDTH, height=HEIGHT, shapes=placed)


def plural(shape: str) -> str:
    return f"{shape}s"


class SceneTargetArgs(ToolInput):
    shapes: list[Shape] = Field(min_length=1)
    seed: int
    asks: list[str] | None = Field(None, description="the kinds of question allowed (default: every kind)")


def _facts(shapes: list[Shape]) -> str:
    counts = Counter((s.color, s.shape) for s in shapes)
    parts = [f"{n} {c} {s if n == 1 else plural(s)}" for (c, s), n in sorted(counts.items())]
    return f"the image shows {len(shapes)} shapes: " + ", ".join(parts)


def _groups(shapes: list[Shape]) -> dict[str, tuple[str, int, dict]]:
    """Every group a question may count: phrase, count, and the query naming it."""
    groups = {}
    for color in sorted({s.color for s in shapes}):
        groups[f"{color} shapes"] = (f"{color} shapes", sum(s.color == color for s in shapes), {"color": color})
    for shape in sorted({s.shape for s in shapes}):
        groups[plural(shape)] = (plural(shape), sum(s.shape == shape for s in shapes), {"shape": shape})
    for color, shape in sorted({(s.color, s.shape) for s in shapes}):
        n = sum(s.color == color and s.shape == shape for s in shapes)
        groups[f"{color} {plural(shape)}"] = (f"{color} {plural(shape)}", n, {"color": color, "shape": shape})
    return groups


def _target(args: SceneTargetArgs, goal: str, answer: str, pool: list[str], query: dict) -> Target:
    return Target(goal=goal, answer=answer, context=CONTEXT, facts=_facts(args.shapes), label_pool=pool, query=query)


def _distracted(query: dict, shapes: list[Shape]) -> bool:
    """The image holds a shape of the colour asked but another kind, and one of the kind asked but another colour."""
    return any(s.color == query["color"] and s.shape != query["shape"] for s in shapes) and any(
        s.shape == query["shape"] and s.color != query["color"] for s in shapes)


@tool("scene_number_target",
      "Ask how many shapes of a colour, a kind, or both there are; the answer is the exact count.",
      asks={"colour": ("given colour", "given color", "one colour", "one color", "of a colour", "of a color",
                       "each colour", "each color", "by colour", "by color"),
            "kind": ("given shape", "given kind", "kind of shape", "type of shape", "shape type", "by shape"),
            "colour and kind": ("colour and shape", "color and shape", "colour and kind", "color and kind",
                                "colour and type", "color and type", "colour and one", "color and one"),
            **{plural(shape): (shape,) for shape in SHAPES},
            **{f"{color} {plural(shape)}": (f"{color} {shape}",) for color in COLORS for shape in SHAPES}},
      instances={**{plural(shape): "kind" for shape in SHAPES},
                 **{f"{color} {plural(shape)}": "colour and kind" for color in COLORS for shape in SHAPES}})
def scene_number_target(args: SceneTargetArgs) -> Target:
    rng = random.Random(args.seed)
    by = {"colour": [], "kind": [], "colour and kind": []}
    for group in _groups(args.shapes).values():
        by[{("color",): "colour", ("shape",): "kind"}.get(tuple(group[2]), "colour and kind")].append(group)
    by |= {plural(shape): [(plural(shape), sum(s.shape == shape for s in args.shapes), {"shape": shape})]
           for shape in SHAPES}  # one named kind, counted in every colour, none drawn included
    by |= {f"{color} {plural(shape)}": [(f"{color} {plural(shape)}", sum(
        s.color == color and s.shape == shape for s in args.shapes), {"color": color, "shape": shape})]
        for color in COLORS for shape in SHAPES}  # one named colour and kind, none drawn included
    kinds = narrowed(by, args.asks, default=("colour", "kind", "colour and kind"))
    if guarded := [g for g in kinds.get("colour and kind", []) if _distracted(g[2], args.shapes)]:
        kinds = {**kinds, "colour and kind": guarded}
    phrase, count, query = rng.choice([g for groups in kinds.values() for g in groups])
    goal = f"how many {phrase} there are in the image; the answer is a number"
    return _target(args, goal, str(count), [], {"count": query})


@tool("scene_label_target",
      "Ask which colour or which shape kind occurs most (or least) often; the answer is its name.")
def scene_label_target(args: SceneTargetArgs) -> Target:
    rng = random.Random(args.seed)
    questions = []
    for attribute, names in (("color", list(COLORS)), ("shape", list(SHAPES))):
        counts = Counter(getattr(s, attribute) for s in args.shapes)
        for largest in (True, False):
            if len(counts) > 1 and (winner := unique_extreme(dict(counts), largest)):
                questions.append((attribute, largest, winner, names))
    if not questions:
        raise ValueError("no colour or shape kind is uniquely the most or least common")
    attribute, largest, winner, names = rng.choice(questions)
    what = "colour" if attribute == "color" else "kind of shape"
    how = "occurs most often among the shapes" if largest else "that appears in the image occurs least often"
    goal = f"which {what} {how}; the answer is its name"
    return _target(args, goal, winner, names, {"attribute": attribute, "largest": largest})


def _nested(a: dict, b: dict) -> bool:
    """One group contains the other (red circles within red shapes): comparing them is trivial."""
    return a.items() <= b.items() or b.items() <= a.items()


@tool("scene_binary_target", "Ask whether there are more shapes in one group than in another; the answer is yes or no.")
def scene_binary_target(args: SceneTargetArgs) -> Target:
    rng = random.Random(args.seed)
    groups = list(_groups(args.shapes).values())
    pairs = [(a, b) for a in groups for b in groups if a[1] > b[1] and not _nested(a[2], b[2])]
    if not pairs:
        raise ValueError("no two unrelated groups differ in count")
    a, b = rng.choice(pairs)
    if rng.random() < 0.5:
        a, b = b, a
    goal = f"whether there are more {a[0]} than {b[0]} in the image (answer yes or no)"
    return _target(args, goal, "yes" if a[1] > b[1] else "no", [], {"more": a[2], "than": b[2]})
