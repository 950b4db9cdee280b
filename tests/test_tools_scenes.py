"""Shape scenes: the pixels hold exactly the listed shapes in their boxes, and the targets' answers are the counts."""

import io
from collections import Counter, deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageColor

from benchagent.program.tools import ToolError, run_tool
from benchagent.program.tools.scenes import COLORS, SHAPES

shape_specs = st.builds(lambda s, c: {"shape": s, "color": c}, st.sampled_from(SHAPES), st.sampled_from(sorted(COLORS)))
WHITE = (255, 255, 255)
SCENE = [{"shape": s, "color": c} for s, c in [("circle", "red"), ("circle", "red"), ("square", "blue"),
                                               ("triangle", "green"), ("triangle", "red"), ("square", "blue"),
                                               ("circle", "yellow")]]


def _render(shapes, layout_seed=1):
    result = run_tool("shape_scene", {"shapes": shapes, "layout_seed": layout_seed})
    return Image.open(io.BytesIO(result.images[result.output.image])).convert("RGB"), result.output


def _components(img, rgb):
    """Bounding boxes (x0, y0, x1, y1, half-open) of the 4-connected regions of exactly this colour."""
    w, h = img.size
    px = img.load()
    seen, boxes = set(), []
    for y in range(h):
        for x in range(w):
            if (x, y) in seen or px[x, y] != rgb:
                continue
            queue, box = deque([(x, y)]), [x, y, x, y]
            seen.add((x, y))
            while queue:
                cx, cy = queue.popleft()
                box = [min(box[0], cx), min(box[1], cy), max(box[2], cx), max(box[3], cy)]
                for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                    if 0 <= nx < w and 0 <= ny < h and (nx, ny) not in seen and px[nx, ny] == rgb:
                        seen.add((nx, ny))
                        queue.append((nx, ny))
            boxes.append((box[0], box[1], box[2] + 1, box[3] + 1))
    return boxes


def test_each_colour_has_one_region_per_listed_shape_filling_its_box():
    img, out = _render(SCENE)
    assert [(s.shape, s.color) for s in out.shapes] == [(s["shape"], s["color"]) for s in SCENE]
    for color in {s["color"] for s in SCENE}:
        regions = sorted(_components(img, ImageColor.getrgb(COLORS[color])))
        boxes = sorted((s.box.x0, s.box.y0, s.box.x1, s.box.y1) for s in out.shapes if s.color == color)
        assert regions == boxes
    drawn = {ImageColor.getrgb(COLORS[s["color"]]) for s in SCENE}
    assert {rgb for _, rgb in img.getcolors(maxcolors=16)} == {WHITE} | drawn


def test_shapes_are_told_apart_by_their_pixels():
    img, out = _render(SCENE, layout_seed=9)
    for s in out.shapes:
        b = s.box
        area = (b.x1 - b.x0) * (b.y1 - b.y0)
        fill = ImageColor.getrgb(s.fill)
        filled = sum(img.getpixel((x, y)) == fill for x in range(b.x0, b.x1) for y in range(b.y0, b.y1))
        share = filled / area
        expected = {"square": (0.99, 1.0), "circle": (0.75, 0.82), "triangle": (0.45, 0.56)}[s.shape]
        assert expected[0] <= share <= expected[1], (s.shape, share)
        if s.shape == "triangle":
            assert img.getpixel((b.x0 + 1, b.y0 + 1)) == WHITE and img.getpixel(((b.x0 + b.x1) // 2, b.y0 + 1)) != WHITE


@settings(max_examples=40, deadline=None)
@given(st.lists(shape_specs, min_size=1, max_size=24), st.integers(0, 2**31))
def test_any_scene_is_deterministic_inside_the_canvas_and_never_overlaps(shapes, seed):
    first = run_tool("shape_scene", {"shapes": shapes, "layout_seed": seed})
    assert first.images == run_tool("shape_scene", {"shapes": shapes, "layout_seed": seed}).images
    boxes = [s.box for s in first.output.shapes]
    for i, a in enumerate(boxes):
        assert 0 <= a.x0 < a.x1 <= first.output.width and 0 <= a.y0 < a.y1 <= first.output.height
        assert a.x1 - a.x0 == a.y1 - a.y0 >= 44
        for b in boxes[i + 1:]:
            assert a.x1 + 4 <= b.x0 or b.x1 + 4 <= a.x0 or a.y1 + 4 <= b.y0 or b.y1 + 4 <= a.y0


def test_too_many_shapes_or_unknown_colours_are_refused():
    with pytest.raises(ToolError, match="at most 24"):
        run_tool("shape_scene", {"shapes": SCENE * 4, "layout_seed": 0})
    with pytest.raises(ToolError, match="color"):
        run_tool("shape_scene", {"shapes": [{"shape": "circle", "color": "pink"}], "layout_seed": 0})


def _count(shapes, group):
    return sum(all(s[k] == v for k, v in group.items()) for s in shapes)


@settings(max_examples=60, deadline=None)
@given(st.lists(shape_specs, min_size=2, max_size=16), st.integers(0, 2**31))
def test_targets_answer_with_the_true_counts(shapes, seed):
    args = {"shapes": shapes, "seed": seed}
    number = run_tool("scene_number_target", args).output
    assert number.answer == str(_count(shapes, number.query["count"])) and int(number.answer) >= 1
    assert "how many" in number.goal and number.answer not in number.goal.split()
    try:
        label = run_tool("scene_label_target", args).output
    except ToolError:
        label = None
    if label:
        counts = Counter(s[label.query["attribute"]] for s in shapes)
        best = (max if label.query["largest"] else min)(counts.values())
        assert [k for k, v in counts.items() if v == best] == [label.answer]
        assert label.answer in label.label_pool and not any(name in label.goal for name in label.label_pool)
    try:
        binary = run_tool("scene_binary_target", args).output
    except ToolError:
        return
    more, than = binary.query["more"], binary.query["than"]
    assert not (more.items() <= than.items() or than.items() <= more.items())
    assert binary.answer == ("yes" if _count(shapes, more) > _count(shapes, than) else "no")
    assert _count(shapes, more) != _count(shapes, than)


def test_targets_describe_the_scene_for_text_checkers():
    out = run_tool("scene_number_target", {"shapes": SCENE, "seed": 1}).output
    assert out.facts == ("the image shows 7 shapes: 2 blue squares, 1 green triangle, 2 red circles, 1 red triangle, "
                         "1 yellow circle")
    assert out.context.startswith("an image") and "7" not in out.context
