"""PV: the service providers behind invoices."""

from __future__ import annotations

from collections.abc import Iterator

from elyclaims.findings import Finding
from elyclaims.identifiers import expected_business_id, is_valid_business_id
from elyclaims.model import Claim
from elyclaims.rules._registry import RuleContext, RuleFunction, at_line


def provider_business_id_valid(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A provider's Business ID must be well formed with a correct check digit."""
    invalid = {written for written in {line.provider_business_id for line in claim.expenses}
               if written and not is_valid_business_id(written)}
    if not invalid:
        return
    for line in claim.expenses:
        written = line.provider_business_id
        if written in invalid:
            assert written is not None
            expected = expected_business_id(written)
            yield at_line(line, "provider_business_id", "PV-001", value=written,
                          variant="check_digit" if expected else None, expected=expected or "")


def invoiced_provider_identified(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """An invoice from an external provider should name the provider's Business ID."""
    for line in claim.expenses:
        if line.invoice_number and not line.provider_business_id and (
            "provider_business_id" not in line.source.unreadable
        ):
            yield at_line(line, "provider_business_id", "PV-002",
                          invoice=line.invoice_number, provider=line.provider or "")


#: The family's rules by id (they run in the catalogue's order).
RULES: dict[str, RuleFunction] = {
    "PV-001": provider_business_id_valid,
    "PV-002": invoiced_provider_identified,
}
