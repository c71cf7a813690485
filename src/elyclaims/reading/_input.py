"""Reading the input files: format engines, sheet roles, tables and the claim entries."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

from elyclaims.findings import Finding, Location
from elyclaims.limits import DEFAULT_LIMITS, ReadLimits
from elyclaims.reading._csv import read_csv
from elyclaims.reading._errors import Unreadable, engine_boundary
from elyclaims.reading._raw import RawInput, RawSheet, SourceFile
from elyclaims.reading._sniff import sniff
from elyclaims.reading._tables import detect_role, peek, read_claim_entries, read_table
from elyclaims.reading._xlsx import read_xlsx
from elyclaims.vocabulary import SHEET_NAMES, Role, normalize_label, sheet_name_index

__all__ = ["read_input"]

_ROLE_WORDS = {
    Role.CLAIM: "Hakemus / Ansökan / Claim",
    Role.CLIENTS: "Asiakkaat / Klienter / Clients",
    Role.EXPENSES: "Kulut / Kostnader / Expenses",
}


def read_input(
    paths: Sequence[str | Path],
    *,
    sheet_names: Mapping[Role, str] | None = None,
    clients_given: bool = False,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> RawInput:
    """Read every file in *paths* (one workbook, or CSV files) into one :class:`RawInput`.

    ``sheet_names`` names sheets by role where the workbook's own names are not recognised;
    ``clients_given`` says the config holds the clients, so a missing clients sheet is no error;
    a file over *limits* is refused. Never raises on bad input: an unreadable file becomes a
    WB-001 finding and ``RawInput.opened`` is False.
    """
    result = RawInput()
    named = {normalize_label(name): role for role, name in (sheet_names or {}).items()}
    for given in paths:
        path = Path(given)
        try:
            kind = sniff(path, limits)
            result.sources.append(SourceFile(str(path), _sha256(path)))
            with ExitStack() as closer, engine_boundary():
                sheets = (read_xlsx(path, closer, limits) if kind == "xlsx"
                          else read_csv(path, limits))
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
    missing = [Role.EXPENSES] if clients_given else [Role.CLIENTS, Role.EXPENSES]
    for role in missing:
        if getattr(result, f"{role.value}_sheet") is None:
            result.findings.append(
                Finding.make(
                    "WB-002",
                    Location(file=str(paths[0]) if paths else None),
                    role=_ROLE_WORDS[role],
                    accepted=", ".join(SHEET_NAMES[role]),
                )
            )
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_sheets(
    sheets: list[RawSheet], named: Mapping[str, Role], result: RawInput, limits: ReadLimits,
    *, single_file_csv: bool,
) -> None:
    by_name = sheet_name_index()
    recognised = 0
    for sheet in sheets:
        result.labels.append((sheet.name, Location(file=sheet.file, sheet=sheet.name)))
        folded = normalize_label(sheet.name)
        role = named.get(folded) or (None if single_file_csv else by_name.get(folded))
        rows = sheet.rows
        if role is None:
            head, rows = peek(rows)
            role = detect_role(head, sheet.role_hint)
        if role is None:
            continue
        recognised += 1
        result.sheet_order.append(sheet.name)
        if role is Role.CLAIM:
            entries, findings = read_claim_entries(sheet, rows, limits)
            for name, cell in entries.items():
                result.claim.setdefault(name, cell)
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
        else:
            result.expenses.extend(table.rows)
            result.expenses_sheet = result.expenses_sheet or sheet.name
        if table.totals is not None:
            result.totals.append(table.totals)
    if single_file_csv and recognised == 0:
        raise Unreadable("no_tables")
