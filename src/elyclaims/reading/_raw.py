"""The raw shapes the reader produces: values with their locations, nothing typed yet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from elyclaims.findings import Finding, Location
from elyclaims.vocabulary import Role

__all__ = ["RawCell", "RawInput", "RawRow", "RawSheet", "RawTotals", "SourceFile"]


@dataclass(frozen=True, slots=True)
class RawCell:
    """One cell's value as the file gave it (str, int, float, datetime, bool…) and its location."""

    value: object
    location: Location


@dataclass(slots=True)
class RawRow:
    """One row of a table: its cells by field name.

    ``unreadable`` names fields whose cell already has a WB finding (for example a formula
    without a cached value), so that later rules do not report the same cell as empty.
    """

    file: str
    sheet: str
    row: int
    cells: dict[str, RawCell] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)
    decimal_comma: bool = True

    def location(self, field_name: str | None = None) -> Location:
        """The location of *field_name*'s cell, or of the row when the field has no cell."""
        if field_name and field_name in self.cells:
            return self.cells[field_name].location
        return Location(file=self.file, sheet=self.sheet, row=self.row, field=field_name)


@dataclass(frozen=True, slots=True)
class RawTotals:
    """A totals row (``Yhteensä`` …) that ended a table: its stated amounts by field."""

    row: RawRow


@dataclass(frozen=True, slots=True)
class RawSheet:
    """What a file-format engine hands to the table reader: one sheet as rows of values.

    ``rows`` yields ``(row_number, values)`` with ``values[0]`` in column A. ``uncalculated``
    holds ``(row, column)`` of formula cells with no cached value; ``hidden_rows`` the rows
    hidden in the sheet; ``merged`` the merged ranges as ``(top, left, bottom, right)``.
    """

    file: str
    name: str
    rows: Iterable[tuple[int, Sequence[object]]]
    hidden: bool = False
    hidden_rows: frozenset[int] = frozenset()
    uncalculated: frozenset[tuple[int, int]] = frozenset()
    merged: tuple[tuple[int, int, int, int], ...] = ()
    decimal_comma: bool = True
    role_hint: Role | None = None


@dataclass(frozen=True, slots=True)
class SourceFile:
    """An input file and the SHA-256 of its bytes."""

    path: str
    sha256: str


@dataclass(slots=True)
class RawInput:
    """Everything read from the input files, before any typing or checking.

    ``labels`` are the sheet names and header cells read, with their locations: no claim data,
    but text that reaches reports (PR-001 checks them too).
    """

    sources: list[SourceFile] = field(default_factory=list)
    sheet_order: list[str] = field(default_factory=list)
    claim: dict[str, RawCell] = field(default_factory=dict)
    claim_sheet: str | None = None
    clients: list[RawRow] = field(default_factory=list)
    clients_sheet: str | None = None
    expenses: list[RawRow] = field(default_factory=list)
    expenses_sheet: str | None = None
    totals: list[RawTotals] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    labels: list[tuple[str, Location]] = field(default_factory=list)
    opened: bool = True
