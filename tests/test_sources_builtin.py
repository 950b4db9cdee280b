"""Built-in sources read their packages' shipped data; the catalog resolves every card and bm25 finds them."""

import io
import json
import re
import subprocess
import sys

import pytest
from PIL import Image

from benchagent.program.sources.builtin import DIGIT_SCALE, builtin_cards, builtin_source
from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.catalog import catalog_cards, find_cards, save_cards, source_for
from benchagent.program.sources.generators import generate_record, generator_cards
from benchagent.program.sources.readers import Source, SourceError
from benchagent.signatures import MODALITIES
from benchagent.store import open_store

CARDS = builtin_cards()


def _alternatives(kind: str) -> list[str]:
    """Splits "list[int | str] | null" at its top-level bars."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(kind):
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if ch == "|" and depth == 0:
            parts.append(kind[start:i].strip())
            start = i + 1
    return [*parts, kind[start:].strip()]


CHECKS = {
    "null": lambda v: v is None,
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "image": lambda v: isinstance(v, bytes) and Image.open(io.BytesIO(v)).format == "PNG",
}


def matches(value, kind: str) -> bool:
    """Whether a record value has the type a card's field declares ("type: meaning")."""
    for alt in _alternatives(kind):
        if alt.startswith("list["):
            if isinstance(value, list) and all(matches(v, alt[5:-1]) for v in value):
                return True
        elif CHECKS[alt](value):
            return True
    return False


def field_type(description: str) -> str:
    return re.match(r"[^:]*", description).group(0).strip()


def check_records(source: Source, card: SourceCard) -> None:
    """Records at both ends and the middle have the card's fields and types, repeat exactly and are fresh
    copies; indices outside the source raise ValueError."""
    assert source.capacity == card.size > 0
    for index in sorted({0, 1, source.capacity // 2, source.capacity - 1}):
        record = source.record(index)
        assert record == source.record(index)
        assert list(record) == list(card.fields)
        for name, value in record.items():
            assert matches(value, field_type(card.fields[name])), (card.id, index, name, value)
        json.dumps({k: v for k, v in record.items() if not isinstance(v, bytes)})
        record.clear()
        assert source.record(index)
    for bad in (-1, source.capacity, "0"):
        with pytest.raises(ValueError):
            source.record(bad)


@pytest.mark.parametrize("card", CARDS, ids=lambda c: c.id)
def test_builtin_card_and_records(card):
    assert card.id == f"builtin_{card.name}" and card.kind == "builtin"
    assert card.modalities and set(card.modalities) <= set(MODALITIES)
    assert card.description and card.license and card.fields
    assert card.row()["keywords"] == ", ".join(card.keywords)
    source = builtin_source(card.id)
    assert isinstance(source, Source) and source.card == card
    check_records(source, card)


def test_at_least_eight_builtins_span_the_modalities():
    assert len(CARDS) >= 8
    assert {m for card in CARDS for m in card.modalities} >= {"text", "image", "table"}


def test_digit_image_shows_its_pixels():
    from sklearn.datasets import load_digits

    digits = load_digits()
    source = builtin_source("builtin_digits")
    for index in (0, 7, 1796):
        record = source.record(index)
        image = Image.open(io.BytesIO(record["image"]))
        assert image.size == (8 * DIGIT_SCALE, 8 * DIGIT_SCALE)
        assert record["digit"] == digits.target[index]
        assert record["pixels"] == digits.images[index].astype(int).tolist()
        for row in range(8):
            for col in range(8):
                ink = digits.images[index][row][col]
                block = image.crop((col * DIGIT_SCALE, row * DIGIT_SCALE, (col + 1) * DIGIT_SCALE,
                                    (row + 1) * DIGIT_SCALE))
                assert block.getextrema() == (255 - round(ink * 255 / 16),) * 2
                if ink == 0:
                    assert block.getpixel((0, 0)) == 255
                if ink >= 12:
                    assert block.getpixel((0, 0)) < 70


def test_tables_hold_the_packages_rows():
    from sklearn.datasets import load_iris

    iris = load_iris()
    record = builtin_source("builtin_iris").record(120)
    assert list(record["features"].values()) == iris.data[120].tolist()
    assert record["species"] == iris.target_names[iris.target[120]]
    cars = builtin_source("builtin_cars").record(0)
    assert cars["name"] == "chevrolet chevelle malibu" and cars["model_year"] == 1970 and cars["cylinders"] == 8
    stocks = builtin_source("builtin_stocks")
    records = [stocks.record(i) for i in range(stocks.capacity)]
    goog_2004 = next(r for r in records if r["symbol"] == "GOOG" and r["year"] == 2004)
    assert goog_2004["months"] == ["Aug", "Sep", "Oct", "Nov", "Dec"] and len(goog_2004["prices"]) == 5
    weather = builtin_source("builtin_seattle_weather")
    months = [weather.record(i) for i in range(weather.capacity)]
    assert sum(len(m["days"]) for m in months) == 1461
    assert months[1]["month"] == "2012-02" and len(months[1]["days"]) == 29


def test_elements_positions_and_facts():
    source = builtin_source("builtin_elements")
    elements = {r["symbol"]: r for r in map(source.record, range(source.capacity))}
    assert elements["Fe"]["number"] == 26 and elements["Fe"]["mass"] == pytest.approx(55.845)
    expected = {"H": (1, 1), "He": (1, 18), "B": (2, 13), "Na": (3, 1), "Cl": (3, 17), "K": (4, 1), "Fe": (4, 8),
                "Zn": (4, 12), "Kr": (4, 18), "Cs": (6, 1), "La": (6, None), "Hf": (6, 4), "Au": (6, 11),
                "Rn": (6, 18), "U": (7, None), "Rf": (7, 4), "Og": (7, 18)}
    for symbol, position in expected.items():
        assert (elements[symbol]["period"], elements[symbol]["group"]) == position, symbol
    assert max(elements["Fe"]["natural_isotopes"], key=lambda i: i["abundance_percent"])["mass_number"] == 56


def test_units_countries_and_docs():
    units = builtin_source("builtin_units")
    by_name = {r["name"]: r for r in map(units.record, range(units.capacity))}
    assert (by_name["mile"]["si_factor"], by_name["mile"]["si_unit"]) == (1609.344, "m")
    assert (by_name["degree_Celsius"]["si_factor"], by_name["degree_Celsius"]["si_offset"]) == (1.0, 273.15)
    assert by_name["degree_Fahrenheit"]["si_factor"] == pytest.approx(5 / 9)
    countries = builtin_source("builtin_countries")
    germany = next(r for r in map(countries.record, range(countries.capacity)) if r["alpha_2"] == "DE")
    assert germany["alpha_3"] == "DEU" and germany["translations"]["de"] == "Deutschland"
    assert germany["translations"]["fr"] == "Allemagne"
    tender = {r["alpha_2"]: r["currency"] for r in map(countries.record, range(countries.capacity))}
    assert (tender["DE"], tender["AL"], tender["JP"], tender["GB"]) == ("EUR", "ALL", "JPY", "GBP")
    assert tender["PA"] is None  # the balboa and the US dollar are both legal tender: no one right answer
    docs = builtin_source("builtin_python_docs")
    passages = [docs.record(i) for i in range(docs.capacity)]
    assert all(len(p["text"].split()) <= 250 for p in passages)
    assert any(p["topic"] == "for" and '"for" statement' in p["text"] for p in passages)
    stdlib = builtin_source("builtin_python_stdlib")
    documented = [stdlib.record(i) for i in range(stdlib.capacity)]
    assert all(d["text"].startswith(d["name"]) for d in documented)  # every passage names what it is about
    common = next(d for d in documented if d["name"] == "collections.Counter.most_common")
    assert "If n is None, then list all element counts." in common["text"] and common["module"] == "collections"
    assert {"itertools", "functools", "collections", "os.path"} <= {d["module"] for d in documented}
    firsts = [d["text"].partition("\n\n")[2] for d in documented if d["passage"] == 0]
    assert len(set(firsts)) == len(firsts)  # a docstring several classes share is kept once


def test_source_for_resolves_every_kind():
    assert source_for("builtin_iris") is builtin_source("builtin_iris")
    assert source_for(CARDS[0]) is builtin_source(CARDS[0].id)
    for card in generator_cards():
        source = source_for(card, seed=3)
        assert isinstance(source, Source) and source.capacity == card.size and source.card == card
        assert source.record(5) == generate_record(card.id, 5, 3)
        assert source_for(card.id, seed=4).record(5) == generate_record(card.id, 5, 4)
    with pytest.raises(ValueError):
        source_for("nothing_like_it")
    with pytest.raises(ValueError):
        builtin_source("builtin_nothing")
    with pytest.raises(SourceError, match="user_x_0000"):
        source_for("user_x_0000")


@pytest.fixture(scope="module")
def catalog_store(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("catalog") / "catalog.db")
    cards = catalog_cards()
    assert len({c.id for c in cards}) == len(cards)
    save_cards(store, cards)
    yield store
    store.close()


@pytest.mark.parametrize("words,modalities,expected", [
    (["handwritten digit images"], ["image"], "builtin_digits"),
    (["chemical elements atomic mass"], [], "builtin_elements"),
    (["units of measurement", "SI symbols"], [], "builtin_units"),
    (["ISO country codes", "flags"], [], "builtin_countries"),
    (["stock prices time series"], ["table"], "builtin_stocks"),
    (["Python programming documentation"], ["text"], "builtin_python_docs"),
    (["breast cancer diagnosis"], [], "builtin_breast_cancer"),
])
def test_bm25_finds_the_right_source(catalog_store, words, modalities, expected):
    hits = find_cards(catalog_store, words, modalities)
    assert hits and hits[0].card.id == expected, [h.card.id for h in hits]
    assert set(modalities) <= set(hits[0].card.modalities)


def test_importing_the_catalog_loads_no_data_package():
    heavy = ["sklearn", "pandas", "numpy", "pint", "pycountry", "periodictable", "pyarrow", "vega_datasets"]
    code = f"import sys, benchagent.program.sources.catalog; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
