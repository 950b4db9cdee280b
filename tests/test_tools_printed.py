"""Printed numbers: drawn as PNGs, asked exactly as printed, with misreadings for distractors."""

import io

import pytest
from PIL import Image

from benchagent.program.tools import ToolError, run_tool
from benchagent.program.tools.printed import misreadings


@pytest.mark.parametrize("text", ["4,382.75", "907", "-3.5", "1,204,118"])
def test_number_image_prints_the_number_on_a_white_card(text):
    done = run_tool("number_image", {"text": text, "size": 40})
    with Image.open(io.BytesIO(done.images[done.result["image"]])) as img:
        assert img.format == "PNG" and img.size == (done.result["width"], done.result["height"])
        dark = sum(img.convert("L").point(lambda p: 255 if p < 100 else 0).histogram()[255:])
    assert dark > 20 * len(text)  # ink for every character


@pytest.mark.parametrize("text", ["4,382.75", "907", "12", "-3.5", "0.25"])
def test_target_asks_the_printed_number_and_misreadings_are_near_misses(text):
    result = run_tool("printed_number_target", {"text": text, "seed": 4}).result
    gold, *wrong = result["options"]
    assert gold == result["answer"] == text and len(set(result["options"])) == 4
    for option in wrong:
        assert len(option) == len(text) and sum(a != b for a, b in zip(option, text, strict=True)) <= 2
        assert [c for c in option if not c.isdigit()] == [c for c in text if not c.isdigit()]
    assert run_tool("printed_number_target", {"text": text, "seed": 4, "plain": True}).result["answer"] == \
        text.replace(",", "")


def test_misreadings_are_seeded_and_what_is_not_a_number_is_refused():
    assert misreadings("4,382.75", 1) == misreadings("4,382.75", 1) != misreadings("4,382.75", 2)
    with pytest.raises(ToolError):
        run_tool("printed_number_target", {"text": "twelve", "seed": 0})


def test_molar_mass_target_checks_the_formula_and_miscounts_for_distractors():
    result = run_tool("molar_mass_target", {"formula": "Ca(OH)2", "seed": 0}).result
    assert result["answer"] == "74.09" and result["query"] == {"formula": "Ca(OH)2"}
    assert result["options"][0] == "74.09" and len(set(result["options"])) == 4
    assert all(abs(float(o) - 74.09) >= 0.5 for o in result["options"][1:])
    for bad in ("Xx2", "water", "O2", "import os"):
        with pytest.raises(ToolError):
            run_tool("molar_mass_target", {"formula": bad, "seed": 0})
    with pytest.raises(ToolError, match="holds no nitrogen"):  # a copied example, not the compound asked for
        run_tool("molar_mass_target", {"formula": "Ca(OH)2", "seed": 0, "element": "nitrogen"})
    assert run_tool("molar_mass_target", {"formula": "Al2O3", "seed": 0, "element": "aluminium"}).result["answer"]
