"""CL: the claim itself: claimant, period, account, decision, recipient, contact."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from datetime import date

from elyclaims.findings import Finding
from elyclaims.identifiers import expected_business_id, is_valid_business_id, is_valid_iban
from elyclaims.model import Claim, ClaimantType, Purpose
from elyclaims.rules._registry import RuleContext, rule

__all__ = ["add_months", "claimant_identity"]


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


@rule("CL-001")
def claimant_business_id(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The claimant's Business ID must be well formed with a correct check digit."""
    business_id = claim.claimant.business_id
    if business_id and not is_valid_business_id(business_id):
        expected = expected_business_id(business_id)
        yield Finding.make("CL-001", claim.location("business_id"), value=business_id,
                           variant="check_digit" if expected else None, expected=expected or "")


@rule("CL-002")
def claimant_type_known(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The claimant type must be a county, the City of Helsinki or a municipality."""
    kind = claim.claimant.type
    if kind and kind not in {t.value for t in ClaimantType}:
        yield Finding.make("CL-002", claim.location("type"), value=kind)


def claimant_identity(claim: Claim, context: RuleContext) -> tuple[str, str] | None:
    """``("county", "04")`` or ``("municipality", "092")`` for a claimant whose type and code
    are known; the City of Helsinki is ``("municipality", "091")``. None otherwise."""
    kind, code = claim.claimant.type, claim.claimant.code
    if kind == ClaimantType.CITY_OF_HELSINKI:
        return ("municipality", "091")
    if kind == ClaimantType.WELLBEING_SERVICES_COUNTY:
        county = context.reference.county(code) if code else None
        if county is not None and not county.helsinki and not county.outside_reform:
            return ("county", county.code)
        return None
    if kind == ClaimantType.MUNICIPALITY:
        municipality = context.reference.municipality(code) if code else None
        return ("municipality", municipality.code) if municipality else None
    return None


@rule("CL-003")
def claimant_code_known(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The claimant code must be in the classification and fit the claimant type."""
    kind, code = claim.claimant.type, claim.claimant.code
    location = claim.location("code")
    reference = context.reference
    if kind == ClaimantType.CITY_OF_HELSINKI:
        if code and code.strip().lstrip("0") not in {"91", "90"} and not (
            (county := reference.county(code)) and county.helsinki
        ):
            yield Finding.make("CL-003", location, variant="helsinki", value=code)
        return
    if kind not in {ClaimantType.WELLBEING_SERVICES_COUNTY, ClaimantType.MUNICIPALITY}:
        return
    if not code:
        yield Finding.make("CL-003", location, variant="missing")
        return
    if kind == ClaimantType.WELLBEING_SERVICES_COUNTY:
        digits = code.strip()
        if digits.isdigit() and len(digits) == 3:
            yield Finding.make("CL-003", location, variant="municipality_for_county", value=code)
            return
        county = reference.county(code)
        if county is None or county.helsinki or county.outside_reform:
            yield Finding.make("CL-003", location, variant="county", value=code)
        return
    if reference.municipality(code) is None:
        yield Finding.make("CL-003", location, variant="municipality", value=code)


@rule("CL-004")
def period_valid(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The period must start before it ends and last at most 12 months."""
    start, end = claim.period_start, claim.period_end
    if start is None or end is None:
        return
    if start > end:
        yield Finding.make("CL-004", claim.location("period_end"), variant="reversed",
                           start=start, end=end)
        return
    months = int(context.parameter("rules", "max_period_months"))
    if end >= add_months(start, months):
        yield Finding.make("CL-004", claim.location("period_end"), variant="too_long",
                           start=start, end=end, months=months)


@rule("CL-005")
def iban_valid(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The IBAN, when given, must be well formed and pass the mod-97 check."""
    iban = claim.claimant.iban
    if iban and not is_valid_iban(iban):
        yield Finding.make("CL-005", claim.location("iban"), value=iban)


@rule("CL-006")
def payment_claim_has_decision(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A payment claim must name the decision it is paid on."""
    if claim.purpose == Purpose.PAYMENT_CLAIM and not claim.decision_reference:
        yield Finding.make("CL-006", claim.location("purpose"))


@rule("CL-007")
def recipient_in_operation(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The recipient authority must be known and in operation on the day of the claim."""
    location = claim.location("recipient")
    if not claim.recipient:
        yield Finding.make("CL-007", location, variant="missing")
        return
    authority = context.reference.authority(claim.recipient)
    if authority is None or (authority.kind == "payer" and claim.purpose != Purpose.PAYMENT_CLAIM):
        yield Finding.make("CL-007", location, variant="unknown", value=claim.recipient)
        return
    if not authority.operates_on(context.today):
        successor = context.reference.authorities.get(authority.successor or "")
        yield Finding.make(
            "CL-007", location, variant="ceased", value=claim.recipient,
            until=authority.valid_until or "", successor=successor.fi if successor else "",
            successor_sv=successor.sv if successor else "",
            successor_en=successor.en if successor else "", today=context.today,
        )


@rule("CL-008")
def contact_given(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A contact person and an email address should be given."""
    missing = [name for name, value in (("contact_person", claim.claimant.contact_person),
                                        ("email", claim.claimant.email)) if not value]
    if missing:
        yield Finding.make("CL-008", claim.location(missing[0]), missing=", ".join(missing))
