"""From a sheet's rows of values to located cells: header row, columns, data rows, totals row.

Engine-neutral: works on :class:`RawSheet`, whatever produced it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice

from elyclaims.findings import Finding, Location, column_letter
from elyclaims.limits import LimitExceeded, ReadLimits
from elyclaims.reading._raw import RawCell, RawRow, RawSheet, RawTotals
from elyclaims.vocabulary import (
    FIELDS_BY_ROLE,
    TOTALS_LABELS,
    FieldSpec,
    Role,
    label_index,
    normalize_label,
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
            spec = index.get(normalize_label(value))
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
            if isinstance(value, str) and normalize_label(value) in index:
                keys.add(index[normalize_label(value)].name)
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
    """What one sheet gave as a table."""

    rows: list[RawRow] = field(default_factory=list)
    totals: RawTotals | None = None
    findings: list[Finding] = field(default_factory=list)
    labels: list[tuple[str, Location]] = field(default_factory=list)
    found: bool = False


def _header_label(value: object) -> str:
    return " ".join(str(value).split())


def _within(rows: Rows, limits: ReadLimits) -> Iterator[tuple[int, Sequence[object]]]:
    """The rows, refusing a cell longer than the limit (no spreadsheet program writes one)."""
    longest = limits.cell_chars
    for number, values in rows:
        for value in values:
            if isinstance(value, str) and len(value) > longest:
                raise LimitExceeded("cell_chars", len(value), longest)
        yield number, values


def read_table(sheet: RawSheet, role: Role, rows: Rows, limits: ReadLimits) -> SheetTable:
    """Read the table of *role* from *rows* of *sheet*.

    The header row is the first of the first 20 rows with at least three known headers. Rows
    after it are read until a totals row; empty rows are skipped.
    """
    result = SheetTable()
    location = Location(file=sheet.file, sheet=sheet.name)
    if sheet.hidden:
        result.findings.append(Finding.make("WB-008", location, sheet=sheet.name))
    iterator = _within(rows, limits)
    header: tuple[int, Sequence[object]] | None = None
    for number, values in iterator:
        if _header_score(values, role) >= MIN_HEADER_MATCHES:
            header = (number, values)
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        examples = " / ".join(spec.labels[0] for spec in FIELDS_BY_ROLE[role] if spec.required)
        result.findings.append(
            Finding.make("WB-003", location, variant="no_header", sheet=sheet.name, accepted=examples)
        )
        return result
    result.found = True
    header_row, header_values = header
    columns = _columns(sheet, role, header_row, header_values, result.findings)
    result.labels.extend(
        (str(value), Location(file=sheet.file, sheet=sheet.name, row=header_row,
                              column=column_letter(position + 1)))
        for position, value in enumerate(header_values)
        if isinstance(value, str) and value.strip()
    )
    present = {spec.name for _, spec, _, _ in columns}
    for spec in FIELDS_BY_ROLE[role]:
        if spec.required and spec.name not in present:
            result.findings.append(
                Finding.make(
                    "WB-003",
                    Location(file=sheet.file, sheet=sheet.name, row=header_row, field=spec.name),
                    sheet=sheet.name,
                    accepted=spec.accepted,
                )
            )
    hidden_rows: list[int] = []
    for number, values in iterator:
        raw = _row(sheet, number, values, columns, result.findings)
        if raw is None:
            continue
        if number in sheet.hidden_rows:
            hidden_rows.append(number)
        if _is_totals(values):
            result.totals = RawTotals(raw)
            break
        result.rows.append(raw)
    if hidden_rows:
        result.findings.append(
            Finding.make(
                "WB-008",
                Location(file=sheet.file, sheet=sheet.name, row=hidden_rows[0]),
                variant="rows",
                sheet=sheet.name,
                rows=_ranges(hidden_rows),
            )
        )
    return result


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


def _row(
    sheet: RawSheet,
    number: int,
    values: Sequence[object],
    columns: list[tuple[int, FieldSpec, str, str]],
    findings: list[Finding],
) -> RawRow | None:
    row = RawRow(file=sheet.file, sheet=sheet.name, row=number, decimal_comma=sheet.decimal_comma)
    filled = False
    width = len(values)
    for position, spec, label, letter in columns:
        if (number, position + 1) in sheet.uncalculated:
            findings.append(Finding.make("WB-005", Location(
                file=sheet.file, sheet=sheet.name, row=number, column=letter, header=label,
                field=spec.name)))
            row.unreadable.add(spec.name)
            filled = True
            continue
        value = values[position] if position < width else None
        if _is_blank(value):
            continue
        row.cells[spec.name] = RawCell(value, Location(
            file=sheet.file, sheet=sheet.name, row=number, column=letter, header=label,
            field=spec.name))
        filled = True
    # A row with values only in unknown columns is no line, unless it is the totals row.
    return row if filled or _is_totals(values) else None


def _is_totals(values: Sequence[object]) -> bool:
    for value in values:
        if isinstance(value, str) and value.strip():
            return normalize_label(value) in TOTALS_LABELS
    return False


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
) -> tuple[dict[str, RawCell], list[Finding]]:
    """Read the claim sheet's key/value pairs (key in column A or B, value beside it)."""
    index = label_index(Role.CLAIM)
    entries: dict[str, RawCell] = {}
    findings: list[Finding] = []
    if sheet.hidden:
        findings.append(Finding.make("WB-008", Location(file=sheet.file, sheet=sheet.name),
                                     sheet=sheet.name))
    for number, values in _within(rows, limits):
        for position in (0, 1):
            key = values[position] if position < len(values) else None
            if not isinstance(key, str):
                continue
            spec = index.get(normalize_label(key))
            if spec is None:
                continue
            if spec.name not in entries:
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
                    if not _is_blank(value):
                        entries[spec.name] = RawCell(value, location)
            break
    return entries, findings
