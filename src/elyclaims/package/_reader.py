"""Reading ``claim.xml`` back into the claim model, validating it against the schema as it is
parsed (one element in memory at a time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from elyclaims.findings import Location
from elyclaims.model import Claim, Claimant, Client, ExpenseLine, SourceRow
from elyclaims.package._schema import CLAIM_NS, claim_schema
from elyclaims.report import CategoryTotal
from elyclaims.rules._settle import Acknowledgement

__all__ = ["InvalidXml", "PackagedClaim", "RecordedFinding", "read_claim_xml", "validate_xml"]


class InvalidXml(Exception):
    """A member is not well-formed or not valid against its schema."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


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
    return Decimal(text) if text is not None else None


def _flag(text: str | None) -> bool | None:
    return None if text is None else text.strip() in {"true", "1"}


def _total(element: Any) -> CategoryTotal:
    return CategoryTotal(lines=int(element.get("lines")), net=Decimal(element.get("net")),
                         vat=Decimal(element.get("vat")), gross=Decimal(element.get("gross")))


def _parser_events(source: IO[bytes], schema: Any) -> Any:
    from lxml import etree

    return etree.iterparse(source, events=("end",), schema=schema, resolve_entities=False,
                           no_network=True, huge_tree=False, remove_blank_text=True)


def _release(element: Any) -> None:
    """Free a processed element and the siblings before it, so memory stays flat."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def validate_xml(source: IO[bytes], schema: Any) -> None:
    """Check *source* against *schema* while streaming through it.

    Raises:
        InvalidXml: at the first problem, with its line number.
    """
    from lxml import etree

    try:
        for _, element in _parser_events(source, schema):
            _release(element)
    except etree.XMLSyntaxError as error:
        raise InvalidXml(str(error.msg or error), error.lineno) from error


def read_claim_xml(source: IO[bytes], *, origin: str | None = None) -> PackagedClaim:
    """Read and validate ``claim.xml``. *origin* names the package in the lines' locations.

    Raises:
        InvalidXml: when the document is not valid against the claim schema.
    """
    from lxml import etree

    header: dict[str, str] = {}
    claimant = Claimant()
    values: dict[str, Any] = {}
    clients: list[Client] = []
    expenses: list[ExpenseLine] = []
    totals: dict[str, CategoryTotal] = {}
    overall = CategoryTotal()
    claimed = Decimal("0.00")
    recorded: list[RecordedFinding] = []
    acknowledgements: list[Acknowledgement] = []
    try:
        for _, element in _parser_events(source, claim_schema()):
            name = _local(element.tag)
            parent = element.getparent()
            if parent is None:
                header = dict(element.attrib)
            elif name == "Claimant":
                claimant = Claimant(
                    name=_text(element, "Name"), type=_text(element, "Type"),
                    business_id=_text(element, "BusinessId"), code=_text(element, "Code"),
                    iban=_text(element, "Iban"), bic=_text(element, "Bic"),
                    contact_person=_text(element, "ContactPerson"),
                    email=_text(element, "Email"), phone=_text(element, "Phone"),
                )
            elif name == "Recipient":
                values["recipient"] = element.get("code")
            elif name == "Period":
                values["period_start"] = _day(element.get("start"))
                values["period_end"] = _day(element.get("end"))
            elif name == "Decision":
                values["decision_reference"] = element.get("reference")
                values["decision_date"] = _day(element.get("date"))
            elif name == "Client":
                clients.append(Client(
                    reference=element.get("reference"),
                    admission_date=_day(_text(element, "AdmissionDate")),
                    removal_date=_day(_text(element, "RemovalDate")),
                    home_municipality=_text(element, "HomeMunicipality"),
                    unaccompanied=_flag(_text(element, "Unaccompanied")),
                    minor=_flag(_text(element, "Minor")),
                ))
            elif name == "Expense":
                line = _expense(element, origin)
                expenses.append(line)
                for acknowledgement in element.iterfind(f"{{{CLAIM_NS}}}Acknowledgement"):
                    acknowledgements.append(Acknowledgement(
                        reason=acknowledgement.text or "",
                        rules=frozenset({acknowledgement.get("rule")}), line=line.line_id))
            elif name == "CategoryTotal":
                totals[element.get("category")] = _total(element)
            elif name == "Overall":
                overall = _total(element)
            elif name == "Claimed":
                claimed = Decimal(element.text)
            elif name == "Finding":
                recorded.append(RecordedFinding(
                    rule=element.get("rule"), severity=element.get("severity"),
                    key=element.get("messageKey"), line_id=element.get("lineId"),
                    acknowledged=element.text if element.get("acknowledged") == "true" else None,
                ))
            else:
                continue
            if name in {"Client", "Expense", "Finding"}:
                _release(element)
    except etree.XMLSyntaxError as error:
        raise InvalidXml(str(error.msg or error), error.lineno) from error
    claim = Claim(claimant=claimant, purpose=header.get("purpose"), clients=tuple(clients),
                  expenses=tuple(expenses), origin=Location(file=origin, sheet="claim.xml"),
                  **values)
    return PackagedClaim(
        claim=claim, package_id=header["packageId"],
        created_at=datetime.fromisoformat(header["createdAt"].replace("Z", "+00:00")),
        generator=header["generator"], generator_version=header["generatorVersion"],
        ruleset=header["ruleset"], totals=totals, overall=overall, claimed=claimed,
        findings=recorded, acknowledgements=acknowledgements,
    )


def _expense(element: Any, origin: str | None) -> ExpenseLine:
    source = _find(element, "Source")
    provider = _find(element, "Provider")
    invoice = _find(element, "Invoice")
    return ExpenseLine(
        line_id=element.get("lineId"),
        source=SourceRow(file=origin, sheet=source.get("sheet"), row=int(source.get("row"))),
        client_reference=_text(element, "ClientReference"),
        category=_text(element, "Category"),
        service_date=_day(_text(element, "ServiceDate")),
        provider=_text(provider, "Name") if provider is not None else None,
        provider_business_id=_text(provider, "BusinessId") if provider is not None else None,
        invoice_number=invoice.get("number") if invoice is not None else None,
        invoice_date=_day(invoice.get("date")) if invoice is not None else None,
        description=_text(element, "Description"),
        justification=_text(element, "Justification"),
        net_amount=_money(_text(element, "Net")),
        vat_amount=_money(_text(element, "Vat")),
        gross_amount=_money(_text(element, "Gross")),
        credited_invoice=_text(element, "CreditedInvoice"),
        attachment=_text(element, "Attachment"),
    )
