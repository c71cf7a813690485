"""AM: the amounts of each line: net present, arithmetic, signs, VAT rates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from elyclaims.findings import Finding, Named, Percent
from elyclaims.model import Category, Claim
from elyclaims.refdata import SupplyType, VatRate
from elyclaims.rules._registry import RuleContext, RuleFunction, at_line
from elyclaims.values import quantize


def net_given(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Every line needs its net amount (unless only a gross is given: that is AM-007)."""
    for line in claim.expenses:
        unreadable = line.source.unreadable
        if (line.net_amount is None and "net_amount" not in unreadable
                and line.gross_amount is None and "gross_amount" not in unreadable):
            yield at_line(line, "net_amount", "AM-001")


def net_plus_vat_is_gross(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """When net, VAT and gross are all given, net + VAT must equal gross."""
    tolerance = Decimal(context.parameter("rules", "amount_tolerance"))
    for line in claim.expenses:
        net, vat, gross = line.net_amount, line.vat_amount, line.gross_amount
        if net is None or vat is None or gross is None:
            continue
        if abs(net + vat - gross) > tolerance:
            yield at_line(line, "gross_amount", "AM-002", value=gross, net=net, vat=vat,
                          expected=net + vat)


def negative_is_credit(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A negative amount is a credit note and must name the invoice it credits."""
    for line in claim.expenses:
        amount = line.net_amount if line.net_amount is not None else line.gross_amount
        if amount is not None and amount < 0 and not line.credited_invoice:
            field = "net_amount" if line.net_amount is not None else "gross_amount"
            yield at_line(line, field, "AM-003", value=amount)


def not_zero(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A zero amount claims nothing; it is probably a mistake."""
    if 0 not in set(map(attrgetter("net_amount"), claim.expenses)):  # the distinct amounts
        return
    for line in claim.expenses:
        if line.net_amount is not None and line.net_amount == 0:
            yield at_line(line, "net_amount", "AM-004")


def vat_rate_in_force(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The VAT must fit a rate the line's supply takes on the date of supply (the service date;
    the invoice date when there is none): what was bought decides, whatever the category. The
    supply is what the line's supply-type cell says, else what its description suggests
    (a taxi, a hotel, a meal, a medicine); a line with neither may carry any rate its category's
    supplies take. round(net x rate, 2) must be within 0.01 € of the VAT, so that 14 % and
    13.5 % are told apart."""
    refdata = context.refdata
    tolerance = Decimal(context.parameter("rules", "vat_fit_tolerance"))
    known: dict[tuple[str, date], list[VatRate]] = {}  # many lines, few answers
    supplies: dict[tuple[str | None, str | None], SupplyType | None] = {}
    for line in claim.expenses:
        net, vat = line.net_amount, line.vat_amount
        if not net or not vat:  # none, or zero
            continue
        day = line.service_date or line.invoice_date
        if day is None:
            continue
        said = (line.supply_type, line.description)
        supply = supplies.get(said, _UNSEEN)
        if supply is _UNSEEN:
            supply = supplies[said] = (refdata.supply_type(line.supply_type)
                                       or refdata.supply_suggested(line.description))
        category = line.category_code
        key = f"supply:{supply.code}" if supply is not None else f"category:{category}"
        rates = known.get((key, day))
        if rates is None:
            rates = known[key, day] = (refdata.vat_rates_of_supply(supply.code, day)
                                       if supply is not None
                                       else refdata.vat_rates_for(category, day))
        if not rates or any(_fits(net, vat, rate, tolerance) for rate in rates):
            continue
        if supply is None:
            yield at_line(line, "vat_amount", "AM-005", value=vat, net=net, day=day,
                          category=Named("category", line.category_code)
                          if line.category_code else line.category or "-",
                          rates=tuple(Percent(rate.percent) for rate in rates))
            continue
        reduced = [rate for rate in refdata.vat_rates_for(None, day)
                   if rate.name != "general" and _fits(net, vat, rate, tolerance)]
        yield at_line(line, "vat_amount", "AM-005",
                      variant="general_supply" if reduced and supply.code == "general"
                      else "supply", value=vat, net=net, day=day,
                      supply=Named("supply", supply.code),
                      rates=tuple(Percent(rate.percent) for rate in rates))


def _fits(net: Decimal, vat: Decimal, rate: VatRate, tolerance: Decimal) -> bool:
    return abs(quantize(net * rate.percent / 100) - vat) <= tolerance


_UNSEEN: Any = object()


def vat_judged_by_invoice_date(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A line with VAT but no service date is judged by its invoice date; where a rate changed
    in the year before it, the service may have been supplied under the other rate."""
    changed_before: dict[date, date | None] = {}
    for line in claim.expenses:
        day = line.invoice_date
        if not line.vat_amount or line.service_date is not None or day is None:
            continue
        if day not in changed_before:
            changed_before[day] = context.refdata.vat_rate_change_before(day)
        changed = changed_before[day]
        if changed is not None:
            yield at_line(line, "vat_amount", "AM-008", value=day, changed=changed)


def health_social_without_vat(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Health and social services are normally VAT-exempt."""
    exempt = {Category.HEALTH, Category.SOCIAL}
    for line in claim.expenses:
        if line.vat_amount and line.category_code in exempt:  # a VAT that is not zero
            yield at_line(line, "vat_amount", "AM-006", value=line.vat_amount,
                          category=Named("category", line.category_code.value))


def not_only_gross(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Claims are net of VAT: a line with only a gross amount cannot be claimed as such."""
    for line in claim.expenses:
        if (line.net_amount is None and "net_amount" not in line.source.unreadable
                and line.gross_amount is not None):
            yield at_line(line, "gross_amount", "AM-007", value=line.gross_amount)


#: The family's rules by id (they run in the catalogue's order).
RULES: dict[str, RuleFunction] = {
    "AM-001": net_given,
    "AM-002": net_plus_vat_is_gross,
    "AM-003": negative_is_credit,
    "AM-004": not_zero,
    "AM-005": vat_rate_in_force,
    "AM-008": vat_judged_by_invoice_date,
    "AM-006": health_social_without_vat,
    "AM-007": not_only_gross,
}
