"""Printed numbers: a number drawn as an image, and the question of what it reads, with distractors a misreading
would give (confusable digits swapped in, neighbouring digits exchanged)."""

import random
import re

from PIL import Image, ImageDraw
from pydantic import Field

from benchagent.program.tools.fonts import font
from benchagent.program.tools.images import ImageOutput
from benchagent.program.tools.png import encode_png
from benchagent.program.tools.registry import ToolInput, tool
from benchagent.program.tools.targets import Target

NUMBER = r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+(\.\d+)?"
CONFUSABLE = {"0": "86", "1": "74", "2": "7", "3": "85", "4": "19", "5": "63", "6": "508", "7": "12", "8": "360",
              "9": "47"}


class NumberText(ToolInput):
    text: str = Field(pattern=rf"^({NUMBER})$", max_length=24, description="the number as printed, e.g. 4,382.75")


class PrintArgs(NumberText):
    size: int = Field(40, ge=12, le=120, description="font size in pixels")


@tool("number_image", "Print a number in black on a white card as a PNG.")
def number_image(args: PrintArgs) -> ImageOutput:
    f = font(args.size)
    left, top, right, bottom = f.getbbox(args.text)
    pad = args.size // 2
    img = Image.new("RGB", (right - left + 2 * pad, bottom - top + 2 * pad), "#FFFFFF")
    ImageDraw.Draw(img).text((pad - left, pad - top), args.text, font=f, fill="#111111")
    name, data = encode_png(img, "number")
    return ImageOutput(image=name, images={name: data}, width=img.width, height=img.height)


class NumberTargetArgs(NumberText):
    seed: int
    plain: bool = Field(False, description="answer without thousands separators, for numeric answers")


class NumberTarget(Target):
    options: list[str] = Field(description="the printed number first, then three misreadings")


def misreadings(text: str, seed: int) -> list[str]:
    """Three distinct misreadings of text: one confusable digit replaced, or two neighbouring digits exchanged."""
    rng = random.Random(f"misread:{seed}")
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    found: list[str] = []
    for _ in range(200):
        chars = list(text)
        if rng.random() < 0.7 or len(digits) < 2:
            i = rng.choice(digits)
            chars[i] = rng.choice(CONFUSABLE[chars[i]])
        else:
            k = rng.randrange(len(digits) - 1)
            i, j = digits[k], digits[k + 1]
            chars[i], chars[j] = chars[j], chars[i]
        wrong = "".join(chars)
        leading_zero = re.match(r"-?0\d", wrong)
        if wrong != text and wrong not in found and not leading_zero:
            found.append(wrong)
        if len(found) == 3:
            return found
    raise ValueError(f"{text!r} has too few digits to misread three ways")


@tool("printed_number_target", "Ask what number is printed in an image; the answer is the number as printed and the "
                               "distractors are misreadings of it.")
def printed_number_target(args: NumberTargetArgs) -> NumberTarget:
    return NumberTarget(goal="the number printed in the image, exactly as printed",
                        answer=args.text.replace(",", "") if args.plain else args.text,
                        context="an image of a printed number", facts=f"the image shows the number {args.text}",
                        label_pool=[], query={"printed": args.text},
                        options=[args.text, *misreadings(args.text, args.seed)])
