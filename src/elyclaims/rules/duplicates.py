"""DU: the same cost twice: within the claim (DU-001, DU-003), or in a package submitted
before (DU-002, from the ledger's record that the check is given)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from decimal import Decimal

from elyclaims.findings import Finding
from elyclaims.model import Claim, ExpenseLine, duplicate_key
from elyclaims.rules._registry import RuleContext, at_line, rule
from elyclaims.vocabulary import normalize_label


def _fold(text: str | None) -> str:
    return normalize_label(text).replace(" ", "") if text else ""


class FirstByKey:
    """The first line of each key, remembered by the key's hash rather than the key itself (a
    million keys of text would hold a hundred megabytes); a line whose key's hash was seen is
    compared with the earlier lines of that hash by their whole keys, so that two keys that
    happen to share a hash are never taken for the same."""

    def __init__(self, key: Callable[[ExpenseLine], Hashable]) -> None:
        self._key = key
        self._by_hash: dict[int, ExpenseLine | tuple[ExpenseLine, ...]] = {}

    def earlier(self, line: ExpenseLine, key: Hashable) -> ExpenseLine | None:
        """The first line seen with *key*; None when there was none (*line* is then the first)."""
        digest = hash(key)
        found = self._by_hash.get(digest)
        if found is None:
            self._by_hash[digest] = line
            return None
        lines = found if isinstance(found, tuple) else (found,)
        same = next((earlier for earlier in lines if self._key(earlier) == key), None)
        if same is None:
            self._by_hash[digest] = (*lines, line)
        return same


@rule("DU-001")
def same_invoice_twice(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The same provider, invoice, client and net amount may be claimed only once."""
    first = FirstByKey(duplicate_key)
    for line in claim.expenses:
        key = duplicate_key(line)
        if key is None:
            continue
        earlier = first.earlier(line, key)
        if earlier is not None:
            yield at_line(line, "invoice_number", "DU-001", value=line.invoice_number,
                          first=earlier.line_id, net=line.net_amount)


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
    # Per key, the line seen; where a key repeats, the first line of each invoice number (so
    # that a thousand identical lines cost a thousand steps, not half a million).
    seen: dict[tuple[str, object, str, Decimal], ExpenseLine | dict[str, ExpenseLine]] = {}
    for line in claim.expenses:
        if not line.client_reference or line.service_date is None or line.net_amount is None:
            continue
        key = (_fold(line.client_reference), line.service_date, line.category or "",
               line.net_amount)
        found = seen.get(key)
        if found is None:
            seen[key] = line
            continue
        if isinstance(found, ExpenseLine):
            found = seen[key] = {_fold(found.invoice_number): found}
        invoice = _fold(line.invoice_number)
        other = next((e for fold, e in found.items() if fold != invoice), None)
        if other is not None:
            yield at_line(line, "invoice_number", "DU-003", value=line.invoice_number or "",
                          first=other.line_id, other_invoice=other.invoice_number or "-")
        found.setdefault(invoice, line)
