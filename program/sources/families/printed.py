"""The printed-number family: numbers as printed on receipts, signs and forms, drawn by the number_image tool; the
distractors are misreadings."""

import random
from typing import Any

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families.plans import PHRASE, PLACE_GOLD, TARGET_OUTPUTS, answer_output
from benchagent.program.sources.families.registry import SIZE, generator
from benchagent.signatures import PlanStep, TransformPlan


def printed_plan(answer_type: str) -> TransformPlan | None:
    """The printed number is the target -> its image is drawn -> misreadings are the options, for choice -> question."""
    if answer_type not in ("number", "choice"):
        return None
    choice = answer_type == "choice"
    steps = [
        PlanStep(kind="PURE", tool="printed_number_target",
                 inputs=["original.text", "slot.seed", *([] if choice else ["=true:plain"])],
                 outputs=[*TARGET_OUTPUTS, answer_output(answer_type), *(["interim.options"] if choice else [])],
                 instruction="ask the number as printed; misreadings are the distractors"),
        PlanStep(kind="PURE", tool="number_image", inputs=["original.text", "original.size"],
                 outputs=["final.input.image:image"], instruction="print the number as an image"),
    ]
    return TransformPlan(kind="metadata_rich", steps=[*steps, *([PLACE_GOLD] if choice else []), PHRASE])


@generator(SourceCard(
    id="gen_printed_numbers", name="printed_numbers", kind="generator", modalities=["image"],
    description="Generated images of printed numbers (plain integers, integers of 1,000 or more with "
                "comma thousands separators, prices with cents, decimals, negatives) drawn by the number_image "
                "tool. Grounds reading a printed number exactly (OCR-style number recognition); distractors are "
                "misreadings: a confusable digit or two neighbouring digits exchanged.",
    fields={"theme": "str: numbers",
            "kind": "str: named one of plain | comma | price | decimal | negative",
            "text": "str: the number as printed", "value": "float: the number printed, as a value",
            "size": "int: font size in pixels"},
    size=SIZE, license="generated",
    keywords=["printed numbers", "number recognition", "OCR", "digits", "reading numbers", "text in images",
              "receipts", "document images", "visual reading"],
    tools=["number_image", "printed_number_target", "shuffle_options"]), printed_plan)


def printed_number(rng: random.Random) -> dict[str, Any]:
    """A number as it is printed on a receipt, a sign or a form: 2-7 digits, thousands separators, prices with
    cents, decimals, now and then a negative; drawn by number_image at a size of 28-64 pixels."""
    kind = rng.choice(["plain", "comma", "price", "decimal", "negative"])
    whole = rng.randint(1_000, 9_999_999) if kind == "comma" else rng.randint(10, 99_999)
    text = {"plain": str(whole), "comma": f"{whole:,}",
            "price": f"{rng.randint(1, 99_999):,}.{rng.randint(0, 99):02d}",
            "decimal": f"{rng.randint(0, 999)}.{rng.randint(1, 9999)}", "negative": f"-{rng.randint(1, 9999)}"}[kind]
    return {"theme": "numbers", "kind": kind, "text": text, "value": float(text.replace(",", "")),
            "size": rng.randint(28, 64)}
