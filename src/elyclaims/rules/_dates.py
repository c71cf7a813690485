"""Date arithmetic, and the claim's span of service dates, that the rule families share."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from operator import attrgetter

from elyclaims.model import Claim
from elyclaims.rules._registry import RuleContext

__all__ = ["add_months", "service_days", "some_line_undated"]


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
    dated = [day for day in _days(claim, context) if day is not None]
    return (min(dated), max(dated)) if dated else None


def some_line_undated(claim: Claim, context: RuleContext) -> bool:
    """Whether a line has no service date (found with the dates, in the same pass)."""
    return None in _days(claim, context)


def _days(claim: Claim, context: RuleContext) -> frozenset[date | None]:
    return context.derived("service days", claim, _distinct_days)


def _distinct_days(claim: Claim) -> frozenset[date | None]:
    return frozenset(map(attrgetter("service_date"), claim.expenses))  # a claim repeats its days
