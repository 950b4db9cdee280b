"""The chemistry family: the model proposes a compound of a family holding an element; periodictable checks its
formula and computes the molar mass, so the answer never rests on the model."""

import random
from typing import Any

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families.plans import PHRASE, PLACE_GOLD, TARGET_OUTPUTS, answer_output
from benchagent.program.sources.families.registry import generator
from benchagent.signatures import PlanStep, TransformPlan

COMPOUND_FAMILIES = ["acid", "base", "salt", "metal oxide", "non-metal oxide", "organic compound", "gas",
                     "mineral", "fertiliser", "sugar", "alcohol", "household chemical", "carbonate", "sulfate",
                     "nitrate", "hydrocarbon"]
COMPOUND_ELEMENTS = ["hydrogen", "carbon", "nitrogen", "oxygen", "sodium", "magnesium", "aluminium", "silicon",
                     "phosphorus", "sulfur", "chlorine", "potassium", "calcium", "iron", "copper", "zinc", "barium",
                     "lithium", "fluorine", "bromine", "silver", "lead", "manganese", "iodine"]


def proposal_plan(answer_type: str) -> TransformPlan | None:
    """The model proposes a formula -> periodictable checks it and computes the answer (and, for choice, miscounted
    masses as distractors) -> options placed -> question phrased."""
    if answer_type not in ("number", "choice"):
        return None
    choice = answer_type == "choice"
    steps = [
        PlanStep(kind="LLM", tool="propose_content", inputs=["original.request"],
                 outputs=["interim.proposal:content"], instruction="propose the compound the item is about"),
        PlanStep(kind="PURE", tool="molar_mass_target",
                 inputs=["interim.proposal:formula", "slot.seed", "original.element"],
                 outputs=[*TARGET_OUTPUTS, answer_output(answer_type), "final.input.context:context",
                          *(["interim.options"] if choice else [])],
                 instruction="check the formula and compute the exact molar mass"),
    ]
    return TransformPlan(kind="metadata_rich", steps=[*steps, *([PLACE_GOLD] if choice else []), PHRASE])


@generator(SourceCard(
    id="gen_proposed_compounds", name="proposed_compounds", kind="generator", modalities=["text"],
    description="Chemistry items on compounds the model proposes: it names a real compound of a family "
                "(acids, salts, oxides, sugars ...) by its chemical formula; periodictable checks the "
                "formula and computes the molar mass from standard atomic masses, so the answer is exact. "
                "Grounds molar mass and stoichiometry questions; distractors miscount one atom.",
    fields={"theme": "str: compounds", "family": "str: compound family", "element": "str: an element it holds",
            "request": "str: what the model is asked to propose"},
    size=len(COMPOUND_FAMILIES) * len(COMPOUND_ELEMENTS), license="generated; atomic masses from "
                                                                  "periodictable (public domain)",
    keywords=["chemistry", "chemical formula", "molar mass", "molecular weight", "stoichiometry",
              "compounds", "periodic table", "atomic mass", "science"],
    tools=["propose_content", "molar_mass_target", "shuffle_options"]), proposal_plan)


def proposed_compound(rng: random.Random) -> dict[str, Any]:
    """What the model is asked to propose: one compound of a family with an element in it; the formula it gives is
    checked and its molar mass computed by periodictable (molar_mass_target), so the answer never rests on it."""
    family, element = rng.choice(COMPOUND_FAMILIES), rng.choice(COMPOUND_ELEMENTS)
    return {"theme": "compounds", "family": family, "element": element,
            "request": f"the chemical formula of one real {family} that contains {element}, written with element "
                       f"symbols and counts; only the formula"}
