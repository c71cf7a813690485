"""From a sheet's rows of values to located cells: the header row, the columns, and what each
row below it is (a record, a totals row, a repeated header, a note).

Engine-neutral: works on :class:`RawSheet`, whatever produced it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice
from operator import itemgetter

from elyclaims.findings import Finding, Location, column_letter
from elyclaims.limits import LimitExceeded, ReadLimits
from elyclaims.progress import EVERY, tick
from elyclaims.reading._raw import Column, RawCell, RawRow, RawSheet, RawTotals
from elyclaims.values import CellValueError, parse_date, parse_money
from elyclaims.vocabulary import (
    FIELDS_BY_ROLE,
    FieldSpec,
    Role,
    label_index,
    match_key,
    starts_with_totals_word,
)

__all__ = ["HEADER_SEARCH_ROWS", "SheetTable", "detect_role", "peek", "read_claim_entries", "read_table"]

HEADER_SEARCH_ROWS = 20
MIN_HEADER_MATCHES = 3

Rows = Iterable[tuple[int, Sequence[object]]]


def peek(rows: Rows, count: int = HEADER_SEARCH_ROWS) -> tuple[list[tuple[int, Sequence[object]]], Rows]:
    """Return the first *count* rows and an iterable that yields all rows again."""
    iterator = iter(rows)
    head = list(islice(iterator, count))
    return head, chain(head, iterator)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_matches(values: Sequence[object], role: Role) -> dict[int, FieldSpec]:
    index = label_index(role)
    matches: dict[int, FieldSpec] = {}
    for position, value in enumerate(values):
        if isinstance(value, str):
            spec = index.get(match_key(value))
            if spec is not None:
                matches[position] = spec
    return matches


def _header_score(values: Sequence[object], role: Role) -> int:
    return len({spec.name for spec in _header_matches(values, role).values()})


def _claim_key_score(head: Sequence[tuple[int, Sequence[object]]]) -> int:
    index = label_index(Role.CLAIM)
    keys = set()
    for _, values in head:
        for value in values[:2]:
            if isinstance(value, str) and match_key(value) in index:
                keys.add(index[match_key(value)].name)
    return len(keys)


def detect_role(head: Sequence[tuple[int, Sequence[object]]], hint: Role | None) -> Role | None:
    """Guess what an unnamed sheet holds from its first rows (None when nothing fits)."""
    scores = {
        Role.CLAIM: _claim_key_score(head),
        Role.CLIENTS: max((_header_score(v, Role.CLIENTS) for _, v in head), default=0),
        Role.EXPENSES: max((_header_score(v, Role.EXPENSES) for _, v in head), default=0),
    }
    best = max(scores.values())
    if best < MIN_HEADER_MATCHES:
        return None
    leaders = [role for role, score in scores.items() if score == best]
    if hint in leaders:
        return hint
    return Role.EXPENSES if Role.EXPENSES in leaders else leaders[0]


@dataclass(slots=True)
class SheetTable:
    """What one sheet gave as a table: its records, its totals rows (with line indexes into
    ``rows``), the findings made while reading it, and its header texts."""

    rows: list[RawRow] = field(default_factory=list)
    totals: list[RawTotals] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    labels: list[tuple[str, Location]] = field(default_factory=list)
    found: bool = False


def _header_label(value: object) -> str:
    return " ".join(str(value).split())


def _within(rows: Rows, limits: ReadLimits, clean: bool) -> Iterator[tuple[int, Sequence[object]]]:
    """The rows, refusing a cell longer than the limit (no spreadsheet program writes one);
    a clean sheet's engine has refused it already."""
    if clean:
        return iter(rows)
    return _checked(rows, limits.cell_chars)


def _checked(rows: Rows, longest: int) -> Iterator[tuple[int, Sequence[object]]]:
    for number, values in rows:
        for value in values:
            if isinstance(value, str) and len(value) > longest:
                raise LimitExceeded("cell_chars", len(value), longest)
        yield number, values


def _find_header(
    rows: Iterator[tuple[int, Sequence[object]]], role: Role
) -> tuple[int, Sequence[object]] | None:
    for number, values in rows:
        if _header_score(values, role) >= MIN_HEADER_MATCHES:
            return number, values
        if number >= HEADER_SEARCH_ROWS:
            return None
    return None


def read_table(sheet: RawSheet, role: Role, rows: Rows, limits: ReadLimits) -> SheetTable:
    """Read the table of *role* from *rows* of *sheet*.

    The header row is the first of the first 20 rows with at least three known headers. After
    it, every row that is not empty is either a record (a cost line, a client) or reported as
    what it was taken for (WB-012: a totals row, a repeated header, a note); nothing ends the
    table but the end of the sheet.
    """
    result = SheetTable()
    location = Location(file=sheet.file, sheet=sheet.name)
    if sheet.hidden:
        result.findings.append(Finding.make("WB-008", location, sheet=sheet.name))
    iterator = _within(rows, limits, sheet.clean)
    header = _find_header(iterator, role)
    if header is None:
        examples = " / ".join(spec.labels[0] for spec in FIELDS_BY_ROLE[role] if spec.required)
        result.findings.append(
            Finding.make("WB-003", location, variant="no_header", sheet=sheet.name, accepted=examples)
        )
        return result
    result.found = True
    header_row, header_values = header
    layout = _Layout(sheet, role, _columns(sheet, role, header_row, header_values,
                                           result.findings))
    _header_findings(sheet, role, layout, header_row, header_values, result)
    _read_records(sheet, layout, _merged(iterator, sheet.merged), result)
    return result


def _header_findings(sheet: RawSheet, role: Role, layout: _Layout, header_row: int,
                     header_values: Sequence[object], result: SheetTable) -> None:
    """Keep the header's texts (checked for personal data later) and report each required
    column that is missing (WB-003)."""
    result.labels.extend(
        (str(value), Location(file=sheet.file, sheet=sheet.name, row=header_row,
                              column=column_letter(position + 1)))
        for position, value in enumerate(header_values)
        if isinstance(value, str) and value.strip()
    )
    for spec in FIELDS_BY_ROLE[role]:
        if spec.required and spec.name not in layout.columns:
            result.findings.append(Finding.make(
                "WB-003",
                Location(file=sheet.file, sheet=sheet.name, row=header_row, field=spec.name),
                sheet=sheet.name, accepted=spec.accepted))


def _read_records(sheet: RawSheet, layout: _Layout, rows: Rows, result: SheetTable) -> None:
    """Classify every row after the header: records are kept, totals rows kept with the lines
    they may add up, the rest reported (WB-012); hidden rows that held something are WB-008."""
    hidden_rows: list[int] = []
    since = 0
    for number, values in rows:
        if not number % EVERY:
            tick("read", number, sheet.size)
        kind = layout.classify(number, values)
        if kind is _Kind.EMPTY:
            continue
        if number in sheet.hidden_rows:
            hidden_rows.append(number)
        if kind is _Kind.RECORD:
            result.rows.append(layout.row(number, values, result.findings))
            continue
        result.findings.append(layout.skipped(number, values, kind))
        if kind is _Kind.TOTALS:
            result.totals.append(RawTotals(layout.row(number, values, None), 0, since,
                                           len(result.rows)))
            since = len(result.rows)
    if hidden_rows:
        result.findings.append(Finding.make(
            "WB-008", Location(file=sheet.file, sheet=sheet.name, row=hidden_rows[0]),
            variant="rows", sheet=sheet.name, rows=_ranges(hidden_rows)))


def _columns(
    sheet: RawSheet,
    role: Role,
    header_row: int,
    values: Sequence[object],
    findings: list[Finding],
) -> list[tuple[int, FieldSpec, str, str]]:
    matches = _header_matches(values, role)
    seen: set[str] = set()
    columns = []
    for position, value in enumerate(values):
        if _is_blank(value):
            continue
        letter = column_letter(position + 1)
        spec = matches.get(position)
        label = _header_label(value)
        if spec is None or spec.name in seen:
            findings.append(
                Finding.make(
                    "WB-007",
                    Location(file=sheet.file, sheet=sheet.name, row=header_row, column=letter,
                             header=label),
                    variant="duplicate" if spec is not None else None,
                    header=label,
                )
            )
            continue
        seen.add(spec.name)
        columns.append((position, spec, label, letter))
    return columns


def _merged(
    rows: Iterable[tuple[int, Sequence[object]]],
    merged: Sequence[tuple[int, int, int, int]],
) -> Iterator[tuple[int, Sequence[object]]]:
    """The rows with each vertically merged cell's value given to every row of the merge."""
    starts: dict[int, list[tuple[int, int]]] = {}
    for top, left, bottom, _ in merged:
        if bottom > top:
            starts.setdefault(top, []).append((left, bottom))
    if not starts:
        yield from rows
        return
    carried: dict[int, tuple[int, object]] = {}  # column -> (last row of the merge, value)
    for number, values in rows:
        if carried:
            filled = list(values)
            for left, (bottom, value) in list(carried.items()):
                if number > bottom:
                    del carried[left]
                    continue
                filled.extend([None] * (left - len(filled)))
                filled[left - 1] = value
            values = filled
        for left, bottom in starts.get(number, ()):
            carried[left] = (bottom, values[left - 1] if left <= len(values) else None)
        yield number, values


class _Kind(enum.Enum):
    EMPTY = "empty"
    RECORD = "record"
    TOTALS = "totals"
    HEADER = "header"
    NOTE = "note"


# The fields whose value makes a row a record, whatever else it holds (a half-filled line is
# checked, never skipped as a note): the client reference, the service or admission date and
# the amounts.
_REFERENCE = "client_reference"
_DATES = {Role.EXPENSES: "service_date", Role.CLIENTS: "admission_date"}
_AMOUNTS = ("net_amount", "vat_amount", "gross_amount")


class _SharedValues:
    """One object for each text or date a column repeats (a provider's name, a category, a
    client reference, a service date), instead of one per row: a claim of a million lines
    holds each repeated value once. A column whose values hardly repeat (invoice numbers) stops
    being shared, judged every few thousand rows, so that the sharing never costs more than it
    saves."""

    #: Rows between two judgements; a column stays shared while fewer than this share of the
    #: rows since the last one brought a new value.
    TRIAL_ROWS = 2048
    KEEP_BELOW = 0.5

    def __init__(self, positions: Sequence[tuple[int, str]]) -> None:
        self._columns: dict[int, dict[object, object]] = {position: {} for position, _ in positions}
        self._sizes = dict.fromkeys(self._columns, 0)
        self._rows = 0

    def next_row(self) -> dict[int, dict[object, object]]:
        """The columns still shared, by position, for the next row."""
        self._rows += 1
        if not self._rows % self.TRIAL_ROWS:
            limit = self.TRIAL_ROWS * self.KEEP_BELOW
            self._columns = {position: values for position, values in self._columns.items()
                             if len(values) - self._sizes[position] < limit}
            self._sizes = {position: len(values) for position, values in self._columns.items()}
        return self._columns


class _Layout:
    """The recognised columns of one table, and how each of its rows is read."""

    def __init__(self, sheet: RawSheet, role: Role,
                 columns: list[tuple[int, FieldSpec, str, str]]) -> None:
        self.sheet = sheet
        self.role = role
        self.positions = [(position, spec.name) for position, spec, _, _ in columns]
        self.names = tuple(name for _, name in self.positions)
        self.columns = {spec.name: Column(spec.name, letter, label)
                        for _, spec, label, letter in columns}
        self.by_position = {position: self.columns[spec.name] for position, spec, _, _ in columns}
        index = {name: position for position, name in self.positions}
        self.shared = _SharedValues(self.positions)
        # A clean sheet's row is its recognised cells as they are, picked in one call; a
        # row too short for them (or an uncalculated formula) takes the general way.
        self.pick = (itemgetter(*(position for position, _ in self.positions))
                     if sheet.clean and not sheet.uncalculated and len(self.positions) > 1
                     else None)
        self.width = max((position for position, _ in self.positions), default=0) + 1
        self.client_ref = index.get(_REFERENCE)
        self.date = index.get(_DATES.get(role, ""))
        self.amounts = [index[name] for name in _AMOUNTS if name in index]

    def _all_text(self, values: Sequence[object]) -> bool:
        """True when every recognised cell of the row is text or empty, as in a header row (a
        date or a number in any of them rules a header out, cheaply)."""
        width = len(values)
        return all(position >= width or values[position] is None
                   or isinstance(values[position], str) for position, _ in self.positions)

    def _value(self, values: Sequence[object], position: int | None) -> object:
        return values[position] if position is not None and position < len(values) else None

    def _is_date(self, value: object) -> bool:
        try:
            return parse_date(value) is not None
        except CellValueError:
            return False

    def _is_amount(self, value: object) -> bool:
        try:
            return parse_money(value, decimal_comma=self.sheet.decimal_comma) is not None
        except CellValueError:
            return False

    def classify(self, number: int, values: Sequence[object]) -> _Kind:
        """What the row is: empty, a record, a totals row, a repeated header or a note."""
        if self.date is not None and self.date < len(values) and isinstance(values[self.date],
                                                                             date):
            # A date in the date column: keyed (so no totals row) and not all text (so no
            # header): a record. Nearly every row is decided here.
            return _Kind.RECORD
        # _is_blank written out: this runs for every cell of every row.
        filled = [(position, value) for position, value in enumerate(values)
                  if value is not None and (type(value) is not str or value.strip())]
        uncalculated = bool(self.sheet.uncalculated) and any(
            (number, position + 1) in self.sheet.uncalculated for position, _ in self.positions)
        if not filled:
            return _Kind.RECORD if uncalculated else _Kind.EMPTY
        date_value = self._value(values, self.date)
        reference = self._value(values, self.client_ref)
        # A totals word where the client reference stands ("Totalt", "Yhteensä" in the client
        # column), in a row without a date, labels a totals row: no client is called that.
        labelled = isinstance(reference, str) and starts_with_totals_word(reference)
        dated = isinstance(date_value, date) or self._is_date(date_value)
        keyed = dated or (not _is_blank(reference) and not labelled)
        first_text = next((v for _, v in filled if isinstance(v, str)), None)
        if not keyed and (labelled or (first_text is not None
                                       and starts_with_totals_word(first_text))):
            return _Kind.TOTALS
        if self._all_text(values) and _header_score(values, self.role) >= MIN_HEADER_MATCHES:
            return _Kind.HEADER
        if keyed or uncalculated or any(self._is_amount(self._value(values, position))
                                        for position in self.amounts):
            return _Kind.RECORD
        if len(filled) <= 2 and all(isinstance(value, str) and not self._is_date(value)
                                    for _, value in filled):
            return _Kind.NOTE
        return _Kind.RECORD

    def row(self, number: int, values: Sequence[object],
            findings: list[Finding] | None) -> RawRow:
        """The row's cells by field. A formula cell without a cached value is WB-005 on a
        record (*findings* given); on a totals row it only leaves the amount unread."""
        sheet = self.sheet
        width = len(values)
        if self.pick is not None and width >= self.width:
            return RawRow(sheet.file, sheet.name, number, self.pick(values), self.names,
                          frozenset(), sheet.decimal_comma, self.columns)
        row = RawRow(file=sheet.file, sheet=sheet.name, row=number, names=self.names,
                     decimal_comma=sheet.decimal_comma, columns=self.columns)
        uncalculated = sheet.uncalculated
        cells: list[object] = []
        shared = self.shared.next_row()
        for position, name in self.positions:
            value = values[position] if position < width else None
            if uncalculated and (number, position + 1) in uncalculated:
                if findings is not None:
                    findings.append(Finding.make("WB-005", row.location(name)))
                row.unreadable = {*row.unreadable, name}
                value = None
            elif value is None or (type(value) is str and not value.strip()):  # _is_blank
                value = None
            elif (type(value) is str or type(value) is date) and (
                    one := shared.get(position)) is not None:
                value = one.setdefault(value, value)
            cells.append(value)
        row.values = tuple(cells)
        return row

    def skipped(self, number: int, values: Sequence[object], kind: _Kind) -> Finding:
        """WB-012 for a row that is no record, on its first filled cell, saying what it was
        taken for."""
        position, value = next((p, v) for p, v in enumerate(values) if not _is_blank(v))
        column = self.by_position.get(position)
        text = " ".join(str(value).split())
        return Finding.make(
            "WB-012",
            Location(file=self.sheet.file, sheet=self.sheet.name, row=number,
                     column=column_letter(position + 1),
                     header=column.header if column else None),
            variant=kind.value, value=text[:80] + ("…" if len(text) > 80 else ""),
        )


def _ranges(numbers: list[int]) -> str:
    spans: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        spans.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(spans)


def read_claim_entries(
    sheet: RawSheet, rows: Rows, limits: ReadLimits
) -> tuple[dict[str, RawCell], dict[str, Location], list[Finding]]:
    """Read the claim sheet's key/value pairs (key in column A or B, value beside it), and the
    cells of the keys written with no value beside them (where a finding of a missing value
    points)."""
    index = label_index(Role.CLAIM)
    entries: dict[str, RawCell] = {}
    blank: dict[str, Location] = {}
    findings: list[Finding] = []
    if sheet.hidden:
        findings.append(Finding.make("WB-008", Location(file=sheet.file, sheet=sheet.name),
                                     sheet=sheet.name))
    for number, values in _within(rows, limits, sheet.clean):
        for position in (0, 1):
            key = values[position] if position < len(values) else None
            if not isinstance(key, str):
                continue
            spec = index.get(match_key(key))
            if spec is None:
                continue
            if spec.name not in entries and spec.name not in blank:
                value_position = position + 1
                location = Location(
                    file=sheet.file, sheet=sheet.name, row=number,
                    column=column_letter(value_position + 1), header=_header_label(key),
                    field=spec.name,
                )
                if (number, value_position + 1) in sheet.uncalculated:
                    findings.append(Finding.make("WB-005", location))
                else:
                    value = values[value_position] if value_position < len(values) else None
                    if _is_blank(value):
                        blank[spec.name] = location
                    else:
                        entries[spec.name] = RawCell(value, location)
            break
    return entries, blank, findings
