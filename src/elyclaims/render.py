"""Rendering a report: the text an officer reads and the versioned JSON an ERP script reads.

Library users can call these directly; the CLI only picks one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from itertools import groupby
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from elyclaims._version import __version__
from elyclaims.findings import Finding, Severity
from elyclaims.formatting import money
from elyclaims.privacy import sanitize
from elyclaims.report import Report
from elyclaims.values import format_money, timestamp

if TYPE_CHECKING:
    from elyclaims.ledger import LedgerPackage
    from elyclaims.package import BuiltPackage, InspectedPackage
    from elyclaims.submission import Receipt, SubmissionError

__all__ = [
    "REPORT_VERSION",
    "built_to_json",
    "built_to_text",
    "catalogue_to_json",
    "catalogue_to_text",
    "inspected_to_json",
    "inspected_to_text",
    "ledger_to_json",
    "ledger_to_text",
    "receipt_to_json",
    "receipt_to_text",
    "refusal_to_json",
    "refusal_to_text",
    "report_to_dict",
    "report_to_json",
    "report_to_text",
]

REPORT_VERSION = 1

_WORDS = {
    "fi": {
        "error": "virhe", "warning": "varoitus", "info": "huomio", "hint": "Korjaus",
        "summary": "Yhteenveto", "lines": "kulurivejä", "clients": "asiakkaita",
        "errors": "virheitä", "warnings": "varoituksia", "infos": "huomioita",
        "net": "veroton", "vat": "ALV", "gross": "verollinen", "general": "Yleiset",
        "row": "rivi", "more": "… ja {count} havaintoa lisää (--max-findings)",
        "acknowledged": "kuitattu", "ok": "Ei virheitä.", "failed": "Korjattavaa löytyi.",
        "unopened": "Tiedostoa ei voitu lukea.", "source": "Lähde",
        "written": "Paketti kirjoitettu", "package": "Paketti", "claimed": "haettava",
        "valid": "Paketti on kunnossa.", "invalid": "Paketissa on virheitä.",
        "not_totalled": "  {count} kulurivin summaa ei voitu lukea: ne eivät ole mukana "
                        "yhteissummissa.",
    },
    "sv": {
        "error": "fel", "warning": "varning", "info": "observation", "hint": "Åtgärd",
        "summary": "Sammanfattning", "lines": "kostnadsrader", "clients": "klienter",
        "errors": "fel", "warnings": "varningar", "infos": "observationer",
        "net": "utan moms", "vat": "moms", "gross": "med moms", "general": "Allmänt",
        "row": "rad", "more": "… och {count} fynd till (--max-findings)",
        "acknowledged": "kvitterad", "ok": "Inga fel.", "failed": "Det finns fel att rätta.",
        "unopened": "Filen kunde inte läsas.", "source": "Källa",
        "written": "Paketet skrevs", "package": "Paket", "claimed": "sökt",
        "valid": "Paketet är i ordning.", "invalid": "Paketet har fel.",
        "not_totalled": "  Beloppet på {count} kostnadsrader kunde inte läsas: de ingår inte "
                        "i summorna.",
    },
    "en": {
        "error": "error", "warning": "warning", "info": "info", "hint": "Fix",
        "summary": "Summary", "lines": "expense lines", "clients": "clients",
        "errors": "errors", "warnings": "warnings", "infos": "infos",
        "net": "net", "vat": "VAT", "gross": "gross", "general": "General",
        "row": "row", "more": "… and {count} more findings (--max-findings)",
        "acknowledged": "acknowledged", "ok": "No errors.", "failed": "There are errors to fix.",
        "unopened": "The input could not be read.", "source": "Source",
        "written": "Package written", "package": "Package", "claimed": "claimed",
        "valid": "The package is valid.", "invalid": "The package has errors.",
        "not_totalled": "  The amounts of {count} expense lines could not be read: they are "
                        "in no total.",
    },
}


def _json(document: dict[str, Any]) -> str:
    """A JSON document as text (UTF-8, stable key order, a trailing newline), sanitised."""
    return sanitize(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _words(lang: str) -> dict[str, str]:
    return _WORDS.get(lang, _WORDS["en"])


def _euros(amount: Decimal, lang: str) -> str:
    return money(amount, lang)


def report_to_text(report: Report, *, lang: str = "en", max_findings: int | None = None) -> str:
    """The report as text, grouped by sheet and row, with cells named as Excel shows them."""
    words = _words(lang)
    lines: list[str] = []
    shown = report.findings if max_findings is None else report.findings[:max_findings]
    several_files = len({file for file, _ in report.sheet_order}) > 1
    for (file, sheet), group in groupby(shown, key=lambda f: (f.location.file, f.location.sheet)):
        title = sheet or words["general"]
        if several_files and sheet and file:
            title = f"{PurePath(file).name}: {sheet}"
        lines.append(f"== {title} ==")
        for finding in group:
            lines.extend(_finding_lines(finding, lang))
        lines.append("")
    hidden = len(report.findings) - len(shown)
    if hidden > 0:
        lines.extend([words["more"].format(count=hidden), ""])
    lines.extend(_summary_lines(report, lang))
    return sanitize("\n".join(lines) + "\n")


def _finding_lines(finding: Finding, lang: str) -> list[str]:
    words = _words(lang)
    severity = words[finding.severity.value]
    if finding.acknowledged is not None:
        severity = f"{severity}, {words['acknowledged']}"
    where = str(finding.location)
    head = f"  {where}: " if where else "  "
    text = [f"{head}{finding.rule} [{severity}] {finding.message(lang)}"]
    hint = finding.hint(lang)
    if hint:
        text.append(f"      {words['hint']}: {hint}")
    if finding.acknowledged:
        text.append(f"      {words['acknowledged']}: {finding.acknowledged}")
    return text


def _summary_lines(report: Report, lang: str) -> list[str]:
    words = _words(lang)
    if not report.opened:
        return [words["unopened"]]
    summary = report.summary
    infos = report.count(Severity.INFO)
    text = [
        f"{words['summary']}: {summary.lines} {words['lines']}, {summary.clients} "
        f"{words['clients']}; {report.errors} {words['errors']}, {report.warnings} "
        f"{words['warnings']}, {infos} {words['infos']}",
        f"  {words['net']} {_euros(summary.net_total, lang)}, {words['vat']} "
        f"{_euros(summary.vat_total, lang)}, {words['gross']} {_euros(summary.gross_total, lang)}",
    ]
    for category, total in summary.by_category.items():
        text.append(f"  {category:<10} {total.lines:>5}  {_euros(total.net, lang):>16}")
    if summary.not_totalled:
        text.append(words["not_totalled"].format(count=summary.not_totalled))
    text.append(words["ok"] if report.ok else words["failed"])
    return text


def report_to_dict(
    report: Report, *, lang: str = "en", max_findings: int | None = None, ruleset: str = ""
) -> dict[str, Any]:
    """The report as the versioned JSON structure of ``cli.md`` (money as strings)."""
    from elyclaims.catalogue import catalogue

    summary = report.summary
    shown = report.findings if max_findings is None else report.findings[:max_findings]
    first = report.sources[0] if report.sources else None
    return {
        "report_version": REPORT_VERSION,
        "tool": "elyclaims",
        "tool_version": __version__,
        "ruleset": ruleset or catalogue().ruleset,
        "input": {"path": first.path if first else None, "sha256": first.sha256 if first else None},
        "inputs": [{"path": s.path, "sha256": s.sha256} for s in report.sources],
        "summary": {
            "lines": summary.lines,
            "clients": summary.clients,
            "not_totalled": summary.not_totalled,
            "errors": report.errors,
            "warnings": report.warnings,
            "infos": report.count(Severity.INFO),
            "acknowledged": report.count(Severity.WARNING, acknowledged=True),
            "net_total": format_money(summary.net_total),
            "vat_total": format_money(summary.vat_total),
            "gross_total": format_money(summary.gross_total),
            "by_category": {
                code: {"lines": t.lines, "net": format_money(t.net), "vat": format_money(t.vat),
                       "gross": format_money(t.gross)}
                for code, t in summary.by_category.items()
            },
        },
        "findings": [_finding_dict(f, lang) for f in shown],
        "findings_omitted": len(report.findings) - len(shown),
    }


def _finding_dict(finding: Finding, lang: str) -> dict[str, Any]:
    location = finding.location
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message(lang),
        "hint": finding.hint(lang),
        "file": location.file,
        "sheet": location.sheet,
        "row": location.row,
        "column": location.column,
        "cell": location.cell,
        "header": location.header,
        "field": location.field,
        "value": finding.value_text,
        "line_id": finding.line_id,
        "message_key": finding.key,
        "acknowledged": finding.acknowledged,
    }


def report_to_json(report: Report, *, lang: str = "en", max_findings: int | None = None) -> str:
    """The JSON report as text (UTF-8, stable key order, a trailing newline)."""
    return _json(report_to_dict(report, lang=lang, max_findings=max_findings))


def _catalogue_entries(lang: str, overrides: Mapping[str, str]) -> list[dict[str, Any]]:
    from elyclaims.catalogue import catalogue

    entries = []
    for info in catalogue().values():
        # Placeholders stay visible ({value}); they are filled from each finding.
        entries.append({
            "id": info.id,
            "severity": overrides.get(info.id, info.severity.value),
            "slug": info.slug,
            "message": info.text.message.get(lang) or info.text.message["en"],
            "hint": info.text.hint.get(lang) or info.text.hint.get("en", ""),
            "source": info.source,
        })
    return entries


def catalogue_to_json(*, lang: str = "en", overrides: Mapping[str, str] | None = None) -> str:
    """The rule catalogue as JSON: ruleset version and every rule."""
    from elyclaims.catalogue import catalogue

    return _json({"ruleset": catalogue().ruleset,
                  "rules": _catalogue_entries(lang, overrides or {})})


def catalogue_to_text(*, lang: str = "en", overrides: Mapping[str, str] | None = None) -> str:
    """The rule catalogue as text, one block per rule."""
    words = _words(lang)
    lines = []
    for entry in _catalogue_entries(lang, overrides or {}):
        severity = words[entry["severity"]]
        lines.append(f"{entry['id']}  {severity:<10} {entry['slug']}")
        lines.append(f"    {entry['message']}")
        lines.append(f"    {words['hint']}: {entry['hint']}")
        if entry["source"]:
            lines.append(f"    {words['source']}: {entry['source']}")
    return sanitize("\n".join(lines) + "\n")


def _built_dict(built: BuiltPackage) -> dict[str, Any]:
    return {
        "path": str(built.path),
        "package_id": built.package_id,
        "sha256": built.sha256,
        "size": built.size,
        "created_at": timestamp(built.created_at),
        "lines": built.lines,
        "claimed": format_money(built.claimed),
        "members": [{"path": m.path, "size": m.size, "sha256": m.sha256}
                    for m in built.members],
    }


def built_to_text(built: BuiltPackage, *, lang: str = "en") -> str:
    """What ``build`` prints: the report's remaining findings, then the package written."""
    words = _words(lang)
    text = report_to_text(built.report, lang=lang)
    return text + sanitize(
        f"{words['written']}: {built.path}\n"
        f"  id {built.package_id}, sha256 {built.sha256}\n"
        f"  {built.lines} {words['lines']}, {words['claimed']} {_euros(built.claimed, lang)}\n"
    )


def built_to_json(built: BuiltPackage, *, lang: str = "en") -> str:
    """The JSON report of ``build``, with a ``package`` object describing what was written."""
    data = report_to_dict(built.report, lang=lang)
    data["package"] = _built_dict(built)
    return _json(data)


def _inspected_dict(inspected: InspectedPackage) -> dict[str, Any]:
    packaged = inspected.packaged
    return {
        "path": str(inspected.path),
        "sha256": inspected.sha256,
        "package_id": packaged.package_id if packaged else None,
        "created_at": timestamp(packaged.created_at) if packaged else None,
        "generator": (f"{packaged.generator} {packaged.generator_version}"
                      if packaged else None),
        "ruleset": packaged.ruleset if packaged else None,
        "purpose": packaged.claim.purpose.value if packaged and packaged.claim.purpose else None,
        "claimant": packaged.claim.claimant.name if packaged else None,
        "recipient": packaged.claim.recipient if packaged else None,
        "members": inspected.members,
        "valid": inspected.ok,
    }


def inspected_to_text(inspected: InspectedPackage, *, lang: str = "en") -> str:
    """What ``inspect`` prints: the package's header, the findings and the totals."""
    words = _words(lang)
    info = _inspected_dict(inspected)
    head = [f"{words['package']}: {inspected.path}"]
    if info["package_id"]:
        head.append(f"  id {info['package_id']}, {info['created_at']}, {info['generator']}, "
                    f"ruleset {info['ruleset']}")
        head.append(f"  {info['claimant']} -> {info['recipient']} ({info['purpose']})")
    body = report_to_text(inspected.report, lang=lang)
    verdict = words["valid"] if inspected.ok else words["invalid"]
    return sanitize("\n".join(head) + "\n\n" + body + verdict + "\n")


def inspected_to_json(inspected: InspectedPackage, *, lang: str = "en") -> str:
    """The JSON report of ``inspect``: the validate report's shape plus a ``package`` object."""
    data = report_to_dict(inspected.report, lang=lang)
    data["package"] = _inspected_dict(inspected)
    return _json(data)


_SENDING = {
    "fi": {"received": "Vastaanotettu", "submission": "Lähetystunnus", "status": "tila",
           "findings": "Palvelimen havainnot", "refused": "Palvelin ei ottanut pakettia vastaan",
           "empty": "Kirjanpidossa ei ole vielä paketteja.", "submitted": "lähetetty",
           "superseded": "korvattu", "built": "tehty", "lines": "riviä"},
    "sv": {"received": "Mottaget", "submission": "Inlämningsnummer", "status": "status",
           "findings": "Serverns fynd", "refused": "Servern tog inte emot paketet",
           "empty": "Liggaren har inga paket ännu.", "submitted": "skickat",
           "superseded": "ersatt", "built": "gjort", "lines": "rader"},
    "en": {"received": "Received", "submission": "Submission", "status": "status",
           "findings": "The server's findings", "refused": "The server refused the package",
           "empty": "The ledger holds no packages yet.", "submitted": "submitted",
           "superseded": "superseded", "built": "built", "lines": "lines"},
}


def _sending(lang: str) -> dict[str, str]:
    return _SENDING.get(lang, _SENDING["en"])


def receipt_to_text(receipt: Receipt, *, lang: str = "en") -> str:
    """A receipt as ``submit`` and ``status`` print it."""
    words = _sending(lang)
    lines = [f"{words['received']}: {receipt.received_at}",
             f"  {words['submission']} {receipt.submission_id}, {words['status']} "
             f"{receipt.status}",
             f"  package {receipt.package_id}, sha256 {receipt.package_sha256}"]
    for finding in receipt.findings:
        lines.append(f"  {finding.get('rule')} [{finding.get('severity')}] "
                     f"{finding.get('message', '')}")
    return sanitize("\n".join(lines) + "\n")


def receipt_to_json(receipt: Receipt, *, lang: str = "en") -> str:
    """A receipt as JSON, as the protocol writes it."""
    return _json({"receipt": receipt.to_json()})


def refusal_to_text(error: SubmissionError, *, lang: str = "en") -> str:
    """The server's findings when it refused a package (nothing when it gave none)."""
    if not error.findings:
        return ""
    words = _sending(lang)
    lines = [f"{words['refused']}. {words['findings']}:"]
    for finding in error.findings:
        where = finding.get("member") or ""
        lines.append(f"  {where}: {finding.get('rule')} [{finding.get('severity')}] "
                     f"{finding.get('message', '')}")
    return sanitize("\n".join(lines) + "\n")


def refusal_to_json(error: SubmissionError, *, lang: str = "en") -> str:
    """The refusal as a JSON error document with the server's findings."""
    return _json({"report_version": REPORT_VERSION, "tool": "elyclaims",
                  "tool_version": __version__,
                  "error": {"kind": error.kind, "message": str(error), "exit_code": error.exit_code,
                            "status_code": error.status_code, "findings": error.findings}})


def _ledger_dict(package: LedgerPackage) -> dict[str, Any]:
    return {
        "sha256": package.sha256, "package_id": package.package_id, "path": package.path,
        "claimant": package.claimant, "business_id": package.business_id,
        "period_start": package.period_start, "period_end": package.period_end,
        "purpose": package.purpose, "recipient": package.recipient, "lines": package.lines,
        "claimed": package.claimed, "created_at": package.created_at,
        "status": package.status, "superseded_by": package.superseded_by,
        "submissions": [{"reference": s.reference, "submission_id": s.submission_id,
                         "how": s.how, "endpoint": s.endpoint, "submitted_at": s.submitted_at}
                        for s in package.submissions],
        "statuses": [{"status": status, "at": at, "note": note}
                     for status, at, note in package.statuses],
    }


def ledger_to_json(packages: list[LedgerPackage], *, lang: str = "en") -> str:
    """The ledger's packages as JSON."""
    return _json({"packages": [_ledger_dict(package) for package in packages]})


def ledger_to_text(packages: list[LedgerPackage], *, lang: str = "en") -> str:
    """The ledger's packages, one block each: period, claimant, status, submissions."""
    words = _sending(lang)
    if not packages:
        return words["empty"] + "\n"
    lines = []
    for package in packages:
        period = f"{package.period_start or '?'}…{package.period_end or '?'}"
        lines.append(f"{package.sha256[:12]}  {period}  {package.claimant or ''}  "
                     f"{package.lines} {words['lines']}, {package.claimed} €  "
                     f"[{package.status}]")
        lines.append(f"    {package.path}")
        for submission in package.submissions:
            lines.append(f"    {words['submitted']} {submission.submitted_at} "
                         f"{submission.reference} ({submission.how})")
    return sanitize("\n".join(lines) + "\n")
