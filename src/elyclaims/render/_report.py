"""The report of a check, of a build and of an inspection: the text an officer reads and the
versioned JSON an ERP script reads; and the rule catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from elyclaims._version import __version__
from elyclaims.findings import Finding, Named, Severity
from elyclaims.formatting import iso_day, moment, money, number, param
from elyclaims.i18n import Translator, translator
from elyclaims.privacy import sanitize
from elyclaims.render._common import REPORT_VERSION, finding_dict, to_json
from elyclaims.report import Report
from elyclaims.values import format_money, timestamp
from elyclaims.vocabulary import PURPOSE_NAMES, Purpose

if TYPE_CHECKING:
    from elyclaims.package import BuiltPackage, InspectedPackage
    from elyclaims.refdata import ReferenceData

__all__ = ["built_to_json", "built_to_text", "catalogue_to_json", "catalogue_to_text",
           "inspected_to_json", "inspected_to_text", "report_to_dict", "report_to_json",
           "report_to_text", "severity_word"]


def severity_word(severity: Severity, t: Translator) -> str:
    """"error", "warning" or "info" in the reader's language."""
    return {Severity.ERROR: t("error"), Severity.WARNING: t("warning"),
            Severity.INFO: t("info")}[severity]


#: Terminal colours (SGR codes) of the severities and of the verdict, for ``colour=True``.
_COLOURS = {Severity.ERROR: "1;31", Severity.WARNING: "33", Severity.INFO: "36"}
_GOOD = "32"


def _paint(text: str, code: str | None) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if code else text


def report_to_text(report: Report, *, lang: str = "en", max_findings: int | None = None,
                   colour: bool = False) -> str:
    """The report as text, grouped by sheet and row, with cells named as Excel shows them;
    with *colour*, severities and the verdict in terminal colours."""
    t = translator(lang)
    lines: list[str] = []
    shown = report.findings if max_findings is None else report.findings[:max_findings]
    several_files = len({file for file, _ in report.sheet_order}) > 1
    for (file, sheet), group in groupby(shown, key=lambda f: (f.location.file, f.location.sheet)):
        title = sheet or t("General")
        # A CSV file's one table is named as the file: its name once.
        if several_files and sheet and file and sheet != PurePath(file).name:
            title = f"{PurePath(file).name}: {sheet}"
        lines.append(f"== {title} ==")
        for finding in group:
            lines.extend(_finding_lines(finding, t, colour))
        lines.append("")
    hidden = len(report.findings) - len(shown)
    if hidden > 0:
        lines.extend([t.n("… and {count} more finding (--max-findings)",
                          "… and {count} more findings (--max-findings)", hidden), ""])
    lines.extend(_summary_lines(report, t, colour))
    return sanitize("\n".join(lines) + "\n")


def _finding_lines(finding: Finding, t: Translator, colour: bool = False) -> list[str]:
    severity = severity_word(finding.severity, t)
    if finding.acknowledged is not None:
        severity = f"{severity}, {t('acknowledged')}"
    where = finding.location.text(t.lang)
    head = f"  {where}: " if where else "  "
    tag = _paint(f"[{severity}]", _COLOURS[finding.severity] if colour else None)
    text = [f"{head}{finding.rule} {tag} {finding.message(t.lang)}"]
    hint = finding.hint(t.lang)
    if hint:
        text.append(f"      {t('Fix')}: {hint}")
    if finding.acknowledged:
        text.append(f"      {t('Acknowledged')}: {finding.acknowledged}")
    return text


def _summary_lines(report: Report, t: Translator, colour: bool = False) -> list[str]:
    if not report.opened:
        return [t("The input could not be read.")]
    summary = report.summary
    lang = t.lang
    counts = ", ".join((
        t.n("{count} expense line", "{count} expense lines", summary.lines),
        t.n("{count} client", "{count} clients", summary.clients)))
    severities = ", ".join((
        t.n("{count} error", "{count} errors", report.errors),
        t.n("{count} warning", "{count} warnings", report.warnings),
        t.n("{count} remark", "{count} remarks", report.count(Severity.INFO))))
    text = [f"{t('Summary')}: {counts}; {severities}",
            "  " + t("net {net}, VAT {vat}, gross {gross}", net=money(summary.net_total, lang),
                     vat=money(summary.vat_total, lang),
                     gross=money(summary.gross_total, lang))]
    names = {category: param(Named("category", category), lang)
             for category in summary.by_category}
    # The names' column as wide as the longest name, so that every row's figures align.
    width = max((len(name) for name in names.values()), default=0)
    for category, total in summary.by_category.items():
        text.append(f"  {names[category]:<{width}}  {number(total.lines, lang):>7}  "
                    f"{money(total.net, lang):>16}")
    if summary.not_totalled:
        text.append("  " + t.n(
            "The amount of {count} expense line could not be read: it is in no total.",
            "The amounts of {count} expense lines could not be read: they are in no total.",
            summary.not_totalled))
    verdict = t("No errors.") if report.ok else t("There are errors to fix.")
    code = (_GOOD if report.ok else _COLOURS[Severity.ERROR]) if colour else None
    text.append(_paint(verdict, code))
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
                code: {"lines": total.lines, "net": format_money(total.net),
                       "vat": format_money(total.vat), "gross": format_money(total.gross)}
                for code, total in summary.by_category.items()
            },
        },
        "findings": [finding_dict(f, lang) for f in shown],
        "findings_omitted": len(report.findings) - len(shown),
    }


def report_to_json(report: Report, *, lang: str = "en", max_findings: int | None = None) -> str:
    """The JSON report as text (UTF-8, stable key order, a trailing newline)."""
    return to_json(report_to_dict(report, lang=lang, max_findings=max_findings))


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
            "source": info.source_in(lang),
        })
    return entries


def _legal_bases(lang: str, refdata: ReferenceData | None) -> list[dict[str, Any]]:
    """Each legal regime: its dates, its citation in *lang*, where the citation comes from and
    whether the section it names is verified."""
    from elyclaims.refdata import reference_data

    return [{
        "code": regime.code,
        "from": regime.valid_from.isoformat(),
        "until": regime.valid_until.isoformat() if regime.valid_until else None,
        "citation": regime.text.get(lang) or regime.text["en"],
        "source": regime.source,
        "section_verified": regime.section_verified,
        "cited_from": "config" if regime.configured else "reference data",
    } for regime in (refdata or reference_data()).regimes]


def _blanks(template: str) -> str:
    """A message template as a person reads it in the catalogue: each placeholder (named in
    English, filled from each finding) as an ellipsis."""
    import re

    return re.sub(r"\{[a-z_]+\}", "…", template)


def catalogue_to_json(*, lang: str = "en", overrides: Mapping[str, str] | None = None,
                      refdata: ReferenceData | None = None) -> str:
    """The rule catalogue as JSON: ruleset version, every rule and the legal bases packages
    cite (``legal_bases``)."""
    from elyclaims.catalogue import catalogue

    return to_json({"ruleset": catalogue().ruleset,
                    "rules": _catalogue_entries(lang, overrides or {}),
                    "legal_bases": _legal_bases(lang, refdata)})


def catalogue_to_text(*, lang: str = "en", overrides: Mapping[str, str] | None = None,
                      refdata: ReferenceData | None = None) -> str:
    """The rule catalogue as text, one block per rule, then the legal bases packages cite."""
    t = translator(lang)
    lines = []
    for entry in _catalogue_entries(lang, overrides or {}):
        severity = severity_word(Severity(entry["severity"]), t)
        lines.append(f"{entry['id']}  {severity:<10} {entry['slug']}")
        lines.append(f"    {_blanks(entry['message'])}")
        lines.append(f"    {t('Fix')}: {_blanks(entry['hint'])}")
        if entry["source"]:
            lines.append(f"    {t('Source')}: {entry['source']}")
    lines.extend(("", t("Legal bases cited in packages, by service date:")))
    for basis in _legal_bases(lang, refdata):
        until = iso_day(basis["until"], lang) if basis["until"] else ""
        lines.append(f"{basis['code']}  {iso_day(basis['from'], lang)} – {until}".rstrip())
        lines.append(f"    {basis['citation']}")
        if basis["cited_from"] == "config":
            state = t("set in the config")
        elif basis["section_verified"]:
            state = t("section verified against the source")
        else:
            state = t("section not verified: the act is cited without one")
        lines.append(f"    {t('Source')}: {basis['source']} ({state})")
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
        "recipient": built.recipient,
        "members": [{"path": m.path, "size": m.size, "sha256": m.sha256}
                    for m in built.members],
    }


def built_to_text(built: BuiltPackage, *, lang: str = "en") -> str:
    """What ``build`` prints: the report's remaining findings, then the package written."""
    t = translator(lang)
    text = report_to_text(built.report, lang=lang)
    recipient = param(Named("authority", built.recipient), lang) if built.recipient else "-"
    return text + sanitize(
        f"{t('Package written')}: {built.path}\n"
        f"  id {built.package_id}, sha256 {built.sha256}\n"
        f"  " + t.n("{count} expense line, claimed {amount} from {recipient}",
                    "{count} expense lines, claimed {amount} from {recipient}", built.lines,
                    amount=money(built.claimed, lang), recipient=recipient) + "\n"
    )


def built_to_json(built: BuiltPackage, *, lang: str = "en") -> str:
    """The JSON report of ``build``, with a ``package`` object describing what was written."""
    data = report_to_dict(built.report, lang=lang)
    data["package"] = _built_dict(built)
    return to_json(data)


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


def inspected_to_text(inspected: InspectedPackage, *, lang: str = "en",
                      colour: bool = False) -> str:
    """What ``inspect`` prints: the package's header, the findings and the totals."""
    t = translator(lang)
    head = [f"{t('Package')}: {inspected.path}"]
    packaged = inspected.packaged
    if packaged is not None:
        claim = packaged.claim
        purpose = PURPOSE_NAMES[Purpose(claim.purpose)][t.lang] if claim.purpose else "-"
        recipient = param(Named("authority", claim.recipient), t.lang) if claim.recipient else "-"
        head.append("  " + t("id {id}, made {made} by {generator}, rules {ruleset}",
                             id=packaged.package_id, made=moment(packaged.created_at, t.lang),
                             generator=f"{packaged.generator} {packaged.generator_version}",
                             ruleset=packaged.ruleset))
        head.append(f"  {claim.claimant.name} -> {recipient} ({purpose})")
    body = report_to_text(inspected.report, lang=t.lang, colour=colour)
    verdict = t("The package is valid.") if inspected.ok else t("The package has errors.")
    return sanitize("\n".join(head) + "\n\n" + body + verdict + "\n")


def inspected_to_json(inspected: InspectedPackage, *, lang: str = "en") -> str:
    """The JSON report of ``inspect``: the validate report's shape plus a ``package`` object."""
    data = report_to_dict(inspected.report, lang=lang)
    data["package"] = _inspected_dict(inspected)
    return to_json(data)
