"""The calendar family: a dated 'today', a day offset and a later date, and a date of any year from 1700 to 2299, with
weekdays and day counts computed by Python's datetime."""

import datetime as dt
import random
import re
from typing import Any

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families.plans import TargetRecipe, same_inputs
from benchagent.program.sources.families.registry import SIZE, generator
from benchagent.program.sources.families.words import MONTHS
from benchagent.signatures import TransformPlan
from benchagent.program.tools.calendar_ops import date_text, weekday
from benchagent.program.tools.targets import mentions

_DATES = ["original.start", "original.offset_days", "original.end", "original.date"]
FIRST_YEAR, LAST_YEAR = 1700, 2299
RECIPE = TargetRecipe(same_inputs({"number": "calendar_number_target", "choice": "calendar_label_target",
                                   "label": "calendar_label_target", "binary": "calendar_binary_target"}, _DATES),
                      None, "label_options")


ORDINAL_CENTURIES = {"eighteenth": 18, "nineteenth": 19, "twentieth": 20, "twenty-first": 21, "twenty first": 21,
                     "twenty-second": 22, "twenty second": 22, "twenty-third": 23, "twenty third": 23}
CENTURY = re.compile(r"\b(?:the\s+)?(\d\d)(?:st|nd|rd|th)\s+century\b|\b(" + "|".join(ORDINAL_CENTURIES) +
                     r")\s+century\b")
HUNDREDS = re.compile(r"\b(1[7-9]|2[0-2])00'?s\b")
DECADE = re.compile(r"\b((?:1[7-9]|2[0-2])\d)0'?s\b")
YEAR = re.compile(r"(?<![\d/.-])(1[7-9]\d\d|2[0-2]\d\d)(?![\d/.-]|'?s\b)")  # a year, not part of a date or a decade
_Y = r"(1[7-9]\d\d|2[0-2]\d\d)"
YEAR_RANGE = re.compile(rf"\b(?:between|from)\s+{_Y}\s+(?:and|to|until|till)\s+{_Y}\b|\b{_Y}\s*[-–]\s*{_Y}\b")
TODAY_YEARS = (2000, 2035)
# day offsets, never whole weeks: half near (a weekday some days ahead), half far ('1000 days after a date')
NEAR_OFFSETS = [d for d in range(2, 121) if d % 7]
FAR_OFFSETS = [d for d in range(121, 1001) if d % 7]
WEEKDAY_ASKED = re.compile(r"\bweekdays?\b|\bday of (?:the )?week\b")
DATE_ASKED = re.compile(r"\b(?:days?|weeks?) (?:after|before|later|earlier)\b|\bdates? (?:after|before)\b")
ANY_YEAR = ("date_year", "decade", "century")  # fields of the date of any year


def picked_dates(text: str) -> dict[str, list[str]]:
    """The dates a requirement's words ask for: the two dates (today and a later one) in the years it names from 2000
    to 2035 ('both dates in 2023 or 2024'); else, when it asks a weekday or a date some days after or before another,
    the any-year date in the years ('start dates 1700-1799': a range stated wins over years said apart), decade ('the
    1930s') or century ('in 1900s', 'the 20th century') it names; none else."""
    text = text.lower()
    spans = [[int(y) for y in m.groups() if y] for m in YEAR_RANGE.finditer(text)]
    years = {y for low, high in spans for y in range(low, high + 1)}  # a range stated wins over years said apart
    years = sorted(years or {int(y) for y in YEAR.findall(text)})
    if years and all(TODAY_YEARS[0] <= y <= TODAY_YEARS[1] for y in years):
        named = [str(y) for y in years]
        return {"start_year": named, "end_year": named}
    if not (WEEKDAY_ASKED.search(text) or DATE_ASKED.search(text)):
        return {}
    decades = [f"{m.group(1)}0s" for m in DECADE.finditer(text) if m.group(1)[2] != "0"]  # '1900s' is a century
    if decades:
        return {"decade": sorted(set(decades))}
    centuries = {f"{m.group(1)}00s" for m in HUNDREDS.finditer(text)}
    for m in CENTURY.finditer(text):
        number = int(m.group(1)) if m.group(1) else ORDINAL_CENTURIES[m.group(2)]
        centuries.add(f"{number - 1}00s")
    kept = sorted(c for c in centuries if FIRST_YEAR <= int(c[:-1]) <= LAST_YEAR)
    if kept:
        return {"century": kept}
    return {"date_year": [str(y) for y in years]} if years else {}


def counting_from_the_date(plan: TransformPlan) -> TransformPlan:
    """A plan picking its records by the date of any year (its year, decade or century) asks its weekday and
    date-after or -before questions from that date, not from today."""
    if not set(ANY_YEAR) & {*plan.where, *plan.within}:
        return plan
    steps = [s.model_copy(update={"inputs": [*s.inputs, '="date":counts_from']})
             if s.tool == "calendar_label_target" and not any(i.endswith(":counts_from") for i in s.inputs) else s
             for s in plan.steps]
    return plan.model_copy(update={"steps": steps})


@generator(SourceCard(
    id="gen_calendar_dates", name="calendar_dates", kind="generator", modalities=["text"],
    description="Generated calendar questions from a dated 'today' (2000-2035): the weekday a number of "
                "days or weeks ahead, the calendar date (YYYY-MM-DD) a number of days after today or before "
                "a later date, leap days counted, the number of days between two dates or from today until a later "
                "date, whether a date falls in a month or on a given weekday; and the weekday a date of any year from "
                "1700 to 2299 fell or falls on ('what day of the week was 14 March 1937'), or the date some days "
                "(up to 1000) after or before it. Answers are computed with Python's datetime.",
    fields={"theme": "str: calendar", "start": "str: ISO date, today", "start_weekday": "str",
            "offset_days": "int: 2-1000 (half of them up to 120), never a whole number of weeks",
            "target_date": "str: start + offset",
            "target_weekday": "str", "target_month": "str", "end": "str: ISO date 5-400 days after start",
            "end_weekday": "str", "days_between": "int", "start_year": "int", "end_year": "int",
            "date": "str: ISO date of any year 1700-2299", "date_weekday": "str", "date_year": "int: 1700-2299",
            "decade": "str: the date's decade, as '1930s'",
            "century": "str: the date's century, as '1900s'"},
    size=SIZE, license="generated",
    keywords=["calendar", "dates", "weekday", "days between", "time reasoning", "temporal reasoning",
              "date arithmetic", "days before", "days after", "leap year", "ISO date", "day of the week",
              "historical dates"],
    tools=["calendar_number_target", "calendar_label_target", "calendar_binary_target", "date_add",
           "days_between", "number_options", "label_options", "shuffle_options"]), RECIPE, picks=picked_dates,
    fit=counting_from_the_date)


def calendar_dates(rng: random.Random) -> dict[str, Any]:
    while True:
        start = dt.date(TODAY_YEARS[0], 1, 1) + dt.timedelta(days=rng.randrange(36 * 365))
        offset = rng.choice(NEAR_OFFSETS if rng.random() < 0.5 else FAR_OFFSETS)
        gap = rng.randint(5, 400)
        end, target = start + dt.timedelta(days=gap), start + dt.timedelta(days=offset)
        if not mentions(f"{date_text(start)} {date_text(end)}", str(gap)):
            break
    date = dt.date(FIRST_YEAR, 1, 1) + dt.timedelta(days=rng.randrange((dt.date(LAST_YEAR + 1, 1, 1) -
                                                                        dt.date(FIRST_YEAR, 1, 1)).days))
    return {
        "theme": "calendar", "start": start.isoformat(), "start_year": start.year, "end_year": end.year,
        "start_weekday": weekday(start), "offset_days": offset,
        "target_date": target.isoformat(), "target_weekday": weekday(target), "target_month": MONTHS[target.month - 1],
        "end": end.isoformat(), "end_weekday": weekday(end), "days_between": gap, "date": date.isoformat(),
        "date_weekday": weekday(date), "date_year": date.year, "decade": f"{date.year // 10}0s",
        "century": f"{date.year // 100}00s",
    }
