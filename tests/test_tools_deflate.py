"""The PNG row compressor: whatever the rows, the stream inflates to exactly them."""

import random
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from benchagent.program.tools.deflate import blank_block, compress_rows


def _up_rows(pixels: np.ndarray) -> np.ndarray:
    height, stride = pixels.shape
    rows = np.empty((height, stride + 1), np.uint8)
    rows[:, 0] = 2
    rows[0, 1:] = pixels[0]
    np.subtract(pixels[1:], pixels[:-1], out=rows[1:, 1:])
    return rows


@pytest.mark.parametrize("stride", [1, 15, 16, 17, 255, 256, 257, 258, 259, 260, 261, 515, 516, 517, 2160, 16384])
def test_blank_runs_of_every_length_inflate_to_the_rows(stride):
    for k in [*range(1, 12), 63, 64, 65, 257, 479]:
        rows = np.zeros((k + 1, stride + 1), np.uint8)
        rows[:, 0] = 2
        rows[0, 1:] = 7
        assert zlib.decompress(compress_rows(rows)) == rows.tobytes(), (k, stride)


def test_drawn_and_random_images_inflate_to_their_rows():
    rng = random.Random(5)
    for trial in range(400):
        width, height = rng.randint(1, 300), rng.randint(1, 90)
        img = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(img)
        for _ in range(rng.randint(0, 6)):
            y = rng.randrange(height)
            draw.line([(rng.randrange(width), y), (rng.randrange(width), y)], fill=rng.choice(["black", "#4E79A7"]))
        if trial % 7 == 0:
            img = Image.effect_noise((width, height), 60).convert("RGB")
        pixels = np.asarray(img).reshape(height, 3 * width)
        rows = _up_rows(pixels)
        if trial % 11 == 0:
            rows[rng.randrange(height), 0] = rng.choice([0, 1, 3, 4])  # a row under another filter is not blank
        assert zlib.decompress(compress_rows(rows)) == rows.tobytes(), trial


def test_a_blank_block_is_byte_aligned_and_kept():
    block = blank_block(5, 2160, 2)
    assert block.endswith(b"\x00\x00\xff\xff") and blank_block(5, 2160, 2) is block
    stream = zlib.decompressobj(-15)
    assert stream.decompress(block) == (b"\x02" + bytes(2160)) * 5
