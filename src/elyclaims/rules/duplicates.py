"""DU: the same cost twice, within the workbook (DU-001, DU-003).

DU-002, the same cost in an earlier submitted package, needs the ledger and comes with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from elyclaims.findings import Finding
from elyclaims.model import Claim, ExpenseLine
from elyclaims.rules._registry import RuleContext, at_line, rule
from elyclaims.vocabulary import normalize_label

__all__ = ["duplicate_key"]


def _fold(text: str | None) -> str:
    return normalize_label(text).replace(" ", "") if text else ""


def duplicate_key(line: ExpenseLine) -> tuple[str, str, str, Decimal] | None:
    """Provider + invoice number + client + net amount, folded; None without an invoice number
    or a net amount (own costs have no invoice to be claimed twice)."""
    if not line.invoice_number or line.net_amount is None:
        return None
    return (_fold(line.provider), _fold(line.invoice_number), _fold(line.client_reference),
            line.net_amount)


@rule("DU-001")
def same_invoice_twice(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The same provider, invoice, client and net amount may be claimed only once."""
    first: dict[tuple[str, str, str, Decimal], ExpenseLine] = {}
    for line in claim.expenses:
        key = duplicate_key(line)
        if key is None:
            continue
        if key in first:
            yield at_line(line, "invoice_number", "DU-001", value=line.invoice_number,
                          first=first[key].line_id, net=key[3])
        else:
            first[key] = line


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
