"""The calendar family: a dated 'today', a day offset and a later date, with weekdays and day counts computed by
Python's datetime."""

import datetime as dt
import random
from typing import Any

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families.plans import TargetRecipe, same_inputs
from benchagent.program.sources.families.registry import SIZE, generator
from benchagent.program.sources.families.words import MONTHS
from benchagent.program.tools.calendar_ops import date_text, weekday
from benchagent.program.tools.targets import mentions

_DATES = ["original.start", "original.offset_days", "original.end"]
RECIPE = TargetRecipe(same_inputs({"number": "calendar_number_target", "choice": "calendar_label_target",
                                   "label": "calendar_label_target", "binary": "calendar_binary_target"}, _DATES),
                      None, "label_options")


@generator(SourceCard(
    id="gen_calendar_dates", name="calendar_dates", kind="generator", modalities=["text"],
    description="Generated calendar questions from a dated 'today' (2000-2035): the weekday a number of "
                "days or weeks ahead, the calendar date (YYYY-MM-DD) a number of days after today or before "
                "a later date, leap days counted, the number of days until a later date, whether a date "
                "falls in a month or on a given weekday. Answers are computed with Python's datetime.",
    fields={"theme": "str: calendar", "start": "str: ISO date, today", "start_weekday": "str",
            "offset_days": "int: 2-120, never a whole number of weeks", "target_date": "str: start + offset",
            "target_weekday": "str", "target_month": "str", "end": "str: ISO date 5-400 days after start",
            "end_weekday": "str", "days_between": "int"},
    size=SIZE, license="generated",
    keywords=["calendar", "dates", "weekday", "days between", "time reasoning", "temporal reasoning",
              "date arithmetic", "days before", "days after", "leap year", "ISO date"],
    tools=["calendar_number_target", "calendar_label_target", "calendar_binary_target", "date_add",
           "days_between", "number_options", "label_options", "shuffle_options"]), RECIPE)


def calendar_dates(rng: random.Random) -> dict[str, Any]:
    while True:
        start = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(36 * 365))
        offset = rng.choice([d for d in range(2, 121) if d % 7])
        gap = rng.randint(5, 400)
        end, target = start + dt.timedelta(days=gap), start + dt.timedelta(days=offset)
        if not mentions(f"{date_text(start)} {date_text(end)}", str(gap)):
            break
    return {
        "theme": "calendar", "start": start.isoformat(), "start_weekday": weekday(start), "offset_days": offset,
        "target_date": target.isoformat(), "target_weekday": weekday(target), "target_month": MONTHS[target.month - 1],
        "end": end.isoformat(), "end_weekday": weekday(end), "days_between": gap,
    }
