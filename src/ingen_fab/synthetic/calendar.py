"""Dates of a series: strict parsing, day indexes from the epoch and the demand calendar.

Order volume is a base rate times a weekday factor times a holiday factor. The default holiday
calendar is a handful of Australian retail days; callers may add or override dates with a
mapping of ISO date to factor, which the manifest records as part of the world.
"""

from __future__ import annotations

import datetime as dt
import re

from ingen_fab.errors import SyntheticDataError

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Monday .. Sunday: weekends are the busy days, Monday the quietest.
WEEKDAY_FACTORS = (0.80, 0.85, 0.92, 1.00, 1.12, 1.35, 1.20)

# (month, day) -> factor, applied every year.
FIXED_HOLIDAYS = {
    (1, 1): 0.55,  # New Year's Day
    (1, 26): 0.80,  # Australia Day
    (4, 25): 0.70,  # Anzac Day
    (12, 24): 1.40,
    (12, 25): 0.20,
    (12, 26): 1.90,  # Boxing Day sales
    (12, 31): 0.90,
}
BLACK_FRIDAY_FACTOR = 2.20


def parse_date(value: str, what: str) -> dt.date:
    """A strict YYYY-MM-DD date, or a one-line error naming the option."""
    text = str(value).strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SyntheticDataError(
            f"invalid {what} '{value}': expected a date as YYYY-MM-DD"
        ) from None


def date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    if start > end:
        raise SyntheticDataError(
            f"start date {start} is after end date {end}: swap them or fix the range"
        )
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def parse_holidays(values: dict[str, float] | None) -> dict[str, float]:
    """Validated holiday overrides, keyed by ISO date and sorted for the manifest."""
    result = {}
    for key, factor in (values or {}).items():
        day = parse_date(key, "holiday date")
        try:
            factor = float(factor)
        except (TypeError, ValueError):
            factor = -1.0
        if not 0.0 <= factor <= 10.0:
            raise SyntheticDataError(
                f"invalid holiday factor for {key}: give a number from 0 to 10, e.g. {key}=1.5"
            )
        result[day.isoformat()] = factor
    return dict(sorted(result.items()))


def _black_friday(year: int) -> dt.date:
    first = dt.date(year, 11, 1)
    first_thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + dt.timedelta(days=22)


def holiday_factor(day: dt.date, overrides: dict[str, float]) -> float:
    """The holiday multiplier of ``day`` (1.0 on ordinary days)."""
    if day.isoformat() in overrides:
        return overrides[day.isoformat()]
    if day == _black_friday(day.year):
        return BLACK_FRIDAY_FACTOR
    return FIXED_HOLIDAYS.get((day.month, day.day), 1.0)


def demand_factor(day: dt.date, overrides: dict[str, float]) -> float:
    """Expected order volume of ``day`` relative to the base daily rate."""
    return WEEKDAY_FACTORS[day.weekday()] * holiday_factor(day, overrides)
