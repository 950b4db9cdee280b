"""Image operations on PNG bytes: crop, resize, seeded noise, blur, an occlusion box and seeded degradations; each
returns a new PNG."""

import io
import random
from typing import Annotated, Literal, get_args

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


Degradation = Literal["blur", "noise", "low_resolution", "rotation", "low_contrast", "jpeg"]
DEGRADATIONS: tuple[str, ...] = get_args(Degradation)


class DegradeArgs(ToolInput):
    image: Png
    kinds: list[Degradation] = Field(min_length=1, description="the degradations to choose among")
    share: float = Field(1.0, ge=0, le=1, description="fraction of images degraded; the others pass unchanged")
    seed: int


class DegradeOutput(ImageOutput):
    degradation: str = Field(description="what was done to the image, or 'none'")


def _degraded(img: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    """One degradation at a strength drawn from a range that keeps drawn text and marks legible."""
    if kind == "blur":
        return img.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 1.8)))
    if kind == "noise":
        noise = Image.frombytes("RGB", img.size, rng.randbytes(img.width * img.height * 3))
        return Image.blend(img, noise, rng.uniform(0.15, 0.28))
    if kind == "low_resolution":
        scale = rng.uniform(0.45, 0.6)
        small = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.Resampling.BOX)
        return small.resize(img.size, Image.Resampling.NEAREST)
    if kind == "rotation":
        angle = rng.uniform(4, 12) * rng.choice((-1, 1))
        return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="#FFFFFF")
    if kind == "low_contrast":
        return Image.blend(img, Image.new("RGB", img.size, "#808080"), rng.uniform(0.45, 0.6))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=rng.randint(8, 15))
    with Image.open(io.BytesIO(buf.getvalue())) as jpeg:
        return jpeg.convert("RGB")


@tool("degrade_image", "Degrade a PNG in one of the given ways (blur, noise, low_resolution, rotation, low_contrast, "
                       "jpeg), the way and its strength chosen by the seed; a share under 1 leaves some images clean.")
def degrade_image(args: DegradeArgs) -> DegradeOutput:
    rng = random.Random(f"degrade:{args.seed}")
    img = decode_png(args.image)
    kind = rng.choice(args.kinds) if rng.random() < args.share else "none"
    out = img if kind == "none" else _degraded(img, kind, rng)
    name, data = encode_png(out, f"degraded-{kind}")
    return DegradeOutput(image=name, images={name: data}, width=out.width, height=out.height, degradation=kind)
