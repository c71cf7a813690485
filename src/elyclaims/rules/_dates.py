"""Date arithmetic the rule families share."""

from __future__ import annotations

from calendar import monthrange
from datetime import date

__all__ = ["add_months"]


def add_months(day: date, months: int) -> date:
    """*day* moved by *months* months, clamped to the end of the month (31.1. + 1 = 28.2.) and
    to the dates Python can hold (year 1 to 9999)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year < date.min.year:
        return date.min
    if year > date.max.year:
        return date.max
    last = monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))
