"""Image operations on PNG bytes: crop, resize, seeded noise, blur and an occlusion box; each returns a new PNG."""

import random
from typing import Annotated

from PIL import Image, ImageDraw, ImageFilter
from pydantic import Field, model_validator

from benchagent.program.tools.charts import Box
from benchagent.program.tools.png import MAX_SIDE, Png, decode_png, encode_png
from benchagent.program.tools.registry import ToolInput, ToolOutput, tool

HexColor = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]


class ImageOutput(ToolOutput):
    image: str = Field(description="name of the PNG in the tool result's images")
    width: int
    height: int


def _output(img: Image.Image, stem: str) -> ImageOutput:
    name, data = encode_png(img, stem)
    return ImageOutput(image=name, images={name: data}, width=img.width, height=img.height)


def _inside(box: Box, img: Image.Image) -> None:
    if not (0 <= box.x0 < box.x1 <= img.width and 0 <= box.y0 < box.y1 <= img.height):
        raise ValueError(f"box ({box.x0}, {box.y0}, {box.x1}, {box.y1}) is empty or outside the "
                         f"{img.width}x{img.height} image")


class CropArgs(ToolInput):
    image: Png
    box: Box = Field(description="half-open pixel box to keep")


@tool("crop_image", "Crop a PNG to a half-open pixel box.")
def crop_image(args: CropArgs) -> ImageOutput:
    img = decode_png(args.image)
    _inside(args.box, img)
    return _output(img.crop((args.box.x0, args.box.y0, args.box.x1, args.box.y1)), "crop")


class ResizeArgs(ToolInput):
    image: Png
    width: int = Field(ge=1, le=MAX_SIDE)
    height: int | None = Field(None, ge=1, le=MAX_SIDE, description="default: keep the aspect ratio")


@tool("resize_image", "Resize a PNG to a width and height (height defaults to keeping the aspect ratio).")
def resize_image(args: ResizeArgs) -> ImageOutput:
    img = decode_png(args.image)
    height = args.height or max(1, round(img.height * args.width / img.width))
    return _output(img.resize((args.width, height), Image.Resampling.LANCZOS), "resize")


class NoiseArgs(ToolInput):
    image: Png
    amount: float = Field(ge=0, le=1, description="weight of uniform random noise blended in: 0 none, 1 only noise")
    seed: int


@tool("noise_image", "Blend seeded uniform random noise into a PNG; amount 0 keeps it, 1 replaces it.")
def noise_image(args: NoiseArgs) -> ImageOutput:
    img = decode_png(args.image)
    rng = random.Random(f"noise:{args.seed}")
    noise = Image.frombytes("RGB", img.size, rng.randbytes(img.width * img.height * 3))
    return _output(Image.blend(img, noise, args.amount), "noise")


class BlurArgs(ToolInput):
    image: Png
    radius: float = Field(gt=0, le=50, description="Gaussian blur radius in pixels")


@tool("blur_image", "Gaussian-blur a PNG with a radius in pixels.")
def blur_image(args: BlurArgs) -> ImageOutput:
    return _output(decode_png(args.image).filter(ImageFilter.GaussianBlur(args.radius)), "blur")


class OcclusionArgs(ToolInput):
    image: Png
    box: Box = Field(description="half-open pixel box to cover")
    color: HexColor = "#808080"

    @model_validator(mode="after")
    def _nonempty(self):
        if self.box.x1 <= self.box.x0 or self.box.y1 <= self.box.y0:
            raise ValueError("occlusion box is empty")
        return self


class OcclusionOutput(ImageOutput):
    box: Box


@tool("occlude_image", "Cover a half-open pixel box of a PNG with a solid colour.")
def occlude_image(args: OcclusionArgs) -> OcclusionOutput:
    img = decode_png(args.image)
    _inside(args.box, img)
    ImageDraw.Draw(img).rectangle([args.box.x0, args.box.y0, args.box.x1 - 1, args.box.y1 - 1], fill=args.color)
    name, data = encode_png(img, "occlude")
    return OcclusionOutput(image=name, images={name: data}, width=img.width, height=img.height, box=args.box)
