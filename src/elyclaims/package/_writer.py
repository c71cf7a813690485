"""Writing ``claim.xml`` with lxml's incremental writer: one line in memory at a time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from elyclaims._version import __version__
from elyclaims.findings import Finding, Severity
from elyclaims.model import Claim, ExpenseLine
from elyclaims.package._schema import CLAIM_NS
from elyclaims.progress import EVERY, tick
from elyclaims.reference import Reference
from elyclaims.report import Summary, Totals
from elyclaims.values import format_money, timestamp

__all__ = ["write_claim_xml"]

GENERATOR = "elyclaims"


def _q(name: str) -> str:
    return f"{{{CLAIM_NS}}}{name}"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _attributes(attributes: dict[str, object]) -> dict[str, str]:
    return {name: _text(value) for name, value in attributes.items() if value is not None}


def _element(name: str, text: object = None, **attributes: object) -> Any:
    """A top-level element, in the default namespace (no prefixes in the output)."""
    from lxml import etree

    element = etree.Element(_q(name), _attributes(attributes), nsmap={None: CLAIM_NS})  # type: ignore[dict-item]
    if text is not None:
        element.text = _text(text)
    return element


def _child(parent: Any, name: str, text: object = None, **attributes: object) -> Any:
    from lxml import etree

    element = etree.SubElement(parent, _q(name), _attributes(attributes))
    if text is not None:
        element.text = _text(text)
    return element


def _optional(parent: Any, name: str, value: object) -> None:
    if value is not None and value != "":
        _child(parent, name, value)


def write_claim_xml(
    target: IO[bytes],
    claim: Claim,
    *,
    lines: Iterable[ExpenseLine] | None = None,
    package_id: str,
    created_at: datetime,
    ruleset: str,
    findings: Iterable[Finding],
    reference: Reference,
) -> None:
    """Write the normalized *claim* as ``claim.xml`` to *target*.

    *lines* are the (normalized) expense lines, when they come from elsewhere than
    ``claim.expenses``: an iterable that can be iterated twice (once for the legal bases, once
    to write), made fresh each time so that no second copy of the lines is held in memory. The
    totals are added up as the lines are written. *findings* are the claim's findings: the warnings
    among them travel with the package, and the reasons of acknowledged ones are also written on
    their lines. The output is not validated here: the caller checks it against the schema.
    """
    from lxml import etree

    findings = list(findings)
    acknowledged_by_line: dict[str, list[tuple[str, str]]] = {}
    for finding in findings:
        if finding.acknowledged and finding.line_id:
            acknowledged_by_line.setdefault(finding.line_id, []).append(
                (finding.rule, finding.acknowledged))
    root_attributes = {
        "schemaVersion": "1",
        "packageId": package_id,
        "createdAt": timestamp(created_at),
        "generator": GENERATOR,
        "generatorVersion": __version__,
        "ruleset": ruleset,
        "purpose": _text(claim.purpose.value if claim.purpose else ""),
    }
    with etree.xmlfile(target, encoding="utf-8") as xml:
        xml.write_declaration()
        with xml.element(_q("ClaimPackage"), root_attributes, nsmap={None: CLAIM_NS}):
            xml.write(_claimant(claim), pretty_print=True)
            xml.write(_recipient(claim, reference), pretty_print=True)
            xml.write(_element("Period", start=claim.period_start, end=claim.period_end),
                      pretty_print=True)
            if claim.decision_reference:
                xml.write(_element("Decision", reference=claim.decision_reference,
                                   date=claim.decision_date), pretty_print=True)
            for legal_basis in _legal_bases(claim, reference, lines):
                xml.write(legal_basis, pretty_print=True)
            with xml.element(_q("Clients")):
                for client in claim.clients:
                    element = _element("Client", reference=client.reference)
                    _child(element, "AdmissionDate", client.admission_date)
                    _optional(element, "RemovalDate", client.removal_date)
                    _child(element, "HomeMunicipality", client.home_municipality)
                    _optional(element, "Unaccompanied", client.unaccompanied)
                    _optional(element, "Minor", client.minor)
                    xml.write(element, pretty_print=True)
            totals = Totals()
            with xml.element(_q("Expenses")):
                for line in claim.expenses if lines is None else lines:
                    totals.add(line)
                    if not totals.lines % EVERY:
                        tick("write", totals.lines, len(claim.expenses) or None)
                    xml.write(_expense(line, acknowledged_by_line.get(line.line_id, [])),
                              pretty_print=True)
            xml.write(_totals(totals.summary()), pretty_print=True)
            with xml.element(_q("Findings")):
                for finding in findings_to_carry(findings):
                    xml.write(_element(
                        "Finding", finding.acknowledged, rule=finding.rule,
                        severity=finding.severity.value, messageKey=finding.key,
                        lineId=finding.line_id,
                        acknowledged=True if finding.acknowledged else None,
                    ), pretty_print=True)


def findings_to_carry(findings: Iterable[Finding]) -> list[Finding]:
    """The findings a package carries: the warnings that remain, acknowledged or not."""
    return [f for f in findings if f.severity is Severity.WARNING]


def _claimant(claim: Claim) -> Any:
    claimant = claim.claimant
    element = _element("Claimant")
    _child(element, "Name", claimant.name)
    _child(element, "Type", claimant.type)
    _child(element, "BusinessId", claimant.business_id)
    _optional(element, "Code", claimant.code)
    _optional(element, "Iban", claimant.iban)
    _optional(element, "Bic", claimant.bic)
    _optional(element, "ContactPerson", claimant.contact_person)
    _optional(element, "Email", claimant.email)
    _optional(element, "Phone", claimant.phone)
    return element


def _recipient(claim: Claim, reference: Reference) -> Any:
    authority = reference.authorities.get(claim.recipient or "")
    name = authority.fi if authority else claim.recipient
    return _element("Recipient", name, code=claim.recipient)


def _legal_bases(
    claim: Claim, reference: Reference, lines: Iterable[ExpenseLine] | None
) -> list[Any]:
    used = {}
    # The regimes are few: find them from the service dates alone, before the lines are written.
    dates = {line.service_date for line in (claim.expenses if lines is None else lines)}
    for day in sorted(d for d in dates if d is not None):
        regime = reference.regime_on(day)
        if regime is not None:
            used[regime.code] = regime
    return [
        _element("LegalBasis", regime.text["fi"], code=regime.code, **{
            "from": regime.valid_from, "until": regime.valid_until})
        for regime in sorted(used.values(), key=lambda r: r.valid_from)
    ]


def _expense(line: ExpenseLine, acknowledged: list[tuple[str, str]]) -> Any:
    element = _element("Expense", lineId=line.line_id)
    _child(element, "Source", sheet=line.source.sheet, row=line.source.row,
           file=line.source.file)
    _child(element, "ClientReference", line.client_reference)
    _child(element, "Category", line.category)
    _child(element, "ServiceDate", line.service_date)
    if line.provider or line.provider_business_id:
        provider = _child(element, "Provider")
        _optional(provider, "Name", line.provider)
        _optional(provider, "BusinessId", line.provider_business_id)
    if line.invoice_number or line.invoice_date:
        _child(element, "Invoice", number=line.invoice_number, date=line.invoice_date)
    _child(element, "Description", line.description)
    _optional(element, "Justification", line.justification)
    _child(element, "Net", line.net_amount)
    _optional(element, "Vat", line.vat_amount)
    _optional(element, "Gross", line.gross_amount)
    _optional(element, "CreditedInvoice", line.credited_invoice)
    _optional(element, "Attachment", line.attachment)
    for rule, reason in acknowledged:
        _child(element, "Acknowledgement", reason, rule=rule)
    return element


def _totals(summary: Summary) -> Any:
    element = _element("Totals")
    for category, total in summary.by_category.items():
        _child(element, "CategoryTotal", category=category, lines=total.lines, net=total.net,
               vat=total.vat, gross=total.gross)
    _child(element, "Overall", lines=summary.lines, net=summary.net_total,
           vat=summary.vat_total, gross=summary.gross_total)
    _child(element, "Claimed", summary.net_total)
    return element
