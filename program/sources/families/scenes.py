"""The scene family: 5-14 coloured circles, squares and triangles drawn by the shape_scene tool, with every count."""

import random
from collections import Counter
from typing import Any

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families.plans import OPTION_TOOLS, Step, TargetRecipe, same_inputs
from benchagent.program.sources.families.registry import SIZE, generator
from benchagent.program.tools.scenes import COLORS as SCENE_COLORS, SHAPES
from benchagent.program.tools.targets import unique_extreme

_SCENE = ["original.shapes"]
RECIPE = TargetRecipe(same_inputs({"number": "scene_number_target", "choice": "scene_number_target",
                                   "label": "scene_label_target", "binary": "scene_binary_target"}, _SCENE),
                      Step("shape_scene", [*_SCENE, "original.layout_seed"]), "number_options")


@generator(SourceCard(
    id="gen_shape_scenes", name="shape_scenes", kind="generator", modalities=["image"],
    description="Generated scenes of 5-14 coloured circles, squares and triangles drawn without overlap by "
                "the shape_scene tool. Grounds counting questions (how many red circles, how many "
                "triangles), which colour or kind of shape is most or least common, and comparisons (are "
                "there more blue squares than green triangles); every count comes from the drawn shapes.",
    fields={"theme": "str: shapes", "shapes": "list[object]: shape (circle|square|triangle) and color",
            "layout_seed": "int: decides where each shape is drawn", "n_shapes": "int",
            "counts": "object: 'color shape' -> count", "color_counts": "object", "shape_counts": "object",
            "most_common_color": "str", "most_common_shape": "str"},
    size=SIZE, license="generated",
    keywords=["counting", "object counting", "shapes", "colours", "colors", "visual reasoning", "scene",
              "compare counts", "spatial"],
    tools=["shape_scene", "scene_number_target", "scene_label_target", "scene_binary_target",
           *OPTION_TOOLS]), RECIPE)


def shape_scene_counts(rng: random.Random) -> dict[str, Any]:
    while True:
        colors = rng.sample(list(SCENE_COLORS), rng.randint(2, 4))
        shapes = [{"shape": rng.choice(SHAPES), "color": rng.choice(colors)} for _ in range(rng.randint(5, 14))]
        by_color = Counter(s["color"] for s in shapes)
        by_shape = Counter(s["shape"] for s in shapes)
        top_color, top_shape = unique_extreme(dict(by_color), True), unique_extreme(dict(by_shape), True)
        if len(by_color) > 1 and len(by_shape) > 1 and top_color and top_shape:
            break
    counts = Counter(f"{s['color']} {s['shape']}" for s in shapes)
    return {
        "theme": "shapes", "shapes": shapes, "layout_seed": rng.randrange(2**31), "n_shapes": len(shapes),
        "counts": dict(sorted(counts.items())), "color_counts": dict(sorted(by_color.items())),
        "shape_counts": dict(sorted(by_shape.items())), "most_common_color": top_color, "most_common_shape": top_shape,
    }
