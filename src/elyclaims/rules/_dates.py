"""Date arithmetic, and the claim's span of service dates, that the rule families share."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from operator import attrgetter

from elyclaims.model import Claim
from elyclaims.rules._registry import RuleContext

__all__ = ["add_months", "service_days"]


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


def service_days(claim: Claim, context: RuleContext) -> tuple[date, date] | None:
    """The first and last service date of the claim's lines (None when no line has one), found
    once for every rule that can pass a claim whose dates all lie within its bounds without
    going through the lines."""
    return context.derived("service days", claim, _first_and_last)


def _first_and_last(claim: Claim) -> tuple[date, date] | None:
    days = set(map(attrgetter("service_date"), claim.expenses))  # a claim repeats its days
    days.discard(None)
    return (min(days), max(days)) if days else None
