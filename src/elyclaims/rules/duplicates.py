"""DU: the same cost twice: within the claim (DU-001, DU-003), or in a package submitted
before (DU-002, from the ledger's record that the check is given)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from elyclaims.findings import Finding
from elyclaims.model import Claim, ExpenseLine, duplicate_key
from elyclaims.rules._registry import RuleContext, at_line, rule
from elyclaims.vocabulary import normalize_label


def _fold(text: str | None) -> str:
    return normalize_label(text).replace(" ", "") if text else ""


@rule("DU-001")
def same_invoice_twice(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The same provider, invoice, client and net amount may be claimed only once."""
    first: dict[str, ExpenseLine] = {}
    for line in claim.expenses:
        key = duplicate_key(line)
        if key is None:
            continue
        if key in first:
            yield at_line(line, "invoice_number", "DU-001", value=line.invoice_number,
                          first=first[key].line_id, net=line.net_amount)
        else:
            first[key] = line


@rule("DU-002")
def claimed_before(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A cost already claimed in a package that was submitted (and not rejected or superseded)
    may not be claimed again; the finding names that package, its reference and date."""
    if not context.claimed:
        return
    for line in claim.expenses:
        key = duplicate_key(line)
        earlier = context.claimed.get(key) if key is not None else None
        if earlier is not None:
            yield at_line(line, "invoice_number", "DU-002", value=line.invoice_number,
                          package=earlier.package_id, reference=earlier.reference,
                          submitted=earlier.submitted_on, earlier_line=earlier.line_id)


@rule("DU-003")
def same_cost_other_invoice(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The same client, date, category and amount under another invoice number may be the same
    cost invoiced twice."""
    seen: dict[tuple[str, object, str, Decimal], list[ExpenseLine]] = {}
    for line in claim.expenses:
        if not line.client_reference or line.service_date is None or line.net_amount is None:
            continue
        key = (_fold(line.client_reference), line.service_date, line.category or "",
               line.net_amount)
        earlier = seen.setdefault(key, [])
        other = next((e for e in earlier
                      if _fold(e.invoice_number) != _fold(line.invoice_number)), None)
        if other is not None:
            yield at_line(line, "invoice_number", "DU-003", value=line.invoice_number or "",
                          first=other.line_id, other_invoice=other.invoice_number or "-")
        earlier.append(line)
