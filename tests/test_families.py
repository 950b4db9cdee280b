"""Generator families: each registers card, maker and recipe together; recipes name only registered tools and read
fields the records hold; a misspelt tool or field fails at import; cards go to rows and the store and back typed."""

import importlib
import sys
import textwrap

import pytest

from benchagent.program.executor.realize import llm_steps
from benchagent.program.sources import families
from benchagent.program.sources.builtin import builtin_cards
from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.catalog import catalog_cards, save_cards, stored_cards
from benchagent.program.sources.families import GENERATORS
from benchagent.program.sources.families.registry import fields_read, plans
from benchagent.program.sources.generators import generate_record
from benchagent.program.sources.recipes import recipe_for
from benchagent.program.sources.user import UserCard, user_source
from benchagent.program.tools import ToolError, get_tool, list_tools
from benchagent.store import open_store
from benchagent.store.catalog import list_cards

TOOLS = {t.name for t in list_tools()}


def test_every_generator_comes_from_a_family_module_and_has_a_recipe():
    assert list(GENERATORS) == [c.id for c in catalog_cards() if c.kind == "generator"]
    for sid, generator in GENERATORS.items():
        assert generator.card.id == sid and generator.card.kind == "generator"
        assert generator.make.__module__.startswith(f"{families.__name__}.")
        assert plans(generator.recipe), sid


@pytest.mark.parametrize("sid", list(GENERATORS))
def test_recipes_name_only_registered_tools(sid):
    generator = GENERATORS[sid]
    llm = set()
    for kind, plan in plans(generator.recipe).items():
        for step in plan.steps:
            assert step.tool in (TOOLS if step.kind == "PURE" else set(llm_steps())), (sid, kind, step.tool)
            if step.kind == "LLM":
                llm.add(step.tool)
    assert set(generator.card.tools) <= TOOLS | llm


@pytest.mark.parametrize("sid", list(GENERATORS))
def test_records_hold_every_field_the_recipe_reads(sid):
    generator = GENERATORS[sid]
    wanted = set().union(*(fields_read(plan) for plan in plans(generator.recipe).values()))
    assert wanted and wanted <= set(generator.card.fields)
    for seed in (0, 7):
        for index in range(20):
            assert wanted <= set(generate_record(sid, index, seed)), (sid, seed, index)


def _family_module(tmp_path, name, tool, field):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(f'''
        from benchagent.program.sources.cards import SourceCard
        from benchagent.program.sources.families.plans import Step, TargetRecipe
        from benchagent.program.sources.families.registry import generator

        @generator(SourceCard(id="gen_{name}", name="{name}", kind="generator", modalities=["text"], description="",
                              fields={{"n": "int"}}, size=10, license="generated", keywords=[], tools=[]),
                   TargetRecipe({{"number": Step("{tool}", ["original.{field}"])}}, None, "decimal_options"))
        def {name}(rng):
            return {{"n": rng.randint(1, 9)}}
    '''))


@pytest.mark.parametrize("tool, field, error", [("scene_numbr_target", "n", ToolError),
                                                ("scene_number_target", "count", ValueError)])
def test_a_misspelt_tool_or_field_fails_at_import(tmp_path, monkeypatch, tool, field, error):
    name = f"typo_{field}"
    _family_module(tmp_path, name, tool, field)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(error):
        importlib.import_module(name)
    sys.modules.pop(name, None)
    assert f"gen_{name}" not in GENERATORS


def test_cards_go_to_rows_and_back_typed(tmp_path):
    (tmp_path / "quiz.jsonl").write_text('{"q": "What?", "a": "x"}\n{"q": "Why?", "a": "y"}\n')
    user = user_source(tmp_path / "quiz.jsonl").card
    row = user.row()
    assert isinstance(UserCard.from_row(row), UserCard) and UserCard.from_row(row) == user
    assert set(row) - set(row["card"]) == {"path", "format", "examples", "card"}
    cards = [*(g.card for g in GENERATORS.values()), *builtin_cards()[:3], user]
    for card in cards:
        assert SourceCard.from_row(card.row()).row() == {k: v for k, v in card.row().items()
                                                         if k not in UserCard.ROW_ONLY}
    store = open_store(tmp_path / "cards.db")
    try:
        save_cards(store, cards)
        rows = {r["id"]: r for r in list_cards(store)}
        stored = {c.id: c for c in stored_cards(store)}
    finally:
        store.close()
    assert rows[user.id] == row
    assert stored == {c.id: c for c in cards} and isinstance(stored[user.id], UserCard)


def test_recipe_for_takes_a_typed_card():
    for generator in GENERATORS.values():
        for kind in ("number", "choice", "label", "binary", "span"):
            assert recipe_for(generator.card, kind) == generator.recipe(kind)
    assert recipe_for(builtin_cards()[0], "number") is None
    assert get_tool(GENERATORS["gen_bar_chart_values"].card.tools[0]).name == "bar_chart"
