"""CT: the clients sheet: references, NAS dates, home municipality, unused clients."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

from elyclaims.findings import Finding, Named
from elyclaims.model import Claim, Client, client_key
from elyclaims.rules._registry import RuleContext, RuleFunction


def reference_given(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Every client row needs a client reference."""
    for client in claim.clients:
        if not client.reference and "reference" not in client.source.unreadable:
            yield Finding.make("CT-001", client.source.location("reference"))


def reference_unique(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A client reference may appear only once in the clients sheet."""
    first: dict[str, Client] = {}
    for client in claim.clients:
        if not client.reference:
            continue
        key = client_key(client.reference)
        earlier = first.get(key)
        if earlier is None:
            first[key] = client
        elif client.source.row is None:  # given in the config (its clients come last)
            yield Finding.make("CT-002", client.source.location("reference"), variant="config",
                               value=client.reference)
        else:
            yield Finding.make("CT-002", client.source.location("reference"),
                               value=client.reference, first_row=earlier.source.row)


def admission_date_given(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Every client needs the date of admission to the assistance system."""
    for client in claim.clients:
        if client.admission_date is None and "admission_date" not in client.source.unreadable:
            location = client.source.location("admission_date")
            yield (Finding.make("CT-003", location, client=client.reference) if client.reference
                   else Finding.make("CT-003", location, variant="unnamed"))


def removal_after_admission(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A removal date cannot be before the admission date."""
    reversed_clients = [client for client in claim.clients if client.dates_reversed]
    if not reversed_clients:
        return
    lines = Counter(client_key(line.client_reference) for line in claim.expenses
                    if line.client_reference)
    for client in reversed_clients:
        yield Finding.make("CT-004", client.source.location("removal_date"),
                           value=client.removal_date, admission=client.admission_date,
                           lines=lines[client_key(client.reference)])  # none without one


def home_municipality_known(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The home municipality must be a code or name in the classification, and must have
    existed on each of the client's service dates (with no lines, on the period end); reported
    once, on the client's cell, naming the successor."""
    service_dates: dict[str, set[date]] = {}  # each day once: lines repeat them
    for line in claim.expenses:
        if line.client_reference and line.service_date is not None:
            service_dates.setdefault(client_key(line.client_reference), set()).add(
                line.service_date)
    for client in claim.clients:
        location = client.source.location("home_municipality")
        if client.home_municipality is None:
            if "home_municipality" not in client.source.unreadable:
                yield (Finding.make("CT-005", location, variant="missing",
                                    client=client.reference) if client.reference
                       else Finding.make("CT-005", location, variant="missing_unnamed"))
            continue
        municipality = context.refdata.municipality(client.home_municipality)
        if municipality is None:
            yield Finding.make("CT-005", location, value=client.home_municipality)
            continue
        days = service_dates.get(client_key(client.reference)) or (
            {claim.period_end} if claim.period_end else set())
        gone = sorted(day for day in days if not municipality.exists_on(day))
        if gone:
            yield Finding.make("CT-005", location, variant="ceased",
                               value=client.home_municipality, day=gone[0],
                               until=municipality.valid_until or "",
                               successor=Named("municipality", municipality.successor or ""))


def client_has_lines(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A listed client should have at least one expense line."""
    used = {client_key(reference) for reference in {line.client_reference
                                                   for line in claim.expenses} if reference}
    for client in claim.clients:
        if client.reference and client_key(client.reference) not in used:
            yield Finding.make("CT-006", client.source.location("reference"),
                               value=client.reference)


#: The family's rules by id (they run in the catalogue's order).
RULES: dict[str, RuleFunction] = {
    "CT-001": reference_given,
    "CT-002": reference_unique,
    "CT-003": admission_date_given,
    "CT-004": removal_after_admission,
    "CT-005": home_municipality_known,
    "CT-006": client_has_lines,
}
