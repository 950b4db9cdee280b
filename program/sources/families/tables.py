"""The table family: a shop's sales, students' test scores or a town's daily weather, rendered by the table_image
tool, with totals and each column's highest row."""

import random
from collections import Counter
from typing import Any

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families.plans import Step, TargetRecipe
from benchagent.program.sources.families.registry import SIZE, generator
from benchagent.program.sources.families.words import MONTHS, NAMES, PLACES
from benchagent.program.tools.targets import unique_extreme

PRODUCTS = {
    "Drinks": ["Orange juice", "Cola", "Sparkling water", "Iced tea", "Lemonade", "Apple juice"],
    "Snacks": ["Crisps", "Pretzels", "Popcorn", "Trail mix", "Rice cakes"],
    "Bakery": ["Croissant", "Bagel", "Muffin", "Sourdough loaf", "Cinnamon roll"],
    "Dairy": ["Yogurt", "Cheddar", "Milk", "Butter", "Cream cheese"],
}
FOOD_SHOPS = ["Corner Deli", "Green Leaf Market", "Harbor Street Bakery", "Main Street Grocery", "the station kiosk",
              "the school canteen", "Riverside Farm Shop"]
CLASSES = ["7A", "7B", "8A", "8B", "9A", "9B"]
TERMS = ["autumn", "spring", "summer"]


def _shop_sales(rng: random.Random) -> tuple[str, list[str], list[list], list[str]]:
    categories = rng.sample(list(PRODUCTS), rng.randint(2, 3))
    items = [(p, c) for c in categories for p in rng.sample(PRODUCTS[c], rng.randint(2, 3))]
    units = rng.sample(range(5, 151), len(items))
    rows = []
    for (product, category), sold in zip(items, units, strict=True):
        price = rng.randint(1, 12)
        rows.append([product, category, sold, price, sold * price])
    title = f"Sales at {rng.choice(FOOD_SHOPS)} in {rng.choice(MONTHS)}"
    return title, ["Product", "Category", "Units sold", "Price ($)", "Revenue ($)"], rows, ["Units sold", "Revenue ($)"]


def _class_results(rng: random.Random) -> tuple[str, list[str], list[list], list[str]]:
    classes = rng.sample(CLASSES, 2)
    rows = [[name, rng.choice(classes), *(rng.randint(35, 100) for _ in range(3))]
            for name in rng.sample(NAMES, rng.randint(5, 8))]
    title = f"Test scores at {rng.choice(PLACES['school'])}, {rng.choice(TERMS)} term"
    return title, ["Student", "Class", "Maths", "Science", "English"], rows, []


SKIES = ["Sunny", "Cloudy", "Rain"]


def _daily_weather(rng: random.Random) -> tuple[str, list[str], list[list], list[str]]:
    month, first, days = rng.randrange(12), rng.randint(1, 19), rng.randint(7, 10)
    rows = []
    for day in range(first, first + days):
        sky, high = rng.choice(SKIES), rng.randint(4, 32)
        rows.append([f"{day} {MONTHS[month]}", sky, high, high - rng.randint(3, 11),
                     rng.randint(1, 25) if sky == "Rain" else 0])
    title = f"Daily weather in {rng.choice(PLACES['town'])}, {MONTHS[month]}"
    return title, ["Day", "Sky", "High (°C)", "Low (°C)", "Rainfall (mm)"], rows, ["Rainfall (mm)"]


_TABLE = ["original.title", "original.columns", "original.rows"]
RECIPE = TargetRecipe({"number": Step("table_number_target", [*_TABLE, "original.sum_columns", "original.row_scale"]),
                       "choice": Step("table_number_target", [*_TABLE, "original.sum_columns", "original.row_scale"]),
                       "label": Step("table_label_target", _TABLE), "binary": Step("table_binary_target", _TABLE)},
                      Step("table_image", _TABLE), "decimal_options")


@generator(SourceCard(
    id="gen_small_tables", name="small_tables", kind="generator", modalities=["image", "table"],
    description="Generated small tables rendered as images by the table_image tool: a shop's sales "
                "(product, category, units sold, price, revenue), students' test scores by class, or 7-10 days "
                "of weather (day, sky, high and low temperature in °C, rainfall in mm). "
                "Grounds cell lookups, column totals, a category's sum or average, counts of rows above a "
                "threshold, a student's average across subjects, which row is highest or lowest, and row "
                "comparisons, computed by exact table operations.",
    fields={"theme": "str: shop_sales (a shop's products with their prices, units sold and revenue) | "
                     "class_results (students' marks in school subjects by class) | "
                     "daily_weather (a town's days with their sky, high and low temperatures and rainfall)",
            "title": "str", "columns": "list[str]",
            "rows": "list[list[str|int]]: first column names the row", "row_label": "str",
            "group_column": "str", "numeric_columns": "list[str]",
            "sum_columns": "list[str]: columns whose totals mean something; others get averages",
            "totals": "object: column -> sum",
            "row_scale": "bool: every numeric column holds the same kind of number (marks), so a row's average "
                         "across them means something",
            "subjects": "int | null: how many subject columns a class's results have",
            "highest": "object: column -> row name or null on a tie"},
    size=SIZE, license="generated",
    keywords=["table", "tabular", "table QA", "lookup", "aggregation", "sum", "count", "sales",
              "scores", "weather", "temperature", "rainfall", "document understanding"],
    tools=["table_image", "table_number_target", "table_label_target", "table_binary_target",
           "table_aggregate", "decimal_options", "shuffle_options"]), RECIPE)


def small_table(rng: random.Random) -> dict[str, Any]:
    family = rng.choice((_shop_sales, _class_results, _daily_weather))
    while True:
        title, columns, rows, sum_columns = family(rng)
        numeric = [c for i, c in enumerate(columns) if isinstance(rows[0][i], int)]
        highest = {c: unique_extreme({r[0]: r[columns.index(c)] for r in rows}, True) for c in numeric}
        groups = Counter(r[1] for r in rows)
        if any(highest.values()) and min(groups.values()) > 1:
            break
    return {
        "theme": family.__name__.strip("_"), "title": title, "columns": columns, "rows": rows,
        "row_label": columns[0], "group_column": columns[1], "numeric_columns": numeric, "sum_columns": sum_columns,
        "totals": {c: sum(r[columns.index(c)] for r in rows) for c in numeric}, "highest": highest,
        "row_scale": family is _class_results, "subjects": len(numeric) if family is _class_results else None,
    }
