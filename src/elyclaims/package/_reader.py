"""Reading ``claim.xml`` back into the claim model, validating it against the schema as it is
parsed (one element in memory at a time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from pydantic import ValidationError

from elyclaims._xmlcheck import InvalidXml, SchemaCheckInChild, locate_problem, placed, validate_xml
from elyclaims._xmlcheck import free_element as _release
from elyclaims.findings import Location
from elyclaims.model import (
    CellMemo,
    CellRef,
    Claim,
    Claimant,
    Client,
    ExpenseLine,
    SourceRow,
    fast_constructor,
    read_rows,
    remember,
)
from elyclaims.package._schema import CLAIM_NS, CLAIM_SCHEMA, claim_schema, schema_text
from elyclaims.report import CategoryTotal
from elyclaims.rules import Acknowledgement
from elyclaims.values import MAX_AMOUNT, MAX_TOTAL

__all__ = ["InvalidXml", "PackagedClaim", "RecordedFinding", "read_claim_xml", "validate_xml"]


@dataclass(frozen=True, slots=True)
class RecordedFinding:
    """A finding as the package recorded it."""

    rule: str
    severity: str
    key: str
    line_id: str | None
    acknowledged: str | None


@dataclass(slots=True)
class PackagedClaim:
    """What ``claim.xml`` holds: the claim, its header, the stated totals and findings."""

    claim: Claim
    package_id: str
    created_at: datetime
    generator: str
    generator_version: str
    ruleset: str
    totals: dict[str, CategoryTotal] = field(default_factory=dict)
    overall: CategoryTotal = field(default_factory=CategoryTotal)
    claimed: Decimal = Decimal("0.00")
    findings: list[RecordedFinding] = field(default_factory=list)
    acknowledgements: list[Acknowledgement] = field(default_factory=list)
    #: The date the claimant's rules were judged on (None in a package written before
    #: elyclaims recorded it), and the submission this claim replaces.
    judged_on: date | None = None
    supersedes: str | None = None


_UNREAD = object()
#: The source of a line that names none (schema-valid lines always do).
_NO_SOURCE = SourceRow()


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if text.startswith(f"{{{CLAIM_NS}}}") else text


def _find(element: Any, name: str) -> Any:
    return element.find(f"{{{CLAIM_NS}}}{name}")


def _text(element: Any, name: str) -> str | None:
    child = _find(element, name)
    return child.text if child is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _money(text: str | None) -> Decimal | None:
    if text is None:
        return None
    amount = Decimal(text)
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ValueError(f"amount out of range: {text[:40]}")
    return amount


def _flag(text: str | None) -> bool | None:
    return None if text is None else text.strip() in {"true", "1"}


def _sum(text: str | None) -> Decimal:
    amount = Decimal(text or "")
    if not amount.is_finite() or abs(amount) >= MAX_TOTAL:
        raise ValueError(f"total out of range: {(text or '')[:40]}")
    return amount


def _total(element: Any) -> CategoryTotal:
    return CategoryTotal(lines=int(element.get("lines")), net=_sum(element.get("net")),
                         vat=_sum(element.get("vat")), gross=_sum(element.get("gross")))


def _parser_events(source: IO[bytes] | _CopiedToCheck, schema: Any, *, tags: Any = None) -> Any:
    """The end events of *source* (only of the elements *tags* names, when given; libxml2
    parses and validates every element either way)."""
    from lxml import etree

    return etree.iterparse(source, events=("end",), tag=tags, schema=schema,
                           resolve_entities=False, no_network=True, huge_tree=False,
                           remove_blank_text=True, load_dtd=False)


@dataclass(slots=True)
class _Reading:
    """What has been read of claim.xml so far."""

    origin: str | None
    header: dict[str, str] = field(default_factory=dict)
    claimant: Claimant = field(default_factory=Claimant)
    values: dict[str, Any] = field(default_factory=dict)
    clients: list[Client] = field(default_factory=list)
    expenses: list[ExpenseLine] = field(default_factory=list)
    totals: dict[str, CategoryTotal] = field(default_factory=dict)
    overall: CategoryTotal = field(default_factory=CategoryTotal)
    claimed: Decimal = Decimal("0.00")
    recorded: list[RecordedFinding] = field(default_factory=list)
    acknowledgements: list[Acknowledgement] = field(default_factory=list)
    supersedes: str | None = None
    #: The lines' repeated texts, read once and held once (see model.CellMemo).
    memo: CellMemo = field(default_factory=CellMemo)
    #: Amounts and dates by their text in the file, likewise.
    exact: dict[tuple[str, str], object] = field(default_factory=dict)
    #: Expense elements read whose lines are not made yet.
    pending: list[_Pending] = field(default_factory=list)
    #: Each source table's cells by field, as its Columns element gives them: by (file, sheet).
    columns: dict[tuple[str | None, str | None], dict[str, CellRef]] = field(
        default_factory=dict)
    _last_table: tuple[str | None, str | None] | None = None
    _last_cells: dict[str, CellRef] = field(default_factory=dict)

    def cells_of(self, file: str | None, sheet: str | None) -> dict[str, CellRef]:
        """The cells of the table (*file*, *sheet*) by field; none for a table the package
        names no columns of. The lines of a table come together: the last table is kept."""
        if (file, sheet) != self._last_table:
            self._last_table = (file, sheet)
            self._last_cells = self.columns.get((file, sheet), {})
        return self._last_cells

    def lines(self) -> None:
        """Make the lines of the expense elements read so far."""
        if self.pending:
            self.expenses.extend(_lines(self.pending, self.memo))
            self.pending.clear()

    def amount(self, text: str | None) -> Decimal | None:
        """*text* of an amount element, as one Decimal however often it repeats."""
        return self._exact("amount", text, _money)  # type: ignore[return-value]

    def day(self, text: str | None) -> date | None:
        """*text* of a date element, as one date however often it repeats."""
        return self._exact("day", text, _day)  # type: ignore[return-value]

    def _exact(self, kind: str, text: str | None, read: Callable[[str | None], object]) -> object:
        if text is None:
            return None
        value = self.exact.get((kind, text), _UNREAD)
        return remember(self.exact, (kind, text), read(text)) if value is _UNREAD else value


def _claimant(element: Any, reading: _Reading) -> None:
    reading.claimant = Claimant(
        name=_text(element, "Name"), type=_text(element, "Type"),
        business_id=_text(element, "BusinessId"), code=_text(element, "Code"),
        iban=_text(element, "Iban"), bic=_text(element, "Bic"),
        contact_person=_text(element, "ContactPerson"), email=_text(element, "Email"),
        phone=_text(element, "Phone"),
    )


def _recipient(element: Any, reading: _Reading) -> None:
    reading.values["recipient"] = element.get("code")


def _period(element: Any, reading: _Reading) -> None:
    reading.values["period_start"] = _day(element.get("start"))
    reading.values["period_end"] = _day(element.get("end"))


def _decision(element: Any, reading: _Reading) -> None:
    reading.values["decision_reference"] = element.get("reference")
    reading.values["decision_date"] = _day(element.get("date"))


def _supersedes(element: Any, reading: _Reading) -> None:
    reading.supersedes = element.get("submission")


def _client(element: Any, reading: _Reading) -> None:
    reading.clients.append(Client(
        reference=element.get("reference"),
        admission_date=_day(_text(element, "AdmissionDate")),
        removal_date=_day(_text(element, "RemovalDate")),
        home_municipality=_text(element, "HomeMunicipality"),
        unaccompanied=_flag(_text(element, "Unaccompanied")),
        minor=_flag(_text(element, "Minor")),
    ))


def _expense_element(element: Any, reading: _Reading) -> None:
    reading.pending.append(_expense(element, reading))
    if len(reading.pending) >= _CHUNK:
        reading.lines()


def _columns(element: Any, reading: _Reading) -> None:
    reading.columns[(element.get("file") or reading.origin, element.get("sheet"))] = {
        column.get("field"): CellRef(column=column.get("letter"), header=column.get("header"))
        for column in element}


def _category_total(element: Any, reading: _Reading) -> None:
    reading.totals[element.get("category")] = _total(element)


def _overall(element: Any, reading: _Reading) -> None:
    reading.overall = _total(element)


def _claimed(element: Any, reading: _Reading) -> None:
    reading.claimed = _sum(element.text)


def _finding(element: Any, reading: _Reading) -> None:
    reading.recorded.append(RecordedFinding(
        rule=element.get("rule"), severity=element.get("severity"),
        key=element.get("messageKey"), line_id=element.get("lineId"),
        acknowledged=element.text if element.get("acknowledged") == "true" else None,
    ))


# What each element of claim.xml gives the claim; the elements released once read are the
# repeated ones, so that memory stays flat however many lines a package holds.
_HANDLERS: dict[str, Callable[[Any, _Reading], None]] = {
    "Claimant": _claimant, "Recipient": _recipient, "Period": _period, "Decision": _decision,
    "Supersedes": _supersedes, "Client": _client, "Columns": _columns,
    "Expense": _expense_element,
    "CategoryTotal": _category_total, "Overall": _overall, "Claimed": _claimed, "Finding": _finding,
}
_RELEASED = frozenset({"Client", "Columns", "Expense", "Finding"})
_TAGS = [f"{{{CLAIM_NS}}}{name}" for name in (*_HANDLERS, "ClaimPackage")]
# What reading a value that the schema should have refused raises: lxml may report a schema
# error only after it has handed the element over.
_VALUE_ERRORS = (ValueError, ArithmeticError, TypeError, AttributeError, KeyError)


#: A claim.xml at least this large is checked against its schema in a child process while
#: this one reads it without (on the belief that libxml2 holds Python's lock while it
#: validates, which measured wrong for a tree's validation: a thread is open in issue 29); a
#: smaller one is checked here as it is read, which costs less than the child.
CHILD_CHECK_BYTES = 4 << 20


def read_claim_xml(source: IO[bytes], *, origin: str | None = None,
                   size: int | None = None) -> PackagedClaim:
    """Read and validate ``claim.xml``. *origin* names the package in the lines' locations;
    *size*, the document's size when known, decides where it is checked (see
    :data:`CHILD_CHECK_BYTES`). Either way the verdict is the schema's, with the problem's line
    where *source* can be read again to find it.

    Raises:
        InvalidXml: when the document is not valid against the claim schema.
    """
    if size is not None and size >= CHILD_CHECK_BYTES:
        # Streaming: this process's reading is the longer work, which the check keeps up
        # with; a tree would be validated only after it (measured: 0.4 s slower at 43 MB).
        check = SchemaCheckInChild(None, schema_text(CLAIM_SCHEMA), f"{{{CLAIM_NS}}}Expense",
                                   whole=0)
        try:
            if check.in_child:
                return _read_checked_in_child(source, origin, check)
        finally:
            check.cancel()
    return _read(source, origin, claim_schema())


class _CopiedToCheck:
    """*source*, each block it gives also written to the check in its child."""

    def __init__(self, source: IO[bytes], check: SchemaCheckInChild) -> None:
        self._source, self._check = source, check

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        if data:
            self._check.write(data)
        return data

    def rest(self) -> None:
        """What the parser left of the source, to the check."""
        while self.read(1 << 20):
            pass


def _read_checked_in_child(source: IO[bytes], origin: str | None,
                           check: SchemaCheckInChild) -> PackagedClaim:
    passing = _CopiedToCheck(source, check)
    try:
        packaged = _read(passing, origin, None)
    except InvalidXml:
        passing.rest()
        _verdict(check, source)  # the schema's word on the problem, when it has one
        raise
    passing.rest()
    _verdict(check, source)
    return packaged


def _verdict(check: SchemaCheckInChild, source: IO[bytes]) -> None:
    """The child's verdict; a problem it cannot place is looked for here, in *source*
    read again (a ZIP member can be), for its line."""
    try:
        check.result()
    except InvalidXml as problem:
        located = None if problem.line else locate_problem(source, claim_schema())
        if located is None:
            raise
        raise InvalidXml(*located) from problem


def _read(source: IO[bytes] | _CopiedToCheck, origin: str | None, schema: Any) -> PackagedClaim:
    """claim.xml read into the model; validated against *schema* as it is parsed, or not
    at all (None: checked in a child process)."""
    from lxml import etree

    reading = _Reading(origin)
    events = _parser_events(source, schema, tags=_TAGS)
    try:
        for _, element in events:
            name = _local(element.tag)
            if element.getparent() is None:
                reading.header = dict(element.attrib)
                continue
            handler = _HANDLERS.get(name)
            if handler is None:
                continue
            handler(element, reading)
            if name in _RELEASED:
                _release(element)
        reading.lines()
        claim = Claim(claimant=reading.claimant, purpose=reading.header.get("purpose"),
                      clients=tuple(reading.clients), expenses=tuple(reading.expenses),
                      origin=Location(file=origin, sheet="claim.xml"), **reading.values)
        return PackagedClaim(
            claim=claim, package_id=reading.header["packageId"],
            created_at=datetime.fromisoformat(reading.header["createdAt"].replace("Z", "+00:00")),
            generator=reading.header["generator"],
            generator_version=reading.header["generatorVersion"],
            ruleset=reading.header["ruleset"], totals=reading.totals, overall=reading.overall,
            claimed=reading.claimed, findings=reading.recorded,
            acknowledgements=reading.acknowledgements,
            judged_on=_day(reading.header.get("judgedOn")), supersedes=reading.supersedes,
        )
    except (etree.XMLSyntaxError, etree.DocumentInvalid) as error:
        raise placed(error, _again(source), schema) from error
    except (*_VALUE_ERRORS, ValidationError) as error:
        # Let the parser finish: its own schema error names the problem better than ours.
        _drain(events, source, schema)
        raise InvalidXml(f"a value cannot be read: {type(error).__name__}", None) from error


def _again(source: IO[bytes] | _CopiedToCheck) -> IO[bytes] | None:
    """*source*, to be read again for a problem's line; none when it passes to the check in a child
    (whose verdict places the problem)."""
    return None if isinstance(source, _CopiedToCheck) else source


def _drain(events: Any, source: IO[bytes] | _CopiedToCheck, schema: Any) -> None:
    from lxml import etree

    try:
        for _, element in events:
            _release(element)
    except (etree.XMLSyntaxError, etree.DocumentInvalid) as error:
        raise placed(error, _again(source), schema) from error


# The children of an Expense that hold one field's text each.
_EXPENSE_TEXTS = {
    "ClientReference": "client_reference", "Category": "category",
    "Description": "description", "Justification": "justification",
    "CreditedInvoice": "credited_invoice", "Attachment": "attachment",
    "SupplyType": "supply_type",
}
_EXPENSE_AMOUNTS = {"Net": "net_amount", "Vat": "vat_amount", "Gross": "gross_amount"}
_NS_LENGTH = len(CLAIM_NS) + 2


#: An expense element's texts, read for its line by the line model's own cell readers.
_CELL_FIELDS = ("client_reference", "category", "description", "justification",
                "credited_invoice", "attachment", "provider", "provider_business_id",
                "invoice_number", "invoice_date", "supply_type")
_CELL_INDEX = {name: index for index, name in enumerate(_CELL_FIELDS)}
#: Expense elements read together, column by column (see model.read_rows).
_CHUNK = 4096
#: An expense element as read, its line not yet made: its texts (in the order of
#: _CELL_FIELDS), its amounts and day, its line id and its source.
_Pending = tuple[list[object], dict[str, object], str | None, SourceRow]


def _expense(element: Any, reading: _Reading) -> _Pending:
    """One expense element, its children read in one pass: texts for the line model's own
    cell readers (what validation would do, without its cost), amounts and the day in the
    schema's own form, read directly."""
    cells: list[object] = [None] * len(_CELL_FIELDS)
    exact: dict[str, object] = {}
    source = _NO_SOURCE
    for child in element:
        name = str(child.tag)[_NS_LENGTH:]
        field = _EXPENSE_TEXTS.get(name)
        if field is not None:
            if child.text is not None:
                cells[_CELL_INDEX[field]] = child.text
        elif name in _EXPENSE_AMOUNTS:
            exact[_EXPENSE_AMOUNTS[name]] = reading.amount(child.text)
        elif name == "ServiceDate":
            exact["service_date"] = reading.day(child.text)
        elif name == "Source":
            file, sheet = child.get("file") or reading.origin, child.get("sheet")
            source = SourceRow.of(file, sheet, int(child.get("row")),
                                  reading.cells_of(file, sheet), frozenset())
        elif name == "Provider":
            for part in child:
                key = {"Name": "provider", "BusinessId": "provider_business_id"}.get(
                    str(part.tag)[_NS_LENGTH:])
                if key is not None and part.text is not None:
                    cells[_CELL_INDEX[key]] = part.text
        elif name == "Invoice":
            for attribute, key in (("number", "invoice_number"), ("date", "invoice_date")):
                if child.get(attribute) is not None:
                    cells[_CELL_INDEX[key]] = child.get(attribute)
        elif name == "Acknowledgement":  # read here: a search of each element cost 2 µs
            reading.acknowledgements.append(Acknowledgement(
                reason=child.text or "", rules=frozenset({child.get("rule")}),
                line=element.get("lineId")))
    return cells, exact, element.get("lineId"), source


def _lines(pending: list[_Pending], memo: CellMemo) -> list[ExpenseLine]:
    """The lines of expense elements read (:func:`_expense`), their texts read column by
    column."""
    fields, problems = read_rows(ExpenseLine, _CELL_FIELDS,
                                 [tuple(cells) for cells, _, _, _ in pending],
                                 decimal_comma=False, memo=memo)
    if problems:
        name, problem = next(iter(next(iter(problems.values())).items()))
        raise ValueError(f"{name}: not a {problem.kind}")
    make = fast_constructor(ExpenseLine)
    return [make({**read, **exact, "line_id": line_id, "source": source}, None)
            for read, (_, exact, line_id, source) in zip(fields, pending, strict=True)]
