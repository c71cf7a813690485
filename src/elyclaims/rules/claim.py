"""CL: the claim itself: claimant, period, account, decision, recipient, contact."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from elyclaims.findings import Finding, Named
from elyclaims.identifiers import expected_business_id, is_valid_business_id, is_valid_iban
from elyclaims.model import Claim, ClaimantType, Purpose
from elyclaims.refdata import Authority
from elyclaims.rules._claimant import name_and_code_disagree
from elyclaims.rules._dates import add_months
from elyclaims.rules._registry import RuleContext, RuleFunction

_REGIONAL = frozenset({"ely-centre", "elinvoimakeskus"})


def _authority(authority: Authority) -> Named:
    return Named("authority", authority.code)


def claimant_business_id(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The claimant's Business ID must be well formed with a correct check digit."""
    business_id = claim.claimant.business_id
    if business_id and not is_valid_business_id(business_id):
        expected = expected_business_id(business_id)
        yield Finding.make("CL-001", claim.location("business_id"), value=business_id,
                           variant="check_digit" if expected else None, expected=expected or "")


def claimant_type_known(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The claimant type must be a county, the City of Helsinki, a municipality or ÅHS."""
    kind = claim.claimant.type
    if kind and kind not in {t.value for t in ClaimantType}:
        yield Finding.make("CL-002", claim.location("type"), value=kind)


def claimant_code_known(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The claimant code must be in the classification, fit the claimant type and, for a
    municipality, exist on the claim date."""
    kind, code = claim.claimant.type, claim.claimant.code
    location = claim.location("code")
    refdata = context.refdata
    if kind == ClaimantType.CITY_OF_HELSINKI:
        if code and not refdata.helsinki_code(code):
            yield Finding.make("CL-003", location, variant="helsinki", value=code)
        return
    if kind in {ClaimantType.ALAND_HEALTH_CARE, ClaimantType.ALAND_SOCIAL_SERVICES}:
        county = refdata.county(code) if code else None
        if code and (county is None or not county.outside_reform):
            yield Finding.make("CL-003", location, value=code,
                               variant="aland" if kind == ClaimantType.ALAND_HEALTH_CARE
                               else "aland_social")
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
        if refdata.claimant_identity(kind, code) is None:
            yield Finding.make("CL-003", location, variant="county", value=code)
        return
    municipality = refdata.municipality(code)
    if municipality is None:
        yield Finding.make("CL-003", location, variant="municipality", value=code)
    elif not municipality.exists_on(context.today):
        yield Finding.make("CL-003", location, variant="ceased", value=code,
                           until=municipality.valid_until or "", today=context.today,
                           successor=Named("municipality", municipality.successor or ""))


def claimant_name_matches_code(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The claimant's name and its code must name the same county or municipality."""
    disagree = name_and_code_disagree(claim, context)
    if disagree is None:
        return
    (named_kind, named_code), (coded_kind, coded_code) = disagree
    code_cell = claim.location("code")
    yield Finding.make("CL-010", claim.location("name"), value=claim.claimant.name or "",
                       named=Named(named_kind, named_code), code=claim.claimant.code or "",
                       coded=Named(coded_kind, coded_code),
                       code_cell=code_cell.cell or str(code_cell),
                       lines=len(claim.expenses))


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


def iban_valid(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The IBAN, when given, must be well formed and pass the mod-97 check."""
    iban = claim.claimant.iban
    if iban and not is_valid_iban(iban):
        yield Finding.make("CL-005", claim.location("iban"), value=iban)


def payment_claim_has_decision(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A payment claim must name the decision it is paid on."""
    if claim.purpose == Purpose.PAYMENT_CLAIM and not claim.decision_reference:
        yield Finding.make("CL-006", claim.location("purpose"))


def recipient_competent(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A recipient that is given must be known, in operation on the claim date and competent
    for the purpose; with none given, the default (the claimant's regional authority, or the
    payer for a payment claim) applies, and only a claim from which none follows is reported.
    Where no default follows (the claimant's region is not known), the finding's variant ends
    in ``_no_default`` and its hint points to the claimant instead of naming an authority."""
    refdata, today = context.refdata, context.today
    location = claim.location("recipient")
    county = refdata.region(refdata.claimant_identity(claim.claimant.type, claim.claimant.code))
    right = refdata.default_recipient(claim.purpose, county, today)
    if not claim.recipient:
        if right is None and county is not None and claim.purpose is not None:
            yield Finding.make("CL-007", location, variant="missing")
        return

    def wrong(variant: str, **params: Any) -> Finding:
        if right is None:
            return Finding.make("CL-007", location, variant=f"{variant}_no_default",
                                value=claim.recipient, **params)
        return Finding.make("CL-007", location, variant=variant, value=claim.recipient,
                            expected=_authority(right), **params)

    authority = refdata.authority(claim.recipient)
    if authority is None:
        yield wrong("unknown")
    elif not authority.operates_on(today):
        if authority.valid_from is not None and today < authority.valid_from:
            yield wrong("not_yet", authority=_authority(authority), since=authority.valid_from,
                        today=today)
        else:
            # The claimant's region's authority now (whatever centre was named), else, for a
            # claimant of no known region, the centre's own successor.
            successor = (refdata.regional_authority(county, today)
                         or refdata.authorities.get(authority.successor_for(county) or ""))
            if successor is None:  # its tasks were split by region, and the region is not known
                yield Finding.make("CL-007", location, variant="ceased_no_default",
                                   value=claim.recipient, authority=_authority(authority),
                                   until=authority.valid_until or "", today=today)
            else:
                yield Finding.make("CL-007", location, variant="ceased", value=claim.recipient,
                                   authority=_authority(authority),
                                   until=authority.valid_until or "", today=today,
                                   successor=_authority(successor))
    elif claim.purpose == Purpose.PAYMENT_CLAIM and authority.kind != "payer":
        yield wrong("payment_claim", authority=_authority(authority))
    elif claim.purpose == Purpose.DECISION_APPLICATION and authority.kind == "payer":
        yield wrong("decision_application", authority=_authority(authority))


def contact_given(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A contact person and an email address should be given."""
    missing = [name for name, value in (("contact_person", claim.claimant.contact_person),
                                        ("email", claim.claimant.email)) if not value]
    if missing:
        yield Finding.make("CL-008", claim.location(missing[0]),
                           missing=tuple(Named("claim_field", name) for name in missing))


def recipient_of_own_region(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A regional authority in operation that is not the claimant's own region's: regional
    competence is an inference, so a warning."""
    refdata, today = context.refdata, context.today
    authority = refdata.authority(claim.recipient) if claim.recipient else None
    if authority is None or authority.kind not in _REGIONAL or not authority.operates_on(today):
        return
    if claim.purpose == Purpose.PAYMENT_CLAIM:
        return  # CL-007's
    county = refdata.region(refdata.claimant_identity(claim.claimant.type, claim.claimant.code))
    right = refdata.regional_authority(county, today)
    if right is not None and right.code != authority.code:
        yield Finding.make("CL-009", claim.location("recipient"), value=claim.recipient,
                           authority=_authority(authority), expected=_authority(right))


#: The family's rules by id (they run in the catalogue's order).
RULES: dict[str, RuleFunction] = {
    "CL-001": claimant_business_id,
    "CL-002": claimant_type_known,
    "CL-003": claimant_code_known,
    "CL-010": claimant_name_matches_code,
    "CL-004": period_valid,
    "CL-005": iban_valid,
    "CL-006": payment_claim_has_decision,
    "CL-007": recipient_competent,
    "CL-008": contact_given,
    "CL-009": recipient_of_own_region,
}
