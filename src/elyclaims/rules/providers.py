"""PV: the service providers behind invoices."""

from __future__ import annotations

from collections.abc import Iterator

from elyclaims.findings import Finding
from elyclaims.identifiers import is_valid_business_id
from elyclaims.model import Claim
from elyclaims.rules._registry import RuleContext, at_line, rule


@rule("PV-001")
def provider_business_id_valid(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A provider's Business ID must be well formed with a correct check digit."""
    for line in claim.expenses:
        if line.provider_business_id and not is_valid_business_id(line.provider_business_id):
            yield at_line(line, "provider_business_id", "PV-001",
                          value=line.provider_business_id)


@rule("PV-002")
def invoiced_provider_identified(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """An invoice from an external provider should name the provider's Business ID."""
    for line in claim.expenses:
        if line.invoice_number and not line.provider_business_id and (
            "provider_business_id" not in line.source.unreadable
        ):
            yield at_line(line, "provider_business_id", "PV-002",
                          invoice=line.invoice_number, provider=line.provider or "")
