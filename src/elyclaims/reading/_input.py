"""Reading the input files: format engines, sheet roles, tables and the claim entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

from elyclaims.errors import UsageError
from elyclaims.files import file_sha256
from elyclaims.findings import Finding, Location, Named
from elyclaims.limits import DEFAULT_LIMITS, ReadLimits
from elyclaims.reading._calamine import read_legacy
from elyclaims.reading._csv import read_csv
from elyclaims.reading._errors import Unreadable, engine_boundary
from elyclaims.reading._raw import RawInput, RawSheet, SourceFile
from elyclaims.reading._sniff import sniff
from elyclaims.reading._tables import detect_role, peek, read_claim_entries, read_table
from elyclaims.reading._xlsx import read_xlsx
from elyclaims.vocabulary import (
    SHEET_NAMES,
    TEMPLATE_VERSION,
    Role,
    match_key,
    sheet_name_index,
)

__all__ = ["read_input"]



def read_input(
    paths: Sequence[str | Path],
    *,
    sheet_names: Mapping[Role, str] | None = None,
    clients_given: bool = False,
    limits: ReadLimits = DEFAULT_LIMITS,
    engine: str | None = None,
) -> RawInput:
    """Read every file in *paths* (one or more workbooks, or CSV files) into one
    :class:`RawInput`.

    ``sheet_names`` names sheets by role where the workbook's own names are not recognised;
    ``clients_given`` says the config holds the clients, so a missing clients sheet is no error;
    a file over *limits* is refused; *engine* reads the cell values of .xlsx/.xlsm workbooks
    (``"calamine"``, the default where installed, or ``"openpyxl"``). Several expenses tables
    (sheets or files) are combined into one claim (WB-013); a table with a header but no line
    at all is WB-011.

    Never raises on bad input: an unreadable file becomes a WB-001 finding and
    ``RawInput.opened`` is False.

    Raises:
        UsageError: when the same file is given twice (by path or by content).
    """
    result = RawInput()
    named = {match_key(name): role for role, name in (sheet_names or {}).items()}
    seen: dict[object, str] = {}
    for given in paths:
        path = Path(given)
        _not_twice(seen, _resolved(path), path)
        try:
            kind = sniff(path, limits)
            digest = file_sha256(path)
            _not_twice(seen, digest, path)
            result.sources.append(SourceFile(str(path), digest))
            with ExitStack() as closer, engine_boundary():
                if kind == "xlsx":
                    sheets = read_xlsx(path, closer, limits, engine=engine)
                elif kind in {"xls", "ods"}:
                    sheets = read_legacy(path, kind, limits)
                else:
                    sheets = read_csv(path, limits)
                _read_sheets(sheets, named, result, limits, single_file_csv=kind == "csv")
        except Unreadable as problem:
            result.opened = False
            result.findings.append(
                Finding.make("WB-001", Location(file=str(path)), variant=problem.variant,
                             **problem.params)
            )
        except OSError as error:
            result.opened = False
            result.findings.append(
                Finding.make("WB-001", Location(file=str(path)), variant="not_readable",
                             path=path.name, reason=error.strerror or str(error))
            )
    if not result.opened:
        return result
    result.findings.extend(_whole_input(result, paths, clients_given))
    return result


def _resolved(path: Path) -> object:
    try:
        return ("path", path.resolve())
    except (OSError, RuntimeError):
        return ("path", path.absolute())


def _not_twice(seen: dict[object, str], key: object, path: Path) -> None:
    earlier = seen.get(key)
    if earlier is not None:
        raise UsageError(
            '{path}: the same file as {earlier} was given twice; give each workbook or CSV file once',
            path=path, earlier=earlier)
    seen[key] = str(path)


def _whole_input(result: RawInput, paths: Sequence[str | Path],
                 clients_given: bool) -> list[Finding]:
    """WB-002 for a missing table, WB-011 for a claim without lines, WB-013 for tables
    combined."""
    findings = []
    missing = [Role.EXPENSES] if clients_given else [Role.CLIENTS, Role.EXPENSES]
    for role in missing:
        if getattr(result, f"{role.value}_sheet") is None:
            findings.append(
                Finding.make(
                    "WB-002",
                    Location(file=str(paths[0]) if paths else None),
                    role=Named("sheet", role.value),
                    accepted=", ".join(SHEET_NAMES[role]),
                )
            )
    if result.expenses_found and not result.expenses:
        file, sheet, _ = result.expense_tables[0]
        findings.append(Finding.make("WB-011", Location(file=file, sheet=sheet)))
    if len(result.expense_tables) > 1:
        file, sheet, _ = result.expense_tables[0]
        names = "; ".join(
            f"{_file_name(f)}: {s} ({count})" if result.combined else f"{s} ({count})"
            for f, s, count in result.expense_tables)
        findings.append(Finding.make("WB-013", Location(file=file),
                                     count=len(result.expense_tables), tables=names))
    return findings


def _template_version(file: str, stamp: str) -> list[Finding]:
    """WB-014 for a workbook made from another version of the elyclaims template."""
    version = int(stamp) if stamp.isdigit() else None
    if version == TEMPLATE_VERSION:
        return []
    variant = None if version is not None and version < TEMPLATE_VERSION else "newer"
    return [Finding.make("WB-014", Location(file=file), variant=variant, version=stamp,
                         current=TEMPLATE_VERSION)]


def _file_name(path: str) -> str:
    return Path(path).name


def _read_sheets(
    sheets: list[RawSheet], named: Mapping[str, Role], result: RawInput, limits: ReadLimits,
    *, single_file_csv: bool,
) -> None:
    by_name = sheet_name_index()
    recognised = 0
    if sheets and sheets[0].template is not None:
        result.findings.extend(_template_version(sheets[0].file, sheets[0].template))
    for sheet in sheets:
        result.labels.append((sheet.name, Location(file=sheet.file, sheet=sheet.name)))
        folded = match_key(sheet.name)
        role = named.get(folded) or (None if single_file_csv else by_name.get(folded))
        rows = sheet.rows
        if role is None:
            head, rows = peek(rows)
            role = detect_role(head, sheet.role_hint)
        if role is None:
            continue
        recognised += 1
        result.sheet_order.append((sheet.file, sheet.name))
        if not sheet.typed:
            result.untyped_files.add(sheet.file)
        if role is Role.CLAIM:
            entries, blank, findings = read_claim_entries(sheet, rows, limits)
            for name, cell in entries.items():
                result.claim.setdefault(name, cell)
            for name, where in blank.items():
                result.claim_blank.setdefault(name, where)
            result.findings.extend(findings)
            result.claim_sheet = result.claim_sheet or sheet.name
            continue
        table = read_table(sheet, role, rows, limits)
        result.findings.extend(table.findings)
        result.labels.extend(table.labels)
        # A recognised sheet without a header row already has its WB-003; it is not "missing".
        if role is Role.CLIENTS:
            result.clients.extend(table.rows)
            result.clients_sheet = result.clients_sheet or sheet.name
            continue
        offset = len(result.expenses)
        result.expenses.extend(table.rows)
        result.expenses_sheet = result.expenses_sheet or sheet.name
        result.totals.extend(totals.shifted(offset) for totals in table.totals)
        if table.found:
            result.expenses_found = True
            result.expense_tables.append((sheet.file, sheet.name, len(table.rows)))
    if single_file_csv and recognised == 0:
        raise Unreadable("no_tables")
