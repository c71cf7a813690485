"""EL: is each expense line eligible: the client, the dates, the category, the organiser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from elyclaims.findings import Finding, Named
from elyclaims.model import Category, Claim, Client, ExpenseLine, category_of, client_key
from elyclaims.rules._claimant import name_and_code_disagree
from elyclaims.rules._dates import add_months, service_days, some_line_undated
from elyclaims.rules._registry import RuleContext, RuleFunction, at_line
from elyclaims.vocabulary import normalize_label

__all__ = ["clients_by_reference"]


def clients_by_reference(claim: Claim) -> dict[str, Client]:
    """The first client with each reference, by :func:`client_key`."""
    found: dict[str, Client] = {}
    for client in claim.clients:
        if client.reference:
            found.setdefault(client_key(client.reference), client)
    return found


def _with_client(claim: Claim, context: RuleContext) -> Iterator[tuple[ExpenseLine, Client]]:
    """The lines whose client is listed, each with its client (found once for every rule; a
    listed client always has its reference)."""
    clients = context.derived("each line's client", claim, _clients_of_lines)
    for line, client in zip(claim.expenses, clients, strict=True):
        if client is not None:
            yield line, client


def _clients_of_lines(claim: Claim) -> list[Client | None]:
    """Each line's listed client, None for a line whose client is not listed (one pointer a
    line: a million lines cost eight megabytes, not pairs of them)."""
    clients = clients_by_reference(claim)  # no client is listed under "", a line without one
    return [clients.get(client_key(line.client_reference)) for line in claim.expenses]


def client_listed(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Each line's client must be in the clients sheet."""
    if not context.clients_given:
        return
    clients = clients_by_reference(claim)
    references = {line.client_reference for line in claim.expenses}
    unknown = {reference for reference in references
               if reference and client_key(reference) not in clients}
    if not unknown and all(references):
        return  # every line names a listed client
    for line in claim.expenses:
        if not line.client_reference:
            if "client_reference" not in line.source.unreadable:
                yield at_line(line, "client_reference", "EL-001", variant="missing")
        elif line.client_reference in unknown:
            yield at_line(line, "client_reference", "EL-001", value=line.client_reference)


def within_assistance(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The service date must fall within the client's time in the assistance system."""
    for line, client in _with_client(claim, context):
        day = line.service_date
        if day is None or client.dates_reversed:
            continue  # a removal before the admission is CT-004's, once on the client
        if client.admission_date and day < client.admission_date:
            yield at_line(line, "service_date", "EL-002", variant="before", value=day,
                      admission=client.admission_date, client=client.reference)
        elif client.removal_date and day > client.removal_date:
            yield at_line(line, "service_date", "EL-002", variant="after", value=day,
                      removal=client.removal_date, client=client.reference)


def had_home_municipality(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The client must have had a home municipality on the service date."""
    for line, client in _with_client(claim, context):
        since = client.home_municipality_since
        if line.service_date and since and since > line.service_date:
            yield at_line(line, "service_date", "EL-003", value=line.service_date, since=since,
                      client=client.reference)


def not_asylum_seeker(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """An asylum seeker's services are paid by the reception centre, not claimed here."""
    if all(client.asylum_seeker is None for client in claim.clients):
        return
    for line, client in _with_client(claim, context):
        status = client.asylum_seeker
        if line.service_date and status is not None and status.on(line.service_date):
            yield at_line(line, "service_date", "EL-004", value=line.service_date,
                      client=client.reference)


def category_known(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The category must be HEALTH, SOCIAL, INTERPRET, SAFETY or OTHER."""
    categories = {line.category for line in claim.expenses}
    unknown = {category for category in categories
               if category is not None and category_of(category) is None}
    if not unknown and None not in categories:
        return  # every line has a known category
    for line in claim.expenses:
        if line.category is None:
            if "category" not in line.source.unreadable:
                yield at_line(line, "category", "EL-005", variant="missing")
        elif line.category in unknown:
            yield at_line(line, "category", "EL-005", value=line.category)


def responsible_organiser(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The claimant must be the organiser responsible for the client on the service date."""
    refdata = context.refdata
    claimant = refdata.claimant_identity(claim.claimant.type, claim.claimant.code)
    if claimant is None or name_and_code_disagree(claim, context) is not None:
        return  # CL-002 / CL-003 / CL-010 report the claimant itself, once
    reform = context.parameter("rules", "reform_date")
    known: dict[tuple[str, str, date], set[tuple[str, str]]] = {}  # many lines, few answers
    homes = {id(client): refdata.municipality(client.home_municipality)
             for client in claim.clients}
    for line, client in _with_client(claim, context):
        category, day = line.category_code, line.service_date
        home = homes[id(client)]
        if category is None or day is None or home is None:
            continue
        allowed = known.get((home.code, category, day))
        if allowed is None:
            allowed = known[home.code, category, day] = refdata.organisers(home, category, day)
        if claimant in allowed:
            continue
        yield at_line(line, "category", "EL-006", value=line.category,
                      variant="before_reform" if day < reform else None,
                      home=Named("municipality", home.code),
                      expected=tuple(Named(kind, code) for kind, code in sorted(allowed)),
                      client=client.reference)


def other_justified(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """An OTHER line must say why the cost follows from victim status."""
    for line in claim.expenses:
        if not line.justification and line.category_code is Category.OTHER:
            yield at_line(line, "justification", "EL-007")


def line_justified(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Every line should carry a short justification (OTHER lines are EL-007's)."""
    for line in claim.expenses:
        if not line.justification and line.category_code is not Category.OTHER:
            yield at_line(line, "justification", "EL-008")


def within_period(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """The service date must be given and fall within the claim period."""
    start, end = claim.period_start, claim.period_end
    period = (start, end) if start is not None and end is not None and start <= end else None
    span = service_days(claim, context)
    within = period is None or span is None or (period[0] <= span[0] and span[1] <= period[1])
    if within and not some_line_undated(claim, context):
        return  # every line dated, every day within the period: no line to look at
    for line in claim.expenses:
        day = line.service_date
        if day is None:
            if _given_nothing(line, "service_date"):
                yield at_line(line, "service_date", "EL-009", variant="missing")
        elif period is not None and not period[0] <= day <= period[1]:
            yield at_line(line, "service_date", "EL-009", value=day, start=start, end=end)


def _given_nothing(line: ExpenseLine, field: str) -> bool:
    """Whether *field* of *line* was left empty: not a value that could not be read (WB-004's)
    nor a column the sheet lacks (WB-003's), both reported once already."""
    source = line.source
    return field not in source.unreadable and (source.row is None or field in source.cells)


def not_in_future(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A cost cannot be claimed before the service was given."""
    span = service_days(claim, context)
    if span is None or span[1] <= context.today:
        return
    for line in claim.expenses:
        if line.service_date is not None and line.service_date > context.today:
            yield at_line(line, "service_date", "EL-010", value=line.service_date,
                      today=context.today)


def within_claim_window(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Lines much older than the period end may be past the decision's deadline."""
    months = int(context.parameter("rules", "claim_window_months"))
    limit = add_months(claim.period_end or context.today, -months)
    span = service_days(claim, context)
    if span is None or span[0] >= limit:
        return
    for line in claim.expenses:
        if line.service_date is not None and line.service_date < limit:
            yield at_line(line, "service_date", "EL-011", value=line.service_date, limit=limit,
                      months=months)


def _keyword_pattern(words: list[str]) -> re.Pattern[str]:
    """Any of *words*, folded, as a whole word (in any order: where a shorter word fails its
    word boundary, the search goes on to a longer one)."""
    folded = sorted({normalize_label(word) for word in words})
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in folded) + r")(?!\w)")


def not_representative_fee(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A minor's representative's fee is paid by KEHA-keskus on the representative's own
    application."""
    pattern = _keyword_pattern(list(context.parameter("keywords", "representative_fee")))
    # Each distinct description once; the lines only where one names the fee.
    named = {text for text in {line.description for line in claim.expenses}
             if text and pattern.search(normalize_label(text))}
    if not named:
        return
    for line in claim.expenses:
        if line.description in named:
            yield at_line(line, "description", "EL-012", value=line.description)


def line_described(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Every line must say what the cost is for: the package's description is required."""
    for line in claim.expenses:
        if not line.description and _given_nothing(line, "description"):
            yield at_line(line, "description", "EL-013")


#: The family's rules by id (they run in the catalogue's order).
RULES: dict[str, RuleFunction] = {
    "EL-001": client_listed,
    "EL-002": within_assistance,
    "EL-003": had_home_municipality,
    "EL-004": not_asylum_seeker,
    "EL-005": category_known,
    "EL-006": responsible_organiser,
    "EL-007": other_justified,
    "EL-008": line_justified,
    "EL-009": within_period,
    "EL-010": not_in_future,
    "EL-011": within_claim_window,
    "EL-012": not_representative_fee,
    "EL-013": line_described,
}
