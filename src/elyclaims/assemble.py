"""From raw rows to the validated claim: the one place where pydantic's errors become findings.

Each row is validated on its own. A cell that cannot be read becomes a WB-004 (or WB-009)
finding on that cell and is left empty in the model, so the rest of the row is still checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import PurePath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from elyclaims.config import Config
from elyclaims.findings import Finding, Location
from elyclaims.model import (
    CellMemo,
    CellProblem,
    CellRef,
    Claim,
    Claimant,
    Client,
    ExpenseLine,
    SourceRow,
    client_key,
    fast_constructor,
    read_rows,
    shared_fields_set,
)
from elyclaims.reading import RawInput, RawRow
from elyclaims.values import CellValueError, parse_money

__all__ = ["assemble_claim", "line_id"]

ModelT = TypeVar("ModelT", bound=BaseModel)

# Claim-sheet keys that belong to the claimant, and the claimant field each fills.
_CLAIMANT_KEYS = {
    "claimant_name": "name",
    "claimant_type": "type",
    "business_id": "business_id",
    "claimant_code": "code",
    "iban": "iban",
    "bic": "bic",
    "contact_person": "contact_person",
    "email": "email",
    "phone": "phone",
}
_TOTALLED = ("net_amount", "vat_amount", "gross_amount")
_NONE: frozenset[str] = frozenset()


def line_id(row: RawRow, *, combined: bool) -> str:
    """The stable id of an expense line: its sheet (a CSV file's name) and row, ``Kulut:12``;
    ``kulut-q3.xlsx:Kulut:12`` when lines of several files are combined into one claim."""
    if combined:
        return f"{PurePath(row.file).name}:{row.sheet}:{row.row}"
    return f"{row.sheet}:{row.row}"


class _Sources:
    """The cell references of each table, one mapping shared by all its rows' sources: every
    recognised column, so that a finding on an empty cell names the cell. Also keeps the
    claim's :class:`CellMemo`, which the rows' cell readers share."""

    def __init__(self) -> None:
        self._tables: dict[int, tuple[object, dict[str, CellRef]]] = {}
        #: What the claim's cells gave, for the values it repeats.
        self.memo = CellMemo()

    def cells(self, row: RawRow, renames: Mapping[str, str]) -> dict[str, CellRef]:
        """The cell references of *row*'s table, by model field."""
        known = self._tables.get(id(row.columns))
        if known is None:
            cells = {renames.get(name, name): CellRef(column=column.letter, header=column.header)
                     for name, column in row.columns.items()}
            # The table's columns are kept with their references, so that the id stays theirs.
            known = self._tables[id(row.columns)] = (row.columns, cells)
        return known[1]


def _validate(
    model: type[ModelT],
    data: dict[str, Any],
    locate: Mapping[str, Location] | _RowLocations,
    *,
    decimal_comma: bool,
    line: str | None,
    values: Mapping[str, object],
    findings: list[Finding],
    unreadable: set[str],
) -> ModelT:
    """Validate *data* into *model*; every failing field becomes a finding and is left empty."""
    context = {"decimal_comma": decimal_comma}
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        failed = set()
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else ""
            if field in failed:
                continue
            failed.add(field)
            location = locate.get(field, Location(field=field))
            raw = values.get(field)
            if problem["type"] == "elyclaims_decimals":
                findings.append(Finding.make("WB-009", location, value=raw, line_id=line))
            else:
                kind = (problem.get("ctx") or {}).get("kind")
                findings.append(
                    Finding.make("WB-004", location, variant=kind, value=raw, line_id=line)
                )
        unreadable.update(failed)
        cleaned = {name: value for name, value in data.items() if name not in failed}
        return model.model_validate(cleaned, context=context)


class _RowLocations:
    """A row's cell locations by model field, made only when a finding asks for one."""

    def __init__(self, row: RawRow, renames: Mapping[str, str]) -> None:
        self._row = row
        self._renames = renames

    def get(self, field: str, default: Location | None = None) -> Location:
        """*field*'s cell, or its row where the table has no such column (*default* is never
        needed: the argument is there so that a mapping of locations can be given instead)."""
        name = next((old for old, new in self._renames.items() if new == field), field)
        return self._row.location(name)


#: Rows of one table read together (column by column), then let go of.
_CHUNK = 4096


def _row_models(model: type[ModelT], rows: list[RawRow], findings: list[Finding],
                sources: _Sources, *, renames: Mapping[str, str], combined: bool | None,
                ) -> list[ModelT]:
    """The models of table rows (clients, or expense lines when *combined* is not None: then
    each gets its line id), in order, their sources naming their cells. The rows are read a
    chunk of one table at a time, column by column (:func:`~elyclaims.model.read_rows`); a
    cell that cannot be read is a WB-004 (or WB-009) finding and left empty. Each chunk's
    rows are let go of (set to None in *rows*) once modelled."""
    models: list[ModelT] = []
    start = 0
    while start < len(rows):
        first = rows[start]
        end = start + 1
        while end < len(rows) and end - start < _CHUNK and rows[end].columns is first.columns:
            end += 1
        chunk = rows[start:end]
        names = (tuple(renames.get(name, name) for name in first.names) if renames
                 else first.names)
        fields, problems = read_rows(model, names, [row.values for row in chunk],
                                     decimal_comma=first.decimal_comma, memo=sources.memo)
        cells = sources.cells(first, renames)
        # The source is trusted data of our own reader and skips validation.
        source, make, sheet = SourceRow.of, fast_constructor(model), first.sheet
        # Every row of the table is given its table's fields (an empty cell as empty).
        names_given = shared_fields_set(
            model, {*names, "source", *(() if combined is None else ("line_id",))})
        for index, (row, read) in enumerate(zip(chunk, fields, strict=True)):
            line = (None if combined is None else f"{sheet}:{row.row}" if not combined
                    else line_id(row, combined=True))
            unreadable = row.unreadable
            if problems and (failed := problems.get(index)):
                unreadable = {*unreadable, *failed}
                _problem_findings(row, names, renames, failed, findings, line)
            if line is not None:
                read["line_id"] = line
            read["source"] = source(row.file, sheet, row.row, cells, frozenset(
                renames.get(name, name) for name in unreadable) if unreadable else _NONE)
            models.append(make(read, names_given))
        rows[start:end] = [None] * (end - start)  # type: ignore[list-item]  # modelled: let go
        start = end
    return models


def _problem_findings(row: RawRow, names: tuple[str, ...], renames: Mapping[str, str],
                      failed: Mapping[str, CellProblem], findings: list[Finding],
                      line: str | None) -> None:
    """WB-004 (WB-009 for a third decimal) on each cell of *row* (its fields *names*) that
    could not be read."""
    locate = _RowLocations(row, renames)
    for name, problem in failed.items():
        location = locate.get(name)
        value = row.values[names.index(name)]
        if problem.decimals:
            findings.append(Finding.make("WB-009", location, value=value, line_id=line))
        else:
            findings.append(Finding.make("WB-004", location, variant=problem.kind, value=value,
                                         line_id=line))


def assemble_claim(raw: RawInput, config: Config) -> tuple[Claim, list[Finding]]:
    """Build the :class:`Claim` from *raw* and the config's defaults.

    Returns the claim and the findings made on the way (WB-004, WB-009, WB-006, WB-010).
    Never raises on bad data.
    """
    findings: list[Finding] = []
    sources = _Sources()
    clients = _row_models(Client, list(raw.clients), findings, sources,
                          renames={"client_reference": "reference"}, combined=None)
    clients = _once_across_files(clients)
    clients.extend(_config_clients(config, findings))
    as_text = _amounts_as_text(raw, findings)
    expenses = _row_models(ExpenseLine, raw.expenses, findings, sources, renames={},
                           combined=raw.combined)
    raw.expenses.clear()
    expenses = _spelled_as_in_clients(expenses, clients)
    claim_values, claim_locations = _claim_entries(raw, config)
    # Rules look claimant values up under the claimant field's own name too.
    all_locations = {**claim_locations, **{
        _CLAIMANT_KEYS[k]: loc for k, loc in claim_locations.items() if k in _CLAIMANT_KEYS
    }}
    unreadable: set[str] = set()
    claimant = _validate(
        Claimant,
        {_CLAIMANT_KEYS[k]: v for k, v in claim_values.items() if k in _CLAIMANT_KEYS},
        {_CLAIMANT_KEYS[k]: loc for k, loc in claim_locations.items() if k in _CLAIMANT_KEYS},
        decimal_comma=True, line=None, values={_CLAIMANT_KEYS[k]: v for k, v in
                                               claim_values.items() if k in _CLAIMANT_KEYS},
        findings=findings, unreadable=unreadable,
    )
    claim_fields = {k: v for k, v in claim_values.items() if k not in _CLAIMANT_KEYS}
    claim = _validate(
        Claim,
        {**claim_fields, "claimant": claimant, "clients": tuple(clients),
         "expenses": tuple(expenses), "locations": all_locations,
         "origin": _origin(raw, config)},
        claim_locations, decimal_comma=True, line=None, values=claim_fields,
        findings=findings, unreadable=unreadable,
    )
    claim = claim.model_copy(update={"unreadable": frozenset(unreadable)})
    findings.extend(_totals_findings(raw, expenses, as_text))
    return claim, findings


def naming_their_lines(findings: Sequence[Finding], claim: Claim) -> list[Finding]:
    """*findings* of the reader, each on a cell of an expense line with that line's id (the
    reader makes some, such as WB-005 on a formula's cell, before there are lines), as every
    finding on a line's cell has."""
    def place(finding: Finding) -> tuple[str | None, str | None, int | None]:
        return finding.location.file, finding.location.sheet, finding.location.row

    wanted = {place(f) for f in findings if f.line_id is None and f.location.column}
    if not wanted:
        return list(findings)
    ids = {where: line.line_id for line in claim.expenses
           if (where := (line.source.file, line.source.sheet, line.source.row)) in wanted}
    return [replace(f, line_id=ids[place(f)])
            if f.line_id is None and f.location.column and place(f) in ids else f
            for f in findings]


def _claim_entries(raw: RawInput, config: Config) -> tuple[dict[str, object], dict[str, Location]]:
    """Merge the claim sheet over the config's defaults; remember where each value came from."""
    values: dict[str, object] = {}
    locations: dict[str, Location] = {}
    defaults = {f"claimant_{k}" if k in {"name", "type", "code"} else k: v
                for k, v in config.claimant.model_dump().items()}
    defaults.update(config.claim.model_dump())
    for key, value in defaults.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        section = "claimant" if key in _CLAIMANT_KEYS else "claim"
        values[key] = value
        locations[key] = Location(file=config.path, field=f"{section}.{_CLAIMANT_KEYS.get(key, key)}")
    for key, cell in raw.claim.items():
        values[key] = cell.value
        locations[key] = cell.location
    for key, where in raw.claim_blank.items():  # given nowhere: a finding points at the blank
        locations.setdefault(key, where)
    return values, locations


def _config_clients(config: Config, findings: list[Finding]) -> list[Client]:
    clients = []
    for number, entry in enumerate(config.clients, start=1):
        data = {("reference" if k == "client_reference" else k): v for k, v in entry.items()}
        locate = {k: Location(file=config.path, field=f"clients[{number}].{k}") for k in data}
        client = _validate(Client, data, locate, decimal_comma=True, line=None, values=data,
                           findings=findings, unreadable=set())
        clients.append(client.model_copy(update={"source": SourceRow(file=config.path)}))
    return clients


def _origin(raw: RawInput, config: Config) -> Location:
    if raw.claim_sheet is not None:
        cell = next(iter(raw.claim.values()), None)
        return Location(file=cell.location.file if cell else None, sheet=raw.claim_sheet)
    if config.path is not None:
        return Location(file=config.path)
    return Location(file=raw.sources[0].path if raw.sources else None)


def _once_across_files(clients: list[Client]) -> list[Client]:
    """The clients, each listed once: when workbooks are combined, a client listed alike (every
    value the same) in another file's clients sheet is that same client. A differing entry
    stays, for CT-002 to report."""
    kept: list[Client] = []
    seen: dict[str, list[Client]] = {}
    for client in clients:
        earlier = seen.setdefault(client_key(client.reference), [])
        if any(other.source.file != client.source.file
               and other.model_dump(exclude={"source"}) == client.model_dump(exclude={"source"})
               for other in earlier):
            continue
        earlier.append(client)
        kept.append(client)
    return kept


def _spelled_as_in_clients(
    lines: list[ExpenseLine], clients: Sequence[Client]
) -> list[ExpenseLine]:
    """Each line's client reference as the clients sheet spells it (matched case- and
    space-insensitively), so that every report and the package write one spelling."""
    spelling: dict[str, str] = {}
    for client in clients:
        if client.reference:
            spelling.setdefault(client_key(client.reference), client.reference)
    spelled = []
    for line in lines:
        written = line.client_reference
        canonical = spelling.get(client_key(written)) if written else None
        if canonical is not None and canonical != written:
            line = line.model_copy(update={"client_reference": canonical})
        spelled.append(line)
    return spelled


#: The expense lines' amount cells written as text in a workbook: by line index, each field's
#: cell (a spreadsheet's SUM skips them).
AsText = dict[int, dict[str, str]]


def _amounts_as_text(raw: RawInput, findings: list[Finding]) -> AsText:
    """WB-015 on each amount cell of a workbook's expense line that holds its amount as text
    (``"1 234,50"`` in a text cell): elyclaims reads it, a spreadsheet's SUM skips it, so the
    officer's own total differs. A CSV file's cells are all text, and say nothing."""
    found: AsText = {}
    columns: object = None
    positions: list[tuple[int, str]] = []
    for index, row in enumerate(raw.expenses):
        if row.columns is not columns:
            columns = row.columns
            positions = ([] if row.file in raw.untyped_files else
                         [(row.names.index(name), name) for name in _TOTALLED
                          if name in row.names])
        for position, name in positions:
            value = row.values[position]
            if type(value) is str and _stated_amount(value, row.decimal_comma) is not None:
                location = row.location(name)
                found.setdefault(index, {})[name] = location.cell or ""
                findings.append(Finding.make("WB-015", location, value=value,
                                             line_id=line_id(row, combined=raw.combined)))
    return found


def _totals_findings(raw: RawInput, expenses: list[ExpenseLine],
                     as_text: AsText) -> list[Finding]:
    """WB-006: each totals row's amounts against the lines since the previous totals row (a
    subtotal) and against all lines above it in its sheet (a running or grand total); it must
    match one of them. Lines whose amounts could not be read are in neither sum. Where the
    lines' amounts written as text explain the difference exactly (the totals row's SUM
    skipped them), the finding says so and names their cells (variant ``text``)."""
    findings = []
    for totals in raw.totals:
        for field in _TOTALLED:
            value = totals.row.cells.get(field)
            if value is None:
                continue
            stated = _stated_amount(value, totals.row.decimal_comma)
            if stated is None:
                continue
            since = _sum(expenses[totals.lines_since:totals.lines_until], field)
            running = _sum(expenses[totals.lines_from:totals.lines_until], field)
            if stated in {since, running}:
                continue
            location = totals.row.location(field)
            for first, total in ((totals.lines_since, since), (totals.lines_from, running)):
                texts = [(index, written[field]) for index in range(first, totals.lines_until)
                         if field in (written := as_text.get(index, {}))]
                skipped = sum((getattr(expenses[index], field) or Decimal(0)
                               for index, _ in texts), Decimal("0.00"))
                if texts and stated == total - skipped:
                    findings.append(Finding.make(
                        "WB-006", location, variant="text", value=value, stated=stated,
                        computed=total, difference=stated - total, running=running,
                        cells=", ".join(cell for _, cell in texts[:10])
                        + (" …" if len(texts) > 10 else ""), count=len(texts)))
                    break
            else:
                findings.append(Finding.make(
                    "WB-006", location, value=value, stated=stated, computed=since,
                    difference=stated - since, running=running))
    return findings


def _stated_amount(value: object, decimal_comma: bool) -> Decimal | None:
    """A totals row's amount; one that cannot be read is compared with nothing (a totals row is
    no claimed cost, so it gets no WB-004 either)."""
    try:
        return parse_money(value, decimal_comma=decimal_comma)
    except CellValueError:
        return None


def _sum(lines: Sequence[ExpenseLine], field: str) -> Decimal:
    total = Decimal("0.00")
    for line in lines:
        if line.totalled:
            total += getattr(line, field) or Decimal(0)
    return total
