"""The report: every finding, sorted as the officer reads the workbook, and the claim's totals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from elyclaims.findings import Finding, Severity, column_index
from elyclaims.model import Category, Claim, ExpenseLine
from elyclaims.reading import SheetRef, SourceFile

__all__ = ["CategoryTotal", "Report", "Summary", "Totals", "summarize"]


@dataclass(frozen=True, slots=True)
class CategoryTotal:
    """Line count and amounts of one cost category."""

    lines: int = 0
    net: Decimal = Decimal("0.00")
    vat: Decimal = Decimal("0.00")
    gross: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts and exact totals. Gross is net + VAT where a line gives no gross of its own.

    Net, VAT and gross are sums over exactly the same lines: every line except those whose
    amounts could not be read, which are counted in ``lines`` and in ``not_totalled``.
    """

    lines: int = 0
    clients: int = 0
    not_totalled: int = 0
    net_total: Decimal = Decimal("0.00")
    vat_total: Decimal = Decimal("0.00")
    gross_total: Decimal = Decimal("0.00")
    by_category: dict[str, CategoryTotal] = field(default_factory=dict)


_ZERO = Decimal("0.00")


def _gross(line: ExpenseLine) -> Decimal:
    if line.gross_amount is not None:
        return line.gross_amount
    return (line.net_amount or Decimal(0)) + (line.vat_amount or Decimal(0))


class Totals:
    """Adds up lines one at a time (so a writer can total what it streams)."""

    def __init__(self) -> None:
        self.lines = 0
        self.not_totalled = 0
        self.net = self.vat = self.gross = Decimal("0.00")
        # Per category: lines, net, VAT and gross, added up in place (a line at a time).
        self._categories: dict[str, list[Any]] = {}

    def add(self, line: ExpenseLine) -> None:
        """Count *line* in the overall and category totals (unknown categories as themselves);
        a line whose amounts could not be read is counted, but in no total."""
        self.lines += 1
        if not line.totalled:
            self.not_totalled += 1
            return
        net = line.net_amount or _ZERO
        vat = line.vat_amount or _ZERO
        gross = _gross(line)
        self.net, self.vat, self.gross = self.net + net, self.vat + vat, self.gross + gross
        key = line.category or "UNKNOWN"
        total = self._categories.get(key)
        if total is None:
            total = self._categories[key] = [0, _ZERO, _ZERO, _ZERO]
        total[0] += 1
        total[1] += net
        total[2] += vat
        total[3] += gross

    @property
    def by_category(self) -> dict[str, CategoryTotal]:
        """The totals so far by category, in the order the categories came."""
        return {key: CategoryTotal(lines=lines, net=net, vat=vat, gross=gross)
                for key, (lines, net, vat, gross) in self._categories.items()}

    def summary(self, clients: int = 0) -> Summary:
        """The totals so far, categories in catalogue order."""
        order = {code.value: position for position, code in enumerate(Category)}
        ordered = dict(sorted(self.by_category.items(),
                              key=lambda item: (order.get(item[0], 99), item[0])))
        return Summary(lines=self.lines, clients=clients, not_totalled=self.not_totalled,
                       net_total=self.net, vat_total=self.vat, gross_total=self.gross,
                       by_category=ordered)


def summarize(claim: Claim | None) -> Summary:
    """Total *claim*'s lines, overall and by category (an unknown category totals as itself)."""
    if claim is None:
        return Summary()
    totals = Totals()
    for line in claim.expenses:
        totals.add(line)
    return totals.summary(clients=len(claim.clients))


@dataclass(slots=True)
class Report:
    """What a check of the input found: the findings, the totals and the inputs' digests.

    ``opened`` is False when an input could not be read at all (WB-001). ``claim`` is the claim
    the report describes (the very object), so that a package is only ever built from the
    claim that was checked.
    """

    findings: list[Finding]
    summary: Summary
    sources: Sequence[SourceFile] = ()
    sheet_order: Sequence[SheetRef] = ()
    opened: bool = True
    claim: Claim | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.findings = sort_findings(self.findings, self.sheet_order)

    def count(self, severity: Severity, *, acknowledged: bool | None = None) -> int:
        """How many findings have *severity* (optionally only (un)acknowledged ones)."""
        return sum(
            1 for f in self.findings
            if f.severity is severity
            and (acknowledged is None or (f.acknowledged is not None) == acknowledged)
        )

    @property
    def errors(self) -> int:
        """The number of error findings."""
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        """The number of warning findings."""
        return self.count(Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when the input was read and has no error findings."""
        return self.opened and self.errors == 0

    def flat(self, family: str = "") -> list[tuple[str, str | None, str | None]]:
        """The findings as ``(rule, sheet, cell)`` tuples in report order, e.g.
        ``("EL-002", "Kulut", "A12")``: what a script or a test compares (the sheet is None for
        a finding on a file or a config key, the cell None for one on a whole row or sheet).
        With *family* (``"WB"``, or a whole rule id) only the rules whose id starts with it."""
        return [(f.rule, f.location.sheet, f.location.cell) for f in self.findings
                if f.rule.startswith(family)]

    def passes(self, *, strict: bool = False) -> bool:
        """True when no error remains (and, with *strict*, no unacknowledged warning)."""
        if not self.ok:
            return False
        return not strict or self.count(Severity.WARNING, acknowledged=False) == 0


def sort_findings(findings: Iterable[Finding], sheet_order: Sequence[SheetRef]) -> list[Finding]:
    """Sort by sheet order (file and sheet), row, column, rule id (findings without a sheet
    come first)."""
    position = {sheet: index for index, sheet in enumerate(sheet_order)}
    by_name = {name: index for index, (_, name) in reversed(list(enumerate(sheet_order)))}

    def key(finding: Finding) -> tuple[int, int, int, str]:
        location = finding.location
        if location.sheet is None:
            sheet = -1
        else:
            sheet = position.get((location.file or "", location.sheet),
                                 by_name.get(location.sheet, len(position)))
        column = column_index(location.column) if location.column else 0
        return (sheet, location.row or 0, column, finding.rule)

    return sorted(findings, key=key)
