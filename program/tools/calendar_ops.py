"""Calendar arithmetic with datetime (proleptic Gregorian): add days and weeks, weekday of a date, days between
dates, and question targets built on them."""

import datetime as dt
import random
from typing import Literal

from pydantic import Field

from benchagent.program.tools.registry import ToolInput, ToolOutput, tool
from benchagent.program.tools.targets import Target, mentions, narrowed

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def weekday(day: dt.date) -> str:
    return WEEKDAYS[day.weekday()]


def date_text(day: dt.date) -> str:
    """'4 March 2025'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def add_days(day: dt.date, days: int = 0, weeks: int = 0) -> dt.date:
    try:
        return day + dt.timedelta(days=days, weeks=weeks)
    except OverflowError:
        raise ValueError("the resulting date is outside years 1-9999") from None


class DateAddArgs(ToolInput):
    date: dt.date
    days: int = Field(0, ge=-10**6, le=10**6)
    weeks: int = Field(0, ge=-10**5, le=10**5)


class DateOutput(ToolOutput):
    date: dt.date
    weekday: str
    month: str
    text: str = Field(description="the date as '4 March 2025'")


def _date_output(day: dt.date) -> DateOutput:
    return DateOutput(date=day, weekday=weekday(day), month=MONTHS[day.month - 1], text=date_text(day))


@tool("date_add", "Add (or subtract) days and weeks to a date; returns the date, its weekday and month.")
def date_add(args: DateAddArgs) -> DateOutput:
    return _date_output(add_days(args.date, args.days, args.weeks))


class DateArgs(ToolInput):
    date: dt.date


@tool("date_weekday", "The weekday and month of a date.")
def date_weekday(args: DateArgs) -> DateOutput:
    return _date_output(args.date)


class DaysBetweenArgs(ToolInput):
    start: dt.date
    end: dt.date


class DaysBetweenOutput(ToolOutput):
    days: int = Field(description="end minus start in days; negative when end comes first")
    weeks: int
    remainder_days: int


@tool("days_between", "The number of days from one date to another (end minus start).")
def days_between(args: DaysBetweenArgs) -> DaysBetweenOutput:
    days = (args.end - args.start).days
    weeks, rest = divmod(abs(days), 7)
    return DaysBetweenOutput(days=days, weeks=weeks, remainder_days=rest)


DateFormat = Literal["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "Month D, YYYY", "mixed"]
# the ways a 'mixed' question writes its dates, two different ones per question
WAYS = ("words", "YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY")


class CalendarTargetArgs(ToolInput):
    start: dt.date = Field(description="'today' in the question")
    offset_days: int = Field(ge=1, le=3650, description="days ahead for weekday and month questions")
    end: dt.date = Field(description="a later date for days-between questions")
    date: dt.date | None = Field(None, description="a date of any year for what-weekday-was-it questions")
    seed: int
    asks: list[str] | None = Field(None, description="the kinds of question allowed (default: the weekday)")
    date_format: DateFormat = Field("YYYY-MM-DD", description="how every date in the question and answer is written; "
                                                              "'mixed': today and the other date written differently")
    counts_from: Literal["today", "date"] = Field("today", description="'date': weekday and date-after or -before "
                                                                       "questions count from `date`, of any year")


def written(day: dt.date, date_format: str) -> str:
    """The date as the format writes it: '2025-03-04', '04/03/2025' (DD/MM/YYYY), '03/04/2025' (MM/DD/YYYY) or
    'March 4, 2025' (Month D, YYYY)."""
    return {"DD/MM/YYYY": f"{day.day:02d}/{day.month:02d}/{day.year}",
            "MM/DD/YYYY": f"{day.month:02d}/{day.day:02d}/{day.year}",
            "Month D, YYYY": f"{MONTHS[day.month - 1]} {day.day}, {day.year}"}.get(date_format, day.isoformat())


def _shown(day: dt.date, date_format: str) -> str:
    """A date the question shows: in words unless a format for every date was asked for."""
    return date_text(day) if date_format == "YYYY-MM-DD" else written(day, date_format)


def _show(args: "CalendarTargetArgs", day: dt.date, which: int) -> str:
    """Today (which=0) or the other date (1) as the question shows it. 'mixed' writes the two in two different ways
    the seed picks, a day-month order named ('04/03/2025 (DD/MM/YYYY)'), as 03/04 reads either way."""
    if args.date_format != "mixed":
        return _shown(day, args.date_format)
    way = random.Random(f"{args.seed}:ways").sample(WAYS, 2)[which]
    if way == "words":
        return date_text(day)
    return written(day, way) if way == "YYYY-MM-DD" else f"{written(day, way)} ({way})"


def _answer_format(args: "CalendarTargetArgs") -> str:
    """How a date answer is written: as the format asks, ISO for 'mixed'."""
    return "YYYY-MM-DD" if args.date_format == "mixed" else args.date_format


def _offset_text(days: int, rng: random.Random) -> str:
    weeks, rest = divmod(days, 7)
    if weeks and rng.random() < 0.5:
        return f"{weeks} week{'s' * (weeks > 1)}" + (f" and {rest} day{'s' * (rest > 1)}" if rest else "")
    return f"{days} day{'s' * (days > 1)}"


def _target(args: CalendarTargetArgs, goal: str, answer: str, pool: list[str], query: dict) -> Target:
    context = f"Today is {weekday(args.start)}, {_show(args, args.start, 0)}."
    if answer not in ("yes", "no") and (mentions(goal, answer) or mentions(context, answer)):
        raise ValueError(f"the question would state its answer {answer!r}")
    return Target(goal=goal, answer=answer, context=context, facts=context, label_pool=pool, query=query)


_COUNTED = ("number of days", "how many days", "count the days", "count days", "counting days")


@tool("calendar_number_target", "Ask how many days there are between two dates, or from today until a later date; the "
                                "answer is the exact count, the first day not counted.",
      asks={"days between": ("days between", "days apart", "days elapsed", "days have passed", "days in between",
                             "between two dates", "between dates", "between the dates", "between the two dates",
                             "date a and date b", "one date to another", *_COUNTED),
            "days until": ("days until", "days till", "days left", "days remain", "days from today", "days from now",
                           "from today until", "until a later date", *_COUNTED)})
def calendar_number_target(args: CalendarTargetArgs) -> Target:
    kinds = narrowed({"days between": ["days between"], "days until": ["days until"]}, args.asks,
                     default=("days between",))
    days = (args.end - args.start).days
    if days <= 0:
        raise ValueError("end must come after start")
    if "days until" in kinds and ("days between" not in kinds or random.Random(args.seed).random() < 0.5):
        goal = f"how many days it is from today until {_show(args, args.end, 1)}; the answer is a number"
        return _target(args, goal, str(days), [], {"days_until": args.end.isoformat()})
    first, last = _show(args, args.start, 0), _show(args, args.end, 1)
    goal = f"how many days there are between {first} and {last}; the answer is a number"
    if mentions(goal, str(days)):
        raise ValueError(f"the question would state its answer {days}")
    return Target(goal=goal, answer=str(days), context="", facts=f"the dates: {first} and {last}", label_pool=[],
                  query={"days_between": [args.start.isoformat(), args.end.isoformat()]})


def _near_dates(day: dt.date, date_format: str) -> list[str]:
    """Dates a slip would give: a day or two off, a week off."""
    return [written(add_days(day, d), date_format) for d in (-2, -1, 1, 2, -7, 7)]


@tool("calendar_label_target", "Ask which weekday it will be some days or weeks from today (the answer is a weekday "
                               "name), or on which weekday a date of any year fell; asked for dates, the ISO date "
                               "some days after today or before a later date.",
      asks={"weekday": ("weekday", "day of the week", "day of week", "from today", "from now", "ahead",
                        "day of the week is it", "weekday is it", "will it be", "will be"),
            "weekday of a date": ("weekday", "day of the week", "day of week", "random date", "dates in", "date in the",
                                  "of a date", "for a date", "for dates", "given date", "historical", "fell on",
                                  "was born", "day of the week was", "weekday was", "century"),
            "date after": ("the date", "date after", "after a given date", "after a date", "which date",
                           "what date", "resulting date", "date it will be", "date will it be"),
            "date before": ("days before", "date before", "before a given date", "before a date", "which date",
                            "what date")})
def calendar_label_target(args: CalendarTargetArgs) -> Target:
    rng = random.Random(args.seed)
    kinds = narrowed({"weekday": ["weekday"], "weekday of a date": ["weekday"], "date after": ["date after"],
                      "date before": ["date before"]}, args.asks, default=("weekday",))
    kind = rng.choice(sorted(kinds)) if len(kinds) > 1 else next(iter(kinds))
    form = _answer_format(args)
    if args.counts_from == "date" or kind == "weekday of a date":
        return _from_date(args, "weekday of a date" if kind == "weekday" else kind, form)
    if kind == "date after":
        day = add_days(args.start, args.offset_days)
        goal = f"the date {args.offset_days} days after today, written as {form}"
        return _target(args, goal, written(day, form), _near_dates(day, form), {"date_after": args.offset_days})
    if kind == "date before":
        day = add_days(args.end, -args.offset_days)
        goal = f"the date {args.offset_days} days before {_show(args, args.end, 1)}, written as {form}"
        return _target(args, goal, written(day, form), _near_dates(day, form),
                       {"date_before": args.offset_days, "from": args.end.isoformat()})
    answer = weekday(add_days(args.start, args.offset_days))
    ahead = _offset_text(args.offset_days, rng)
    goal = f"what day of the week it will be {ahead} from today; the answer is a weekday name"
    pool = [w for w in WEEKDAYS if w != weekday(args.start)]  # today's weekday is never the answer
    return _target(args, goal, answer, pool, {"weekday_after": args.offset_days})


def _from_date(args: CalendarTargetArgs, kind: str, form: str) -> Target:
    """A weekday or date-after or -before question counting from the record's date of any year, no today shown."""
    if args.date is None:
        raise ValueError(f"a {kind} question needs a date")
    shown = _shown(args.date, args.date_format)
    if kind == "weekday of a date":
        goal = f"what day of the week {shown} {'was' if args.date < args.start else 'is'}; the answer is a weekday name"
        return Target(goal=goal, answer=weekday(args.date), context="", facts=f"the date: {shown}",
                      label_pool=list(WEEKDAYS), query={"weekday_of": args.date.isoformat()})
    days = args.offset_days if kind == "date after" else -args.offset_days
    day = add_days(args.date, days)
    goal = f"the date {args.offset_days} days {'after' if days > 0 else 'before'} {shown}, written as {form}"
    answer = written(day, form)
    if mentions(goal, answer):
        raise ValueError(f"the question would state its answer {answer!r}")
    return Target(goal=goal, answer=answer, context="", facts=f"the date: {shown}", label_pool=_near_dates(day, form),
                  query={"date_after" if days > 0 else "date_before": args.offset_days, "from": args.date.isoformat()})


@tool("calendar_binary_target",
      "Ask whether a date some days ahead falls in a month, or a date on a weekday; yes or no.")
def calendar_binary_target(args: CalendarTargetArgs) -> Target:
    rng = random.Random(args.seed)
    if rng.random() < 0.5:
        day = add_days(args.start, args.offset_days)
        month = (day.month - 1 + rng.choice((0, 0, -1, 1))) % 12
        goal = (f"whether the date {_offset_text(args.offset_days, rng)} from today falls in {MONTHS[month]} "
                "(answer yes or no)")
        return _target(args, goal, "yes" if day.month - 1 == month else "no", [],
                       {"month_after": args.offset_days, "month": MONTHS[month]})
    actual = weekday(args.end)
    named = actual if rng.random() < 0.5 else rng.choice([w for w in WEEKDAYS if w != actual])
    goal = f"whether {_show(args, args.end, 1)} falls on a {named} (answer yes or no)"
    return _target(args, goal, "yes" if named == actual else "no", [], {"date": args.end.isoformat(), "weekday": named})
