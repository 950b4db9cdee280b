"""Image operations and grids: sizes, pixels and determinism read back from the PNGs they return."""

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageStat

from benchagent.program.tools import ToolError, run_tool


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _open(result) -> Image.Image:
    return Image.open(io.BytesIO(result.images[result.output.image])).convert("RGB")


def _pattern(width=120, height=80) -> Image.Image:
    """Every pixel distinct enough to tell where a crop came from."""
    img = Image.new("RGB", (width, height))
    img.putdata([(x * 2 % 256, y * 3 % 256, (x + y) % 256) for y in range(height) for x in range(width)])
    return img


PATTERN = _png(_pattern())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 119), st.integers(0, 79), st.integers(1, 120), st.integers(1, 80))
def test_crop_keeps_exactly_the_box(x0, y0, w, h):
    x1, y1 = min(120, x0 + w), min(80, y0 + h)
    out = run_tool("crop_image", {"image": PATTERN, "box": {"x0": x0, "y0": y0, "x1": x1, "y1": y1}})
    img = _open(out)
    assert img.size == (out.output.width, out.output.height) == (x1 - x0, y1 - y0)
    source = _pattern()
    for x, y in {(0, 0), (img.width - 1, img.height - 1), (img.width // 2, img.height // 2)}:
        assert img.getpixel((x, y)) == source.getpixel((x0 + x, y0 + y))


def test_crop_and_occlusion_refuse_boxes_outside_the_image():
    for box in ({"x0": 0, "y0": 0, "x1": 121, "y1": 10}, {"x0": 5, "y0": 5, "x1": 5, "y1": 10}):
        with pytest.raises(ToolError, match="empty or outside"):
            run_tool("crop_image", {"image": PATTERN, "box": box})
    with pytest.raises(ToolError, match="outside"):
        run_tool("occlude_image", {"image": PATTERN, "box": {"x0": 100, "y0": 0, "x1": 130, "y1": 10}})


def test_resize_to_a_size_or_keeping_the_aspect_ratio():
    out = run_tool("resize_image", {"image": PATTERN, "width": 60, "height": 20})
    assert _open(out).size == (60, 20)
    out = run_tool("resize_image", {"image": PATTERN, "width": 300})
    assert _open(out).size == (300, 200) == (out.output.width, out.output.height)
    solid = _png(Image.new("RGB", (40, 30), (10, 200, 30)))
    big = _open(run_tool("resize_image", {"image": solid, "width": 97, "height": 13}))
    assert {c for _, c in big.getcolors()} == {(10, 200, 30)}


def test_noise_is_seeded_and_scales_with_amount():
    base = Image.new("RGB", (64, 64), (128, 128, 128))
    data = _png(base)
    quiet = run_tool("noise_image", {"image": data, "amount": 0, "seed": 1})
    assert _open(quiet).tobytes() == base.tobytes()
    a = run_tool("noise_image", {"image": data, "amount": 0.3, "seed": 1})
    assert a.images == run_tool("noise_image", {"image": data, "amount": 0.3, "seed": 1}).images
    assert a.images != run_tool("noise_image", {"image": data, "amount": 0.3, "seed": 2}).images
    diffs = []
    for amount in (0.1, 0.3, 0.6):
        noisy = _open(run_tool("noise_image", {"image": data, "amount": amount, "seed": 1}))
        diffs.append(sum(ImageStat.Stat(ImageChops.difference(noisy, base)).mean))
        assert max(abs(v - 128) for band in noisy.getextrema() for v in band) <= round(128 * amount) + 1
    assert diffs[0] < diffs[1] < diffs[2]


def test_blur_smooths_an_edge_and_keeps_flat_areas():
    img = Image.new("RGB", (80, 40), "white")
    img.paste((0, 0, 0), (40, 0, 80, 40))
    out = _open(run_tool("blur_image", {"image": _png(img), "radius": 3}))
    assert out.getpixel((5, 20)) == (255, 255, 255) and out.getpixel((75, 20)) == (0, 0, 0)
    assert 0 < out.getpixel((40, 20))[0] < 255 and 0 < out.getpixel((39, 20))[0] < 255


def test_occlusion_fills_exactly_its_box():
    box = {"x0": 10, "y0": 20, "x1": 50, "y1": 45}
    out = run_tool("occlude_image", {"image": PATTERN, "box": box, "color": "#123456"})
    img, source = _open(out), _pattern()
    assert out.output.box.model_dump() == box
    for y in range(img.height):
        for x in range(img.width):
            inside = 10 <= x < 50 and 20 <= y < 45
            expected = (0x12, 0x34, 0x56) if inside else source.getpixel((x, y))
            assert img.getpixel((x, y)) == expected


def test_png_inputs_are_checked_and_kept_out_of_the_json_args():
    with pytest.raises(ToolError, match="not PNG"):
        run_tool("blur_image", {"image": b"GIF89a....", "radius": 2})
    with pytest.raises(ToolError, match="not PNG"):
        run_tool("blur_image", {"image": "scene-abc.png", "radius": 2})
    result = run_tool("blur_image", {"image": PATTERN, "radius": 1})
    text = json.dumps(result.args)
    assert result.args["image"].startswith("png sha256:") and len(text) < 200


def test_grid_tiles_equal_their_inputs_with_labels_below():
    colors = [(200, 30, 30), (30, 160, 60), (40, 70, 210), (230, 180, 0), (120, 40, 150)]
    sizes = [(60, 40), (50, 50), (70, 30), (40, 60), (66, 44)]
    tiles = [_pattern(*sizes[0])] + [Image.new("RGB", size, c) for size, c in zip(sizes[1:], colors[1:], strict=True)]
    out = run_tool("image_grid", {"images": [_png(t) for t in tiles], "labels": "letter"})
    grid = _open(out)
    assert (out.output.columns, out.output.rows) == (3, 2) and out.output.labels == ["A", "B", "C", "D", "E"]
    for tile, box in zip(tiles, out.output.tiles, strict=True):
        assert (box.x1 - box.x0, box.y1 - box.y0) == tile.size
        assert grid.crop((box.x0, box.y0, box.x1, box.y1)).tobytes() == tile.tobytes()
    cell_h = max(h for _, h in sizes)
    for box in out.output.tiles:
        band = [(x, y) for x in range(box.x0, box.x1) for y in range(box.y1, box.y1 + cell_h + 26 - (box.y1 - box.y0))]
        assert any(sum(grid.getpixel(p)) < 300 for p in band)
    again = run_tool("image_grid", {"images": [_png(t) for t in tiles], "labels": "letter"})
    assert again.images == out.images


@pytest.mark.parametrize("n, columns, shape", [(4, None, (2, 2)), (9, None, (3, 3)), (3, 1, (1, 3)), (6, 4, (4, 2))])
def test_grid_layouts(n, columns, shape):
    images = [_png(Image.new("RGB", (20, 20), (i * 20, 0, 0))) for i in range(n)]
    out = run_tool("image_grid", {"images": images, "columns": columns, "labels": "none", "gap": 0}).output
    assert (out.columns, out.rows) == shape and (out.width, out.height) == (20 * shape[0], 20 * shape[1])
    assert out.labels == [""] * n
    assert [(b.x0, b.y0) for b in out.tiles] == [(20 * (i % shape[0]), 20 * (i // shape[0])) for i in range(n)]
