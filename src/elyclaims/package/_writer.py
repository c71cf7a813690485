"""Writing ``claim.xml``: streamed, a line at a time, as compact escaped text.

Each element is written from a template with its text and attributes escaped (``&``, ``<``,
``>``, quotes, and in attributes the line breaks and tabs), one element of the claim's top
level or one expense line per text line, the namespace declared once on the root. The caller
checks the file against the schema before it is packed, so a template that went wrong could
never reach a package.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Protocol

from elyclaims._version import __version__
from elyclaims.findings import Finding, Severity
from elyclaims.model import Claim, ExpenseLine, remember
from elyclaims.package._schema import CLAIM_NS
from elyclaims.privacy import sanitize
from elyclaims.progress import EVERY, tick
from elyclaims.refdata import ReferenceData, reference_data
from elyclaims.report import Summary, Totals
from elyclaims.values import format_money, timestamp

__all__ = ["LEAST_LINE_BYTES", "Sink", "write_claim_xml"]


class Sink(Protocol):
    """Where claim.xml goes: anything with a ``write`` of bytes (a file, a file and a check)."""

    def write(self, data: bytes, /) -> object: ...


GENERATOR = "elyclaims"
# Characters XML 1.0 cannot hold at all; a cell with one is written with U+FFFD in its place.
_NOT_XML_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_NOT_XML = re.compile(f"[{_NOT_XML_CHARACTERS}]")
# What a text must have escaped or replaced; in an attribute's value also quotes and the white
# space that attribute value normalization would turn into spaces.
_SPECIAL = re.compile(f"[&<>{_NOT_XML_CHARACTERS}]")
_ATTRIBUTE_SPECIAL = re.compile(f'[&<>"\t\n\r{_NOT_XML_CHARACTERS}]')
_BATCH = 1000
#: The fewest bytes an expense line takes in claim.xml: its line id, source row, client,
#: category, service date, description and net amount, each as short as the schema lets it.
LEAST_LINE_BYTES = 200


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _escape(value: object) -> str:
    text = value if type(value) is str else _text(value)
    if not _SPECIAL.search(text):
        return text  # nearly every cell: nothing to escape
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("\ufffd", text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attribute(value: object) -> str:
    if type(value) is str and not _ATTRIBUTE_SPECIAL.search(value):
        return value  # nearly every value: nothing to escape
    text = _escape(value)
    for plain, escaped in (('"', "&quot;"), ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;")):
        if plain in text:
            text = text.replace(plain, escaped)
    return text


def _element(name: str, text: object, children: str, attributes: dict[str, object]) -> str:
    """One element: ``<name a="…">text or children</name>`` (empty: ``<name a="…"/>``)."""
    attrs = "".join(f' {key}="{_attribute(value)}"' for key, value in attributes.items()
                    if value is not None)
    inner = _escape(text) if text is not None else children
    return f"<{name}{attrs}>{inner}</{name}>" if inner else f"<{name}{attrs}/>"


def _tag(name: str, text: object = None, children: str = "", **attributes: object) -> str:
    return _element(name, text, children, attributes)


def _optional(name: str, value: object) -> str:
    return _tag(name, value) if value is not None and value != "" else ""


def write_claim_xml(
    target: Sink,
    claim: Claim,
    *,
    lines: Iterable[ExpenseLine] | None = None,
    package_id: str,
    created_at: datetime,
    ruleset: str,
    findings: Iterable[Finding],
    refdata: ReferenceData,
    service_dates: Iterable[date | None] | None = None,
    files: bool | None = None,
    lines_to: Sink | None = None,
    judged_on: date | None = None,
    supersedes: str | None = None,
    tables: Sequence[ExpenseLine] | None = None,
) -> None:
    """Write the normalized *claim* as ``claim.xml`` to *target*.

    *lines* are the (normalized) expense lines, when they come from elsewhere than
    ``claim.expenses``: an iterable made fresh each time, so that no second copy of the lines
    is held in memory; *service_dates* (the lines' dates, which decide the legal bases written
    before them) saves iterating it twice. *files* says whether each line's source is written
    with its file's name (True), without (False), or as the line's source says (None: the
    lines are normalized), so that lines can be written as they stand in the claim. The
    totals are added up as the lines are written. *findings* are the claim's findings: the warnings
    among them travel with the package, and the reasons of acknowledged ones are also written on
    their lines. *judged_on* is the date the rules were judged on, *supersedes* the submission
    this claim replaces (each written only when given). *lines_to*, when given, is also given
    the expense lines' bytes (and only theirs), as they are written: the build digests them for
    the package id. *tables* are the lines as read (default: ``claim.expenses``), whose tables'
    columns are written before the lines. The output is not validated here: the caller checks
    it against the schema.
    """
    findings = list(findings)
    if lines is None:
        lines = claim.expenses
    if service_dates is None:
        service_dates = (line.service_date for line in lines)
    target.write(_head(claim, package_id=package_id, created_at=created_at, ruleset=ruleset,
                       refdata=refdata, service_dates=service_dates, judged_on=judged_on,
                       supersedes=supersedes).encode("utf-8"))
    columns = _columns(claim.expenses if tables is None else tables, files)
    if columns:
        target.write(columns.encode("utf-8"))
    totals = _write_expenses(target, lines, _acknowledged_by_line(findings),
                             expected=len(claim.expenses) or None, files=files,
                             lines_to=lines_to)
    tail = ["</Expenses>", _totals(totals.summary()), "<Findings>"]
    tail.extend(_tag("Finding", finding.acknowledged, rule=finding.rule,
                     severity=finding.severity.value, messageKey=finding.key,
                     lineId=finding.line_id, acknowledged=True if finding.acknowledged else None)
                for finding in findings_to_carry(findings))
    tail.append("</Findings>\n</ClaimPackage>\n")
    target.write("\n".join(tail).encode("utf-8"))


def _columns(lines: Iterable[ExpenseLine], files: bool | None) -> str:
    """A Columns element for each table the lines were read from: its fields' column letters
    and headers, so that a finding of the package's reader names the line's cell as the
    workbook's reader did (``Kulut!K17 (ALV)``). The lines of a table share one map of cells,
    so this looks at each map once."""
    tables: dict[tuple[str | None, str], Mapping[str, Any]] = {}
    last: object = None
    for line in lines:
        source = line.source
        if source.cells is last:
            continue
        last = source.cells
        if source.cells and source.sheet is not None:
            tables.setdefault((_source_file(source.file, files), source.sheet), source.cells)
    elements = []
    for (file, sheet), cells in tables.items():
        where = f' sheet="{_attribute(sheet)}"' + (f' file="{_attribute(file)}"' if file else "")
        columns = "".join(
            f'<Column field="{_attribute(name)}" letter="{_attribute(cell.column)}"'
            + (f' header="{_attribute(sanitize(cell.header))}"' if cell.header else "") + "/>"
            for name, cell in cells.items())
        elements.append(f"<Columns{where}>{columns}</Columns>\n")
    return "".join(elements)


def _source_file(file: str | None, files: bool | None) -> str | None:
    """How a line's Source names its file: as the line says (*files* None), by its name
    (True), or not at all (False)."""
    if files is None:
        return file
    return PurePath(file).name if files and file else None


def _acknowledged_by_line(findings: Iterable[Finding]) -> dict[str, list[tuple[str, str]]]:
    """``(rule, reason)`` of the acknowledged findings, by line id."""
    by_line: dict[str, list[tuple[str, str]]] = {}
    for finding in findings:
        if finding.acknowledged and finding.line_id:
            by_line.setdefault(finding.line_id, []).append((finding.rule, finding.acknowledged))
    return by_line


def _head(claim: Claim, *, package_id: str, created_at: datetime, ruleset: str,
          refdata: ReferenceData, service_dates: Iterable[date | None],
          judged_on: date | None = None, supersedes: str | None = None) -> str:
    """Everything before the first expense line: the root, claimant, recipient, period,
    decision, legal bases and clients, up to the opening ``<Expenses>``."""
    root = {
        "schemaVersion": "1",
        "packageId": package_id,
        "createdAt": timestamp(created_at),
        "generator": GENERATOR,
        "generatorVersion": __version__,
        "ruleset": ruleset,
        "purpose": claim.purpose.value if claim.purpose else "",
    }
    if judged_on is not None:
        root["judgedOn"] = judged_on.isoformat()
    attrs = "".join(f' {key}="{_attribute(value)}"' for key, value in root.items())
    head = [f"<?xml version='1.0' encoding='utf-8'?>\n<ClaimPackage xmlns=\"{CLAIM_NS}\"{attrs}>",
            _claimant(claim), _recipient(claim, refdata),
            _tag("Period", start=claim.period_start, end=claim.period_end)]
    if claim.decision_reference:
        head.append(_tag("Decision", reference=claim.decision_reference,
                         date=claim.decision_date))
    if supersedes:
        head.append(_tag("Supersedes", submission=supersedes))
    head.extend(_legal_bases(claim, refdata, service_dates))
    head.append("<Clients>")
    head.extend(_client(client) for client in claim.clients)
    head.append("</Clients>\n<Expenses>")
    return "\n".join(head) + "\n"


def _write_expenses(target: Sink, lines: Iterable[ExpenseLine],
                    acknowledged: dict[str, list[tuple[str, str]]],
                    expected: int | None, files: bool | None, lines_to: Sink | None) -> Totals:
    """Write the expense lines in batches (to *lines_to* too), adding up their totals as they
    go."""
    totals = Totals()
    batch: list[str] = []
    expense = _Expenses(files)

    def flush() -> None:
        data = ("\n".join(batch) + "\n").encode("utf-8")
        target.write(data)
        if lines_to is not None:
            lines_to.write(data)
        batch.clear()

    for line in lines:
        totals.add(line)
        batch.append(expense(line, acknowledged.get(line.line_id, ())))
        if len(batch) == _BATCH:
            flush()
        if not totals.lines % EVERY:
            tick("write", totals.lines, expected)
    if batch:
        flush()
    return totals


def findings_to_carry(findings: Iterable[Finding]) -> list[Finding]:
    """The findings a package carries: the warnings that remain, acknowledged or not."""
    return [f for f in findings if f.severity is Severity.WARNING]


def _claimant(claim: Claim) -> str:
    claimant = claim.claimant
    return _tag("Claimant", children="".join((
        _tag("Name", claimant.name), _tag("Type", claimant.type),
        _tag("BusinessId", claimant.business_id), _optional("Code", claimant.code),
        _optional("Iban", claimant.iban), _optional("Bic", claimant.bic),
        _optional("ContactPerson", claimant.contact_person), _optional("Email", claimant.email),
        _optional("Phone", claimant.phone))))


def _recipient(claim: Claim, refdata: ReferenceData) -> str:
    authority = refdata.authorities.get(claim.recipient or "")
    name = authority.fi if authority else claim.recipient
    return _tag("Recipient", name, code=claim.recipient)


def _legal_bases(claim: Claim, refdata: ReferenceData,
                 service_dates: Iterable[date | None]) -> list[str]:
    # The regimes are few: find them from the service dates alone, before the lines are written.
    return [
        _element("LegalBasis", regime.text["fi"], "", {
            "code": regime.code, "from": regime.valid_from, "until": regime.valid_until,
            "citedFrom": "config" if regime.configured else None})
        for regime in refdata.regimes_for(service_dates)
    ]


def _client(client: object) -> str:
    return _tag("Client", reference=client.reference, children="".join((  # type: ignore[attr-defined]
        _tag("AdmissionDate", client.admission_date),  # type: ignore[attr-defined]
        _optional("RemovalDate", client.removal_date),  # type: ignore[attr-defined]
        _tag("HomeMunicipality", client.home_municipality),  # type: ignore[attr-defined]
        _optional("Unaccompanied", client.unaccompanied),  # type: ignore[attr-defined]
        _optional("Minor", client.minor))))  # type: ignore[attr-defined]


def _money(name: str, amount: Decimal | None) -> str:
    return f"<{name}/>" if amount is None else f"<{name}>{format_money(amount)}</{name}>"


def _day(name: str, day: date | None) -> str:
    return f"<{name}/>" if day is None else f"<{name}>{day.isoformat()}</{name}>"


def _leaf(name: str, value: object) -> str:
    """An element with text and no attributes (empty: ``<name/>``): :func:`_tag` without its
    general path, for the elements every line has."""
    inner = _escape(value) if value is not None else ""
    return f"<{name}>{inner}</{name}>" if inner else f"<{name}/>"


class _Pieces:
    """What one element makes of each value, made once per value: lines repeat their clients,
    categories, days, providers, descriptions and amounts. The most recent values are kept
    (:func:`~elyclaims.model.remember`: a column that never repeats costs a dictionary's
    lookup, no more)."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        self._make = make
        self._made: dict[object, str] = {}

    def __call__(self, value: object) -> str:
        made = self._made.get(value)
        return made if made is not None else remember(self._made, value, self._make(value))


class _Expenses:
    """Writes expense lines: the same elements as the schema orders them, written directly
    (a line is most of the file), each repeated value's piece made once. *files*: whether
    each line's source names its file (by name), or None to name it as the line says (a
    normalized line names it only when several files were combined)."""

    def __init__(self, files: bool | None) -> None:
        self._files = files
        self._sheet = _Pieces(lambda sheet: "" if sheet is None else
                              f' sheet="{_attribute(sheet)}"')
        self._file = _Pieces(lambda file: f' file="{_attribute(file)}"')
        self._client = _Pieces(lambda reference: _leaf("ClientReference", reference))
        self._category = _Pieces(lambda category: _leaf("Category", category))
        self._day = _Pieces(lambda day: _day("ServiceDate", day))
        self._provider = _Pieces(lambda key: "<Provider>{}{}</Provider>".format(
            _leaf("Name", key[0]) if key[0] else "",
            _leaf("BusinessId", key[1]) if key[1] else ""))
        self._description = _Pieces(lambda text: _leaf("Description", text))
        self._justification = _Pieces(lambda text: _leaf("Justification", text))
        # What the line says it bought: the supply type's code where it names one, else the
        # words as written (the receiver judges them alike), as normalize_line gives it.
        self._supply = _Pieces(
            lambda text: _leaf("SupplyType", reference_data().supply_code(text)))
        self._net = _Pieces(lambda amount: _money("Net", amount))
        self._vat = _Pieces(lambda amount: _money("Vat", amount))
        self._gross = _Pieces(lambda amount: _money("Gross", amount))

    def __call__(self, line: ExpenseLine, acknowledged: Sequence[tuple[str, str]]) -> str:
        field = line.__dict__  # the fields as the model holds them: faster than attributes
        source = field["source"]
        where = self._sheet(source.sheet)
        if source.row is not None:
            where += f' row="{source.row}"'
        file = _source_file(source.file, self._files)
        if file is not None:
            where += self._file(file)
        parts = [f'<Expense lineId="{_attribute(field["line_id"])}"><Source{where}/>',
                 self._client(field["client_reference"]), self._category(field["category"]),
                 self._day(field["service_date"])]
        provider, business_id = field["provider"], field["provider_business_id"]
        if provider or business_id:
            parts.append(self._provider((provider, business_id)))
        invoice_number, invoice_date = field["invoice_number"], field["invoice_date"]
        if invoice_number or invoice_date:
            number = "" if invoice_number is None else f' number="{_attribute(invoice_number)}"'
            day = "" if invoice_date is None else f' date="{invoice_date.isoformat()}"'
            parts.append(f"<Invoice{number}{day}/>")
        parts.append(self._description(field["description"]))
        if field["justification"]:
            parts.append(self._justification(field["justification"]))
        if field["supply_type"]:
            parts.append(self._supply(field["supply_type"]))
        parts.append(self._net(field["net_amount"]))
        if field["vat_amount"] is not None:
            parts.append(self._vat(field["vat_amount"]))
        if field["gross_amount"] is not None:
            parts.append(self._gross(field["gross_amount"]))
        if field["credited_invoice"]:
            parts.append(_leaf("CreditedInvoice", field["credited_invoice"]))
        if field["attachment"]:
            parts.append(_leaf("Attachment", field["attachment"]))
        if acknowledged:
            parts.extend(_tag("Acknowledgement", reason, rule=rule)
                         for rule, reason in acknowledged)
        parts.append("</Expense>")
        return "".join(parts)


def _totals(summary: Summary) -> str:
    parts = [_tag("CategoryTotal", category=category, lines=total.lines, net=total.net,
                  vat=total.vat, gross=total.gross)
             for category, total in summary.by_category.items()]
    parts.append(_tag("Overall", lines=summary.lines, net=summary.net_total,
                      vat=summary.vat_total, gross=summary.gross_total))
    parts.append(_tag("Claimed", summary.net_total))
    return _tag("Totals", children="".join(parts))
