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
from elyclaims.values import format_money

if TYPE_CHECKING:
    from elyclaims.package import BuiltPackage, InspectedPackage

__all__ = [
    "REPORT_VERSION",
    "built_to_json",
    "built_to_text",
    "catalogue_to_json",
    "catalogue_to_text",
    "inspected_to_json",
    "inspected_to_text",
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
        "created_at": built.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
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
        "created_at": packaged.created_at.strftime("%Y-%m-%dT%H:%M:%SZ") if packaged else None,
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
