"""WB rules that judge the assembled claim rather than the file: claim data that is missing
(WB-010), and, for a claim checked on its own, cells that could not be read (WB-004)."""

from __future__ import annotations

from collections.abc import Iterator

from elyclaims.findings import Finding, Named
from elyclaims.model import Claim
from elyclaims.rules._registry import RuleContext, RuleFunction

__all__ = ["unread_cells"]

# The claim data every claim needs: (field of the model, key of the claim sheet).
_REQUIRED = (("name", "claimant_name"), ("type", "claimant_type"),
             ("business_id", "business_id"), ("period_start", "period_start"),
             ("period_end", "period_end"), ("purpose", "purpose"))
_CLAIMANT_FIELDS = frozenset({"name", "type", "business_id"})


def claim_data_given(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The claimant, the period and the purpose must come from the claim sheet or the config
    (a value given but unreadable already has its WB-004)."""
    for field, key in _REQUIRED:
        claimant_or_claim = claim.claimant if field in _CLAIMANT_FIELDS else claim
        if getattr(claimant_or_claim, field) is not None or field in claim.unreadable:
            continue
        yield Finding.make("WB-010", claim.location(key), accepted=Named("claim_field", key))


def unread_cells(claim: Claim) -> Iterator[Finding]:
    """WB-004 for every value the claim records as unreadable: how a claim checked without its
    workbook (built from a changed copy, say) still reports the cells that were never read."""
    for field in sorted(claim.unreadable):
        yield Finding.make("WB-004", claim.location(field), variant="unread")
    for client in claim.clients:
        for field in sorted(client.source.unreadable):
            yield Finding.make("WB-004", client.source.location(field), variant="unread")
    for line in claim.expenses:
        for field in sorted(line.source.unreadable):
            yield Finding.make("WB-004", line.source.location(field), variant="unread",
                               line_id=line.line_id)


#: The family's rules by id (they run in the catalogue's order).
RULES: dict[str, RuleFunction] = {
    "WB-010": claim_data_given,
}
