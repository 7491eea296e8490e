"""Axis ticks people can read at a glance: 5K, 10K, 15K, not 4.8K, 7.4K, 10.1K.

A value axis steps by 1, 2, 2.5 or 5 times a power of ten and starts and ends on a step, so
the data fits inside; a date axis steps by days, weeks (on Mondays) or months (on the 1st).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

NICE_MULTIPLES = (1.0, 2.0, 2.5, 5.0, 10.0)
DAY_STEPS = (1, 2, 7, 14)  # 7 and 14 fall on Mondays
MONTH_STEPS = (1, 2, 3, 6, 12)  # on the 1st of January, and every n months after
_SUFFIXES = ((1e9, "B"), (1e6, "M"), (1e3, "K"))


def nice_step(raw: float, *, integer: bool = True) -> float:
    """The smallest round step (1, 2, 2.5, 5 × 10ⁿ) at least `raw`; whole numbers only when
    the data are counts (no 2.5 followers)."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in NICE_MULTIPLES:
        step = multiple * magnitude
        if integer and step < 10 and step != int(step):
            continue
        if step >= raw * (1 - 1e-9):
            break
    return max(step, 1.0) if integer else step


def nice_ticks(low: float, high: float, count: int = 5, *, integer: bool = True) -> list[float]:
    """Round ticks from a step at or below `low` to a step at or above `high`, about `count`
    of them (never more than `count` + 1). A flat range is widened around its value."""
    if high < low:
        low, high = high, low
    if high == low:
        pad = max(1.0, abs(low) * 0.1)
        low, high = (max(0.0, low - pad) if low >= 0 else low - pad), high + pad
    step = nice_step((high - low) / max(1, count - 1), integer=integer)
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    return [round(start + i * step, 10) for i in range(round((end - start) / step) + 1)]


def tick_labels(ticks: list[float]) -> list[str]:
    """Compact labels in one unit with just enough decimals for the step: 0, 2.5K, 5K, 7.5K."""
    if not ticks:
        return []
    top = max(abs(t) for t in ticks)
    gap = ticks[1] - ticks[0] if len(ticks) > 1 else top or 1.0
    # A unit only while its step needs at most two decimals (1.25K, not 1.002K).
    limit, suffix = next(
        ((lim, s) for lim, s in _SUFFIXES if top >= lim and gap >= lim / 100), (1.0, "")
    )
    if not suffix:
        return [f"{t:,.0f}" if t == int(t) else f"{t:,g}" for t in ticks]
    step = gap / limit
    decimals = 0
    while decimals < 3 and abs(round(step, decimals) - step) > 1e-9:
        decimals += 1
    out = []
    for t in ticks:
        text = f"{t / limit:.{decimals}f}"
        if decimals:
            text = text.rstrip("0").rstrip(".")
        out.append("0" if t == 0 else f"{text}{suffix}")
    return out


def _month_starts(first: date, last: date, months: int) -> list[date]:
    out = []
    year, month = first.year, first.month
    if first.day > 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    while date(year, month, 1) <= last:
        if (month - 1) % months == 0:
            out.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _day_steps(first: date, last: date, days: int) -> list[date]:
    if days >= 7:  # weeks start on Mondays; every other week counts from a fixed Monday
        offset = (-first.toordinal() % days + 1) % days  # ordinal 1 (1 Jan 1) is a Monday
        start = first + timedelta(days=offset)
    else:
        start = first
    out = []
    day = start
    while day <= last:
        out.append(day)
        day += timedelta(days=days)
    return out


def date_ticks(first: date, last: date, count: int = 5) -> tuple[list[date], str]:
    """Round days between `first` and `last` (at most `count`, at least two when the span
    allows), and whether they step by "day" or "month" (for their labels)."""
    if last <= first:
        return [first], "day"
    for days in DAY_STEPS:
        ticks = _day_steps(first, last, days)
        if 2 <= len(ticks) <= count:
            return ticks, "day"
    for months in MONTH_STEPS:
        ticks = _month_starts(first, last, months)
        if 2 <= len(ticks) <= count:
            return ticks, "month"
    return [first, last], "day"


def date_labels(ticks: list[date], unit: str) -> list[str]:
    """ "3 Dec" or "Dec", with the year on the first tick and wherever the year changes."""
    labels = []
    year = None
    for day in ticks:
        text = f"{day:%b}" if unit == "month" else f"{day.day} {day:%b}"
        if day.year != year:
            text, year = f"{text} {day.year}", day.year
        labels.append(text)
    return labels
