"""Calendar tools against an independent calendar: Julian day numbers (Fliegel and Van Flandern) and Zeller's
congruence, with no datetime in the checks."""

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchagent.program.tools import ToolError, run_tool

NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
dates = st.dates(dt.date(1600, 1, 1), dt.date(2400, 12, 31))


def _jdn(y: int, m: int, d: int) -> int:
    a = (14 - m) // 12
    yy, mm = y + 4800 - a, m + 12 * a - 3
    return d + (153 * mm + 2) // 5 + 365 * yy + yy // 4 - yy // 100 + yy // 400 - 32045


def _from_jdn(j: int) -> tuple[int, int, int]:
    f = j + 1401 + (((4 * j + 274277) // 146097) * 3) // 4 - 38
    e = 4 * f + 3
    h = 5 * ((e % 1461) // 4) + 2
    d, m = (h % 153) // 5 + 1, (h // 153 + 2) % 12 + 1
    return e // 1461 - 4716 + (14 - m) // 12, m, d


def _zeller(y: int, m: int, d: int) -> str:
    if m < 3:
        m, y = m + 12, y - 1
    h = (d + 13 * (m + 1) // 5 + y % 100 + (y % 100) // 4 + (y // 100) // 4 + 5 * (y // 100)) % 7
    return ["Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"][h]


def _ymd(iso: str) -> tuple[int, int, int]:
    y, m, d = iso.split("-")
    return int(y), int(m), int(d)


@settings(max_examples=150)
@given(dates, st.integers(-5000, 5000), st.integers(-300, 300))
def test_date_add_matches_julian_day_arithmetic(day, days, weeks):
    out = run_tool("date_add", {"date": day.isoformat(), "days": days, "weeks": weeks}).output
    y, m, d = _from_jdn(_jdn(day.year, day.month, day.day) + days + 7 * weeks)
    assert _ymd(out.date.isoformat()) == (y, m, d)
    assert out.weekday == _zeller(y, m, d) and out.month == MONTHS[m - 1]
    assert out.text == f"{d} {MONTHS[m - 1]} {y}"


@settings(max_examples=150)
@given(dates, dates)
def test_days_between_and_weekday_match_the_independent_calendar(a, b):
    out = run_tool("days_between", {"start": a.isoformat(), "end": b.isoformat()}).output
    assert out.days == _jdn(*_ymd(b.isoformat())) - _jdn(*_ymd(a.isoformat()))
    assert 7 * out.weeks + out.remainder_days == abs(out.days) and 0 <= out.remainder_days < 7
    assert run_tool("date_weekday", {"date": a.isoformat()}).output.weekday == _zeller(*_ymd(a.isoformat()))


def test_known_dates_and_leap_years():
    assert run_tool("date_weekday", {"date": "2000-02-29"}).output.weekday == "Tuesday"
    assert run_tool("date_add", {"date": "2024-02-28", "days": 1}).output.text == "29 February 2024"
    assert run_tool("date_add", {"date": "2023-02-28", "days": 1}).output.text == "1 March 2023"
    assert run_tool("days_between", {"start": "1900-01-01", "end": "2000-01-01"}).output.days == 36524
    with pytest.raises(ToolError, match="outside years 1-9999"):
        run_tool("date_add", {"date": "9999-12-30", "days": 5})
    with pytest.raises(ToolError, match="date"):
        run_tool("date_weekday", {"date": "2023-02-29"})


@settings(max_examples=100, deadline=None)
@given(st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31)), st.integers(1, 400), st.integers(5, 400),
       st.integers(0, 2**31))
def test_targets_answer_from_the_independent_calendar(start, offset, gap, seed):
    end = start + dt.timedelta(days=gap)
    args = {"start": start.isoformat(), "offset_days": offset, "end": end.isoformat(), "seed": seed}
    s = _jdn(*_ymd(start.isoformat()))
    context = f"Today is {_zeller(*_ymd(start.isoformat()))}, {start.day} {MONTHS[start.month - 1]} {start.year}."
    try:
        until = run_tool("calendar_number_target", {**args, "asks": ["days until"]}).output
        assert until.answer == str(gap) and until.context == context
    except ToolError as exc:
        assert "would state its answer" in str(exc) and str(gap) in context + f" {end.day} {end.year}"
    try:
        between = run_tool("calendar_number_target", args).output  # two dates in the question, no today
        assert between.answer == str(gap) and between.context == ""
        assert not re.search(rf"(?<!\d){gap}(?!\d)", between.goal)
        assert between.goal.startswith(f"how many days there are between {start.day} {MONTHS[start.month - 1]} ")
    except ToolError as exc:
        assert "would state its answer" in str(exc) and str(gap) in f"{start.day} {start.year} {end.day} {end.year}"
    try:
        label = run_tool("calendar_label_target", args).output
        today = _zeller(*_ymd(start.isoformat()))
        assert label.answer == _zeller(*_from_jdn(s + offset)) and label.label_pool == [n for n in NAMES if n != today]
        assert label.answer not in label.goal
    except ToolError as exc:
        assert "would state its answer" in str(exc) and offset % 7 == 0
    binary = run_tool("calendar_binary_target", args).output
    q = binary.query
    if "month" in q:
        assert binary.answer == ("yes" if MONTHS[_from_jdn(s + offset)[1] - 1] == q["month"] else "no")
        assert q["month"] in binary.goal
    else:
        assert binary.answer == ("yes" if _zeller(*_ymd(end.isoformat())) == q["weekday"] else "no")
        assert f"falls on a {q['weekday']}" in binary.goal


def test_label_goal_phrases_weeks_and_days():
    goals = {run_tool("calendar_label_target", {"start": "2025-03-04", "offset_days": 17, "end": "2025-04-19",
                                                "seed": seed}).output.goal for seed in range(20)}
    assert goals == {"what day of the week it will be 17 days from today; the answer is a weekday name",
                     "what day of the week it will be 2 weeks and 3 days from today; the answer is a weekday name"}


@settings(max_examples=100, deadline=None)
@given(st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31)), st.integers(1, 400), st.integers(1, 400),
       st.integers(0, 10**6))
def test_date_questions_are_asked_only_when_named_and_answer_from_the_independent_calendar(start, offset, gap, seed):
    end = start + dt.timedelta(days=gap)
    args = {"start": start.isoformat(), "offset_days": offset, "end": end.isoformat(), "seed": seed}
    after = run_tool("calendar_label_target", {**args, "asks": ["date after"]}).output
    assert after.answer == "%04d-%02d-%02d" % _from_jdn(_jdn(*_ymd(start.isoformat())) + offset)
    before = run_tool("calendar_label_target", {**args, "asks": ["date before"]}).output
    assert before.answer == "%04d-%02d-%02d" % _from_jdn(_jdn(*_ymd(end.isoformat())) - offset)
    for target in (after, before):
        assert "YYYY-MM-DD" in target.goal and target.answer not in target.label_pool and len(target.label_pool) == 6
    try:
        plain = run_tool("calendar_label_target", args).output
        assert plain.answer in NAMES  # without asks, the weekday question as before
    except ToolError as exc:
        assert "would state its answer" in str(exc)


def test_a_date_crossing_29_february_counts_it():
    out = run_tool("calendar_label_target", {"start": "2024-02-10", "offset_days": 45, "end": "2024-06-01",
                                             "seed": 0, "asks": ["date after"]}).output
    assert out.answer == "2024-03-26"  # 19 days to 29 February, 26 more into March


def _as_date(shown: str) -> dt.date:
    """A date as a mixed question writes it, read back: words, ISO, or a numeric date naming its order."""
    for pattern in ("%d %B %Y", "%Y-%m-%d", "%d/%m/%Y (DD/MM/YYYY)", "%m/%d/%Y (MM/DD/YYYY)"):
        try:
            return dt.datetime.strptime(shown, pattern).date()
        except ValueError:
            continue
    raise AssertionError(f"unreadable date {shown!r}")


def test_mixed_formats_write_the_two_dates_two_ways_each_readable_back():
    ways = set()
    for seed in range(40):
        args = {"start": "2025-03-04", "offset_days": 9, "end": "2025-04-07", "seed": seed, "date_format": "mixed"}
        out = run_tool("calendar_number_target", {**args, "asks": ["days until"]}).output
        today = out.context.removeprefix("Today is Tuesday, ").removesuffix(".")
        later = out.goal.removeprefix("how many days it is from today until ").removesuffix("; the answer is a number")
        both = run_tool("calendar_number_target", args).output
        first, last = both.goal.removeprefix("how many days there are between ").removesuffix(
            "; the answer is a number").split(" and ")
        assert (_as_date(today), _as_date(later), out.answer) == (dt.date(2025, 3, 4), dt.date(2025, 4, 7), "34")
        assert (_as_date(first), _as_date(last), both.answer) == (dt.date(2025, 3, 4), dt.date(2025, 4, 7), "34")
        shape = [re.sub(r"\d", "9", text) for text in (today, later)]
        assert shape[0] != shape[1]  # never the same way twice in one question
        assert [re.sub(r"\d", "9", text) for text in (first, last)] == shape
        ways.add(tuple(shape))
    assert len(ways) >= 8  # the seed spreads the pairs of ways
    dated = run_tool("calendar_label_target", {"start": "2025-03-04", "offset_days": 9, "end": "2025-04-07",
                                               "seed": 1, "asks": ["date after"], "date_format": "mixed"}).output
    assert dated.answer == "2025-03-13" and "written as YYYY-MM-DD" in dated.goal  # a date answer is ISO


def test_the_day_count_target_asks_only_day_counts_and_both_kinds_when_both_are_named():
    args = {"start": "2025-03-04", "offset_days": 9, "end": "2025-04-07", "seed": 0}
    assert run_tool("calendar_number_target", {**args, "asks": ["days between"]}).output.answer == "34"
    both = {run_tool("calendar_number_target", {**args, "seed": seed, "asks": ["days between", "days until"]}
                     ).output.goal.split(" ")[3] for seed in range(20)}
    assert both == {"there", "it"}  # 'how many days there are between ...' and 'how many days it is from today ...'
    with pytest.raises(ToolError, match="unknown kinds of question"):
        run_tool("calendar_number_target", {**args, "asks": ["weekday"]})


@settings(max_examples=100, deadline=None)
@given(st.dates(dt.date(1700, 1, 1), dt.date(2299, 12, 31)), st.integers(0, 10**6))
def test_the_weekday_of_a_date_of_any_year_is_asked_without_a_today(day, seed):
    args = {"start": "2025-03-04", "offset_days": 9, "end": "2025-04-07", "date": day.isoformat(), "seed": seed,
            "asks": ["weekday of a date"]}
    out = run_tool("calendar_label_target", args).output
    shown = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    assert out.answer == _zeller(*_ymd(day.isoformat())) and out.answer not in out.goal
    assert out.goal == (f"what day of the week {shown} {'was' if day < dt.date(2025, 3, 4) else 'is'}; the answer "
                        "is a weekday name")
    assert out.context == "" and sorted(out.label_pool) == sorted(NAMES)
    dated = run_tool("calendar_label_target", {**args, "date_format": "DD/MM/YYYY"}).output
    assert f"{day.day:02d}/{day.month:02d}/{day.year}" in dated.goal and dated.answer == out.answer


def test_a_weekday_of_a_date_question_needs_a_date():
    with pytest.raises(ToolError, match="needs a date"):
        run_tool("calendar_label_target", {"start": "2025-03-04", "offset_days": 9, "end": "2025-04-07", "seed": 0,
                                           "asks": ["weekday of a date"]})
    plain = run_tool("calendar_label_target", {"start": "2025-03-04", "offset_days": 9, "end": "2025-04-07",
                                               "date": "1937-03-14", "seed": 0}).output
    assert plain.context.startswith("Today is") and "from today" in plain.goal  # without asks, as before
