"""Receipts, the server's refusals and the ledger, as ``submit``, ``status`` and ``ledger``
print them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from elyclaims._version import __version__
from elyclaims.findings import Location
from elyclaims.i18n import Translator, translator
from elyclaims.privacy import sanitize
from elyclaims.render._common import REPORT_VERSION, to_json

if TYPE_CHECKING:
    from datetime import date

    from elyclaims.ledger import ClaimedTotal, LedgerPackage
    from elyclaims.submission import Receipt, SubmissionError

__all__ = ["claimed_to_json", "claimed_to_text", "ledger_to_json", "ledger_to_text", "receipt_to_json",
           "receipt_to_text",
           "refusal_to_json", "refusal_to_text", "server_finding", "status_word"]


def status_word(status: str, t: Translator) -> str:
    """A package's or submission's status in the reader's language."""
    return {
        "built": t("built, not sent"), "submitted": t("submitted"), "received": t("received"),
        "in-review": t("in review"), "accepted": t("accepted"),
        "partly-accepted": t("partly accepted"), "rejected": t("rejected"), "paid": t("paid"),
        "superseded": t("superseded"), "withdrawn": t("withdrawn"),
        "sending": t("being sent (run submit or status again)"),
        "not-received": t("not received"),
    }.get(status, status)


def receipt_to_text(receipt: Receipt, *, lang: str = "en") -> str:
    """A receipt as ``submit`` and ``status`` print it."""
    from elyclaims.formatting import moment

    t = translator(lang)
    lines = [t("Received {when}: submission {id}, status {status}",
               when=moment(receipt.received_at, lang), id=receipt.submission_id,
               status=status_word(receipt.status, t)),
             "  " + t("package {id}, sha256 {sha256}", id=receipt.package_id,
                      sha256=receipt.package_sha256)]
    lines.extend("  " + server_finding(finding.model_dump(), lang) for finding in receipt.findings)
    return sanitize("\n".join(lines) + "\n")


def server_finding(finding: Mapping[str, Any], lang: str) -> str:
    """One of the endpoint's findings as a line in *lang*: phrased here from its message key and
    parameters (they are data), or, for a rule or parameter this version does not know, with
    the endpoint's own words."""
    from elyclaims.findings import Finding
    from elyclaims.render._report import severity_word

    t = translator(lang)
    rule = str(finding.get("rule") or "")
    try:
        made = Finding.from_wire(rule, str(finding.get("severity")), finding.get("message_key"),
                                 finding.get("params"), finding.get("value"))
    except (KeyError, ValueError, TypeError, ArithmeticError):
        text = f"{rule} [{finding.get('severity')}] {finding.get('message', '')}"
    else:
        # An endpoint that sends no parameters: its own words, which hold the values.
        said = made.message(lang) if finding.get("params") is not None or not finding.get(
            "message") else finding.get("message")
        text = f"{rule} [{severity_word(made.severity, t)}] {said}"
    where = _where(finding).text(lang)
    return f"{where}: {text}" if where else text


def _where(finding: Mapping[str, Any]) -> Location:
    """Where an endpoint's finding is: its member (a sheet of the claim, or a member of the
    package), row and cell, as the submitter's own check named it."""
    cell = str(finding.get("cell") or "")
    row = finding.get("row")
    return Location(sheet=str(finding["member"]) if finding.get("member") else None,
                    row=row if isinstance(row, int) and row > 0 else None,
                    column=cell.rstrip("0123456789") or None,
                    header=str(finding["header"]) if finding.get("header") else None)


def receipt_to_json(receipt: Receipt, *, lang: str = "en") -> str:
    """A receipt as JSON, as the protocol writes it."""
    return to_json({"receipt": receipt.to_json()})


def refusal_to_text(error: SubmissionError, *, lang: str = "en") -> str:
    """The server's findings when it refused a package (nothing when it gave none)."""
    if not error.findings:
        return ""
    t = translator(lang)
    lines = [t("The endpoint refused the package. Its findings:")]
    lines.extend("  " + server_finding(finding, lang) for finding in error.findings)
    return sanitize("\n".join(lines) + "\n")


def refusal_to_json(error: SubmissionError, *, lang: str = "en") -> str:
    """The refusal as a JSON error document with the server's findings."""
    return to_json({"report_version": REPORT_VERSION, "tool": "elyclaims",
                    "tool_version": __version__,
                    "error": {"kind": error.kind, "message": error.render(lang),
                              "exit_code": error.exit_code, "status_code": error.status_code,
                              "findings": error.findings}})


def _ledger_dict(package: LedgerPackage) -> dict[str, Any]:
    return {
        "sha256": package.sha256, "package_id": package.package_id, "path": package.path,
        "claimant": package.claimant, "business_id": package.business_id,
        "period_start": package.period_start, "period_end": package.period_end,
        "purpose": package.purpose, "recipient": package.recipient, "lines": package.lines,
        "claimed": package.claimed, "created_at": package.created_at,
        "status": package.status, "superseded_by": package.superseded_by,
        "supersedes": package.supersedes,
        "submissions": [{"reference": s.reference, "submission_id": s.submission_id,
                         "how": s.how, "endpoint": s.endpoint, "submitted_at": s.submitted_at}
                        for s in package.submissions],
        "statuses": [{"status": status, "at": at, "note": note}
                     for status, at, note in package.statuses],
    }


def ledger_to_json(packages: list[LedgerPackage], *, lang: str = "en") -> str:
    """The ledger's packages as JSON."""
    return to_json({"packages": [_ledger_dict(package) for package in packages]})


def ledger_to_text(packages: list[LedgerPackage], *, lang: str = "en") -> str:
    """The ledger's packages, one block each: period, claimant, status, submissions."""
    from decimal import Decimal

    from elyclaims.formatting import iso_day, moment, money

    t = translator(lang)
    if not packages:
        return t("The ledger holds no packages yet.") + "\n"
    lines = []
    for package in packages:
        period = f"{iso_day(package.period_start, lang)} – {iso_day(package.period_end, lang)}"
        lines.append(f"{package.sha256[:12]}  {period}  {package.claimant or ''}  "
                     + t.n("{count} line", "{count} lines", package.lines)
                     + f", {money(Decimal(package.claimed), lang)}  "
                     f"[{status_word(package.status, t)}]")
        lines.append(f"    {package.path}")
        for submission in package.submissions:
            how = t("by submit") if submission.how == "submit" else t("marked by hand")
            lines.append("    " + t("submitted {when}, reference {reference} ({how})",
                                    when=moment(submission.submitted_at, lang),
                                    reference=submission.reference,
                                    how=how))
    return sanitize("\n".join(lines) + "\n")


def claimed_to_json(totals: list[ClaimedTotal], *, lang: str = "en", client: str | None = None,
                    start: date | None = None, end: date | None = None) -> str:
    """What has been claimed, per client and category, as JSON (money as decimal strings)."""
    from elyclaims.values import format_money

    return to_json({
        "report_version": REPORT_VERSION, "tool": "elyclaims", "tool_version": __version__,
        "client": client, "period_start": start.isoformat() if start else None,
        "period_end": end.isoformat() if end else None,
        "net_total": format_money(sum((total.net for total in totals), Decimal("0.00"))),
        "claimed": [{"client": total.client, "category": total.category,
                     "lines": total.lines, "net": format_money(total.net),
                     "first_service_date": total.first_date,
                     "last_service_date": total.last_date,
                     "packages": [{"package_id": package_id, "reference": reference}
                                  for package_id, reference in total.packages.items()]}
                    for total in totals],
    })


def claimed_to_text(totals: list[ClaimedTotal], *, lang: str = "en", client: str | None = None,
                    start: date | None = None, end: date | None = None) -> str:
    """What has been claimed, a line per client and category, then the total."""
    from elyclaims.formatting import iso_day, money
    from elyclaims.refdata import reference_data

    names = reference_data()

    t = translator(lang)
    if not totals:
        return t("Nothing has been claimed for this client or period.") + "\n"
    lines = []
    for total in totals:
        period = f"{iso_day(total.first_date, lang)} – {iso_day(total.last_date, lang)}"
        packages = ", ".join(f"{reference}" for reference in total.packages.values())
        lines.append(f"{total.client or '-'}  {_category(names, total.category, lang)}  "
                     + t.n("{count} line", "{count} lines", total.lines)
                     + f", {money(total.net, lang)}  {period}  ({packages})")
    net = sum((total.net for total in totals), Decimal("0.00"))
    lines.append(t("Claimed in all: {amount}", amount=money(net, lang)))
    return sanitize("\n".join(lines) + "\n")


def _category(names: Any, code: str, lang: str) -> str:
    """A category's name in *lang* (a code the reference data does not know, as it is)."""
    try:
        return str(names.name("category", code, lang)) if code else "-"
    except (KeyError, LookupError):
        return code

