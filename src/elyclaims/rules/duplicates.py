"""DU: the same cost twice: within the claim (DU-001, DU-003), or in a package submitted
before (DU-002, from the ledger's record that the check is given)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from decimal import Decimal

from elyclaims.findings import Finding
from elyclaims.model import Claim, ExpenseLine, client_key, duplicate_key, own_party
from elyclaims.rules._registry import RuleContext, RuleFunction, at_line
from elyclaims.vocabulary import Severity


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


def _field(line: ExpenseLine) -> str:
    """The cell a duplicate is shown on: the invoice number, or for a line without one (whose
    invoice cell is empty) its description."""
    return "invoice_number" if line.invoice_number else "description"


def same_cost_twice(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The same provider, invoice, client and net amount may be claimed only once (an error).
    Two lines without an invoice number with one key (client, date, category, amount, provider,
    description) are a warning: two identical sessions on one day happen, and an
    acknowledgement with a written reason settles it."""
    own = own_party(claim)

    def key_of(line: ExpenseLine) -> str | None:
        return duplicate_key(line, own)

    first = FirstByKey(key_of)
    for line in claim.expenses:
        key = key_of(line)
        if key is None:
            continue
        earlier = first.earlier(line, key)
        if earlier is None:
            continue
        if line.invoice_number:
            yield at_line(line, "invoice_number", "DU-001", value=line.invoice_number,
                          first=earlier.line_id, net=line.net_amount)
        else:
            yield at_line(line, "description", "DU-001", variant="uninvoiced",
                          severity=Severity.WARNING, value=line.description or "",
                          first=earlier.line_id, net=line.net_amount,
                          date=line.service_date)


def claimed_before(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A cost already claimed in a package that was submitted (and not rejected, withdrawn or
    superseded) may not be claimed again; the finding names that package, its reference and
    date. A key claimed *n* times before (two identical sessions) makes the first *n* lines of
    that key here duplicates; the next one is new."""
    if not context.claimed:
        return
    own = own_party(claim)
    seen: dict[str, int] = {}
    for line in claim.expenses:
        key = duplicate_key(line, own)
        if key is None:
            continue
        earlier = context.claimed.get(key)
        if earlier is None:
            continue
        seen[key] = times = seen.get(key, 0) + 1
        if times > earlier.count:
            continue
        yield at_line(line, _field(line), "DU-002",
                      variant=None if line.invoice_number else "uninvoiced",
                      value=line.invoice_number or line.description or "",
                      package=earlier.package_id, reference=earlier.reference,
                      submitted=earlier.submitted_on, earlier_line=earlier.line_id,
                      net=line.net_amount, date=line.service_date)


def same_cost_other_key(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The same client, date, category and amount under another duplicate key (another invoice
    number, provider or description; invoiced or not) may be the same cost claimed twice."""
    own = own_party(claim)
    # Per key, the line seen; where a key repeats, the first line of each duplicate key (so
    # that a thousand identical lines cost a thousand steps, not half a million).
    seen: dict[tuple[str, object, str, Decimal], ExpenseLine | dict[str, ExpenseLine]] = {}
    for line in claim.expenses:
        if not line.client_reference or line.service_date is None or line.net_amount is None:
            continue
        key = (client_key(line.client_reference), line.service_date, line.category or "",
               line.net_amount)
        found = seen.get(key)
        if found is None:
            seen[key] = line
            continue
        if isinstance(found, ExpenseLine):
            found = seen[key] = {duplicate_key(found, own) or "": found}
        mine = duplicate_key(line, own) or ""
        other = next((e for known, e in found.items() if known != mine), None)
        if other is not None:
            yield at_line(line, _field(line), "DU-003", value=line.invoice_number or "",
                          first=other.line_id, other_invoice=other.invoice_number or "-")
        found.setdefault(mine, line)


#: The family's rules by id (they run in the catalogue's order).
RULES: dict[str, RuleFunction] = {
    "DU-001": same_cost_twice,
    "DU-002": claimed_before,
    "DU-003": same_cost_other_key,
}
