"""The raw shapes the reader produces: values with their locations, nothing typed yet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from elyclaims.findings import Finding, Location
from elyclaims.vocabulary import Role

__all__ = ["Column", "RawCell", "RawInput", "RawRow", "RawSheet", "RawTotals", "SheetRef",
           "SourceFile"]

#: A sheet as the report orders findings: the file it is in, and its name.
SheetRef = tuple[str, str]


@dataclass(frozen=True, slots=True)
class RawCell:
    """One cell's value as the file gave it (str, int, float, datetime, bool…) and its location."""

    value: object
    location: Location


@dataclass(frozen=True, slots=True)
class Column:
    """One recognised column of a table: the field it holds, its letter and its header."""

    field: str
    letter: str
    header: str


@dataclass(slots=True)
class RawRow:
    """One row of a table: its non-empty cells' values by field name (:attr:`cells`).

    The values are held as a tuple in the order of ``names``, the table's field names (one
    tuple shared by all its rows), with None for an empty cell: a third of a dictionary's
    size, for tables of a million rows. ``columns`` are the table's recognised columns (shared
    too): a cell's location is made from them only when something needs it (a finding), never
    for every cell. ``unreadable`` names fields whose cell already has a WB finding (for
    example a formula without a cached value), so that later rules do not report the same cell
    as empty.
    """

    file: str
    sheet: str
    row: int
    values: tuple[object, ...] = ()
    names: tuple[str, ...] = ()
    unreadable: set[str] | frozenset[str] = frozenset()  # a set only once a field needs it
    decimal_comma: bool = True
    columns: Mapping[str, Column] = field(default_factory=dict)

    @property
    def cells(self) -> dict[str, object]:
        """The non-empty cells' values by field name (a new dictionary each time)."""
        return {name: value for name, value in zip(self.names, self.values, strict=True)
                if value is not None}

    def location(self, field_name: str | None = None) -> Location:
        """The location of *field_name*'s cell (also when it is empty), or of the row when the
        table has no such column."""
        column = self.columns.get(field_name) if field_name else None
        return Location(file=self.file, sheet=self.sheet, row=self.row,
                        column=column.letter if column else None,
                        header=column.header if column else None, field=field_name)


@dataclass(frozen=True, slots=True)
class RawTotals:
    """A totals or subtotal row (``Yhteensä heinäkuu`` …) and the lines it may add up.

    ``lines_since`` is the index (in :attr:`RawInput.expenses`) of the first line after the
    previous totals row of the same sheet, ``lines_from`` of the sheet's first line, and
    ``lines_until`` one past the last line above this row: a subtotal covers
    ``[lines_since, lines_until)``, a running or grand total ``[lines_from, lines_until)``.
    """

    row: RawRow
    lines_from: int
    lines_since: int
    lines_until: int

    def shifted(self, offset: int) -> RawTotals:
        """The same totals row, with line indexes *offset* further on."""
        return RawTotals(self.row, self.lines_from + offset, self.lines_since + offset,
                         self.lines_until + offset)


@dataclass(frozen=True, slots=True)
class RawSheet:
    """What a file-format engine hands to the table reader: one sheet as rows of values.

    ``rows`` yields ``(row_number, values)`` with ``values[0]`` in column A. ``uncalculated``
    holds ``(row, column)`` of formula cells with no cached value; ``hidden_rows`` the rows
    hidden in the sheet; ``merged`` the merged ranges as ``(top, left, bottom, right)``;
    ``template`` the version stamp of the elyclaims template the workbook was made from;
    ``size`` the number of rows, when known before reading them (for progress). ``clean`` says
    that the engine gives the values as the table reader keeps them: no text longer than the
    ``cell_chars`` limit, an empty text or one of white space only as None, and a text or date
    that repeats nearby as one object (the calamine child does all three). ``typed`` is False
    for a CSV file, whose every cell is text.
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
    template: str | None = None
    size: int | None = None
    clean: bool = False
    #: Whether the cells carry their types (a workbook's do; a CSV file's are all text).
    typed: bool = True


@dataclass(frozen=True, slots=True)
class SourceFile:
    """An input file and the SHA-256 of its bytes."""

    path: str
    sha256: str


@dataclass(slots=True)
class RawInput:
    """Everything read from the input files, before any typing or checking.

    ``claim_blank`` are the claim sheet's keys written with no value, by the cell beside them;
    ``sheet_order`` lists the sheets read, in order, as ``(file, sheet)``;
    ``expense_tables`` each expenses table with its number of cost lines, and
    ``expenses_found`` whether any expenses table had its header row. ``labels`` are the sheet
    names and header cells read, with their locations: no claim data, but text that reaches
    reports (PR-001 checks them too).
    """

    sources: list[SourceFile] = field(default_factory=list)
    sheet_order: list[SheetRef] = field(default_factory=list)
    claim: dict[str, RawCell] = field(default_factory=dict)
    claim_blank: dict[str, Location] = field(default_factory=dict)
    claim_sheet: str | None = None
    clients: list[RawRow] = field(default_factory=list)
    clients_sheet: str | None = None
    expenses: list[RawRow] = field(default_factory=list)
    expenses_sheet: str | None = None
    expense_tables: list[tuple[str, str, int]] = field(default_factory=list)
    expenses_found: bool = False
    totals: list[RawTotals] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    labels: list[tuple[str, Location]] = field(default_factory=list)
    opened: bool = True
    #: The files whose cells carry no types (CSV): a text amount there is no sign of anything.
    untyped_files: set[str] = field(default_factory=set)

    @property
    def combined(self) -> bool:
        """True when the expense lines come from more than one file: their line ids then
        name the file too."""
        return len({file for file, _, _ in self.expense_tables}) > 1
