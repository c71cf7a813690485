"""The claim summary as one self-contained HTML page (``elyclaims report``, ``build --report``).

The claim's header data, totals per category, per client reference and per month, a chart of
costs by month and category (inline SVG), every finding, and a signature block; styled to print
on A4. Nothing is fetched from anywhere: no scripts, no fonts, no images but the inline chart.
The page is written with Jinja2 and autoescaping, so no text of the workbook can become markup.

The totals are :class:`~elyclaims.report.Totals` of the same lines as the JSON report's: the
overall and category figures are the report's own, and each client's and month's total adds up
the same lines the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from elyclaims._version import __version__
from elyclaims.findings import Location, Named, Severity
from elyclaims.formatting import amount_in_words, day, money, month, number, param
from elyclaims.i18n import Translator, translator
from elyclaims.model import Claim, ExpenseLine
from elyclaims.privacy import sanitize
from elyclaims.render._report import severity_word
from elyclaims.report import Report, Summary, Totals
from elyclaims.vocabulary import CLAIMANT_TYPE_NAMES, PURPOSE_NAMES, ClaimantType, Purpose

if TYPE_CHECKING:
    from elyclaims.refdata import ReferenceData

__all__ = ["html_to_pdf", "report_tables", "report_to_html"]

# Okabe-Ito colours: told apart also by readers with colour-blindness, and in grey print.
_COLOURS = {"HEALTH": "#0072B2", "SOCIAL": "#E69F00", "INTERPRET": "#009E73",
            "SAFETY": "#CC79A7", "OTHER": "#56B4E9"}
_OTHER_COLOUR = "#999999"
_CHART = {"width": 680, "height": 260, "left": 96, "right": 12, "top": 12, "bottom": 40}


@dataclass(frozen=True, slots=True)
class _Row:
    """One row of a totals table, its amounts already in the reader's format."""

    label: str
    lines: str
    net: str
    vat: str
    gross: str
    key: str = ""


def report_to_html(report: Report, claim: Claim | None, *, lang: str = "en",
                   source: str | None = None, package_id: str | None = None,
                   created: datetime | None = None, refdata: ReferenceData | None = None,
                   today: date | None = None) -> str:
    """The page for *report* and the *claim* it checked (None when nothing could be read):
    the page the authority files, printed with its claim's id and page numbers on every page.

    *source* names the input (a workbook, or a package with its *package_id*); *created* is
    the time written on the page (by default now). The recipient, when the claim names none,
    and the legal bases are the ones the package would carry on *today* (by default the
    system date), cited as *refdata* (the config's citations) says.
    """
    from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape

    t = translator(lang)
    environment = Environment(loader=FunctionLoader(_template_source),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["css_string"] = _css_string
    lines = claim.expenses if claim is not None else ()
    tables = report_tables(report, claim, lang, refdata=refdata, today=today)
    page = environment.get_template("report.html").render(
        t=t, lang=lang, version=__version__,
        title=t("Claim for State reimbursement: services to victims of human trafficking"),
        source=PurePath(source).name if source else None, package_id=package_id,
        claim_id=package_id or _claim_id(claim, lang),
        created=_stamp(created, lang), chart=_chart(lines, lang),
        listing=_listing(lines, lang), legal_bases=_legal_bases(lines, lang, refdata),
        **tables,
    )
    return sanitize(page)


def html_to_pdf(page: str) -> bytes:
    """The page :func:`report_to_html` wrote, as a PDF/A-3b document to file (WeasyPrint, the
    optional extra ``elyclaims[pdf]``): the same layout as printed from a browser, its fonts
    embedded, its title and language in the document's metadata. Nothing is fetched: the page
    refers to nothing outside itself, and a reference would be refused.

    Raises:
        UsageError: when WeasyPrint (or the system libraries it needs) is not installed.
    """
    from elyclaims.errors import UsageError

    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango missing (Windows, a bare system)
        raise UsageError("a PDF report needs WeasyPrint: pip install 'elyclaims[pdf]' (and, "
                         "on Windows, the GTK runtime: see docs/user-guide.md); {reason}",
                         reason=error) from error
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    def refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        raise ValueError(f"the report fetches nothing: {url[:60]}")

    document = weasyprint.HTML(string=page, url_fetcher=refuse)
    made: bytes = document.write_pdf(pdf_variant="pdf/a-3b")
    return made


def _css_string(text: str) -> Any:
    """*text* as a CSS string (a printed page's margin box shows it): every character that is
    not a letter, a digit or plain punctuation escaped, so that no text can end the string or
    the style sheet."""
    from markupsafe import Markup

    safe = "".join(char if char.isalnum() or char in " .,:-–/()" else f"\\{ord(char):x} "
                   for char in text)
    return Markup(f'"{safe}"')


def _claim_id(claim: Claim | None, lang: str) -> str:
    """What names a claim not yet packaged on its printed pages: its claimant's Business ID
    and its period."""
    if claim is None:
        return ""
    parts = [claim.claimant.business_id or claim.claimant.name or ""]
    if claim.period_start and claim.period_end:
        parts.append(f"{day(claim.period_start, lang)} – {day(claim.period_end, lang)}")
    return " ".join(part for part in parts if part)


def _listing(lines: Sequence[ExpenseLine], lang: str) -> list[dict[str, str]]:
    """Every expense line as the page lists it after the totals: its date, client, category,
    provider, invoice, amounts and the cell it was read from."""
    rows = []
    for line in lines:
        invoice = " ".join(filter(None, (line.invoice_number,
                                         day(line.invoice_date, lang) if line.invoice_date
                                         else None)))
        cell = line.source.cells.get("net_amount")
        where = Location(file=line.source.file, sheet=line.source.sheet, row=line.source.row,
                         column=cell.column if cell else None)
        rows.append({
            "date": day(line.service_date, lang) if line.service_date else "",
            "client": line.client_reference or "",
            "category": param(Named("category", line.category), lang) if line.category else "",
            "provider": line.provider or "", "invoice": invoice,
            "net": _amount(line.net_amount, lang), "vat": _amount(line.vat_amount, lang),
            "gross": _amount(line.gross_amount, lang), "where": where.text(lang)})
    return rows


def _amount(amount: Decimal | None, lang: str) -> str:
    return "" if amount is None else money(amount, lang)


def _legal_bases(lines: Iterable[ExpenseLine], lang: str,
                 refdata: ReferenceData | None) -> list[str]:
    """The legal bases the package cites for these lines (by their service dates), as the
    reader's language cites them."""
    from elyclaims.refdata import reference_data

    regimes = (refdata or reference_data()).regimes_for(line.service_date for line in lines)
    return [regime.text.get(lang) or regime.text["en"] for regime in regimes]


def report_tables(report: Report, claim: Claim | None, lang: str, *,
                  refdata: ReferenceData | None = None,
                  today: date | None = None) -> dict[str, Any]:
    """What the page shows of *report*, in *lang*: the claim's header data (label, value),
    the status (and whether the page is a draft: errors remain), the amount claimed in figures
    and words, the totals rows (overall, per category, client and month: label, lines, net,
    VAT, gross already in the reader's format; the lines whose amounts could not be read in a
    row of their own, so that the counts add up), every finding (severity word and kind, rule,
    where, message, hint), and how many lines are not totalled. The officer's app shows the
    same."""
    t = translator(lang)
    lines = claim.expenses if claim is not None else ()
    summary = report.summary
    categories = _category_rows(summary, lang)
    if summary.not_totalled:
        categories.append(_Row(t("amount could not be read"), number(summary.not_totalled, lang),
                               "–", "–", "–", key="unreadable"))
    return {"header": _header(claim, t, refdata, today), "status": _status(report, t),
            "draft": not report.opened or report.errors > 0,
            "claimed": {"figures": money(summary.net_total, lang),
                        "words": amount_in_words(summary.net_total, lang)},
            "overall": _overall(summary, t),
            "categories": categories,
            "clients": _group_rows(lines, _client, lang, t),
            "months": _group_rows(lines, _month, lang, t),
            "findings": [_finding(f, t) for f in report.findings],
            "not_totalled": summary.not_totalled}


def _template_source(name: str) -> str:
    from importlib import resources

    return resources.files("elyclaims.render").joinpath("templates", name).read_text(
        encoding="utf-8")


def _stamp(created: datetime | None, lang: str) -> str:
    from babel.dates import format_datetime

    from elyclaims.i18n import LOCALES

    moment = created or datetime.now().astimezone()
    return str(format_datetime(moment, "short", locale=LOCALES[lang]))


def _header(claim: Claim | None, t: Translator, refdata: ReferenceData | None = None,
            today: date | None = None) -> list[tuple[str, str]]:
    """The claim's header data as (label, value) pairs, in the reader's language."""
    if claim is None:
        return []
    lang = t.lang
    claimant = claim.claimant
    claimant_type = ""
    if claimant.type in {kind.value for kind in ClaimantType}:
        claimant_type = CLAIMANT_TYPE_NAMES[ClaimantType(claimant.type)][lang]
    purpose = PURPOSE_NAMES[Purpose(claim.purpose)][lang] if claim.purpose in {
        kind.value for kind in Purpose} else ""
    period = ""
    if claim.period_start and claim.period_end:
        period = f"{day(claim.period_start, lang)} – {day(claim.period_end, lang)}"
    decision = " ".join(filter(None, (claim.decision_reference,
                                      day(claim.decision_date, lang) if claim.decision_date
                                      else None)))
    pairs = [
        (t("Claimant"), claimant.name or ""),
        (t("Business ID"), claimant.business_id or ""),
        (t("Claimant type"), claimant_type),
        (t("Period"), period),
        (t("Purpose"), purpose),
        (t("Decision"), decision),
        (t("Recipient authority"), _recipient(claim, lang, refdata, today)),
        (t("Account"), " ".join(filter(None, (claimant.iban, claimant.bic)))),
        (t("Contact person"), ", ".join(filter(None, (claimant.contact_person, claimant.email,
                                                      claimant.phone)))),
    ]
    return [(label, value) for label, value in pairs if value]


def _recipient(claim: Claim, lang: str, refdata: ReferenceData | None,
               today: date | None) -> str:
    """The authority the package would go to: the one the claim names, else the default of
    its purpose and region on *today* (as ``build`` chooses it)."""
    from elyclaims.package import recipient
    from elyclaims.refdata import reference_data

    refdata = refdata or reference_data()
    authority = recipient(claim, refdata, today or date.today())
    if authority is None:
        return claim.recipient or ""
    return refdata.name("authority", authority.code, lang)


def _status(report: Report, t: Translator) -> dict[str, str]:
    counts = ", ".join((
        t.n("{count} error", "{count} errors", report.errors),
        t.n("{count} warning", "{count} warnings", report.warnings),
        t.n("{count} remark", "{count} remarks", report.count(Severity.INFO))))
    if not report.opened:
        return {"kind": "error", "text": t("The input could not be read."), "counts": counts}
    if report.errors:
        return {"kind": "error", "text": t("There are errors to fix: this claim cannot be sent "
                                           "yet."), "counts": counts}
    return {"kind": "ok", "text": t("No errors."), "counts": counts}


def _row(label: str, lines: int, net: Decimal, vat: Decimal, gross: Decimal, lang: str,
         key: str = "") -> _Row:
    return _Row(label, number(lines, lang), money(net, lang), money(vat, lang),
                money(gross, lang), key)


def _overall(summary: Summary, t: Translator) -> _Row:
    return _row(t("Total"), summary.lines, summary.net_total, summary.vat_total,
                summary.gross_total, t.lang, key="overall")


def _category_rows(summary: Summary, lang: str) -> list[_Row]:
    return [_row(param(Named("category", code), lang), total.lines, total.net, total.vat,
                 total.gross, lang, key=code)
            for code, total in summary.by_category.items()]


def _client(line: ExpenseLine, t: Translator) -> tuple[str, str]:
    reference = line.client_reference or ""
    return (reference.casefold(), reference or t("(no client reference)"))


def _month(line: ExpenseLine, t: Translator) -> tuple[str, str]:
    if line.service_date is None:
        return ("9999", t("(no service date)"))
    first = line.service_date.replace(day=1)
    return (first.isoformat(), month(first, t.lang))


def _group_rows(lines: Iterable[ExpenseLine], key: Any, lang: str, t: Translator) -> list[_Row]:
    """A totals row per group of lines (a client, a month), groups in order of their key."""
    groups: dict[str, tuple[str, Totals]] = {}
    for line in lines:
        sort_key, label = key(line, t)
        groups.setdefault(sort_key, (label, Totals()))[1].add(line)
    rows = []
    for sort_key in sorted(groups):
        label, totals = groups[sort_key]
        rows.append(_row(label, totals.lines, totals.net, totals.vat, totals.gross, lang,
                         key=sort_key))
    return rows


def _chart(lines: Sequence[ExpenseLine], lang: str) -> dict[str, Any] | None:
    """Bars of the net costs per month, stacked by category (credits below the axis)."""
    months: dict[date, dict[str, Decimal]] = {}
    for line in lines:
        if line.service_date is None or not line.totalled or line.net_amount is None:
            continue
        first = line.service_date.replace(day=1)
        by_category = months.setdefault(first, {})
        code = line.category or "UNKNOWN"
        by_category[code] = by_category.get(code, Decimal(0)) + line.net_amount
    if not months:
        return None
    top = max(sum((a for a in m.values() if a > 0), Decimal(0)) for m in months.values())
    bottom = min(sum((a for a in m.values() if a < 0), Decimal(0)) for m in months.values())
    step = _nice_step(max(top - bottom, Decimal(1)))
    high = (top / step).to_integral_value(ROUND_CEILING) * step
    low = (bottom / step).to_integral_value(ROUND_FLOOR) * step
    width, height = _CHART["width"], _CHART["height"]
    plot_height = height - _CHART["top"] - _CHART["bottom"]
    plot_width = width - _CHART["left"] - _CHART["right"]
    span = high - low or step

    def y(amount: Decimal) -> float:
        return round(_CHART["top"] + float((high - amount) / span) * plot_height, 2)

    slot = plot_width / len(months)
    bars = []
    for index, first in enumerate(sorted(months)):
        x = round(_CHART["left"] + index * slot + slot * 0.15, 2)
        up = down = Decimal(0)
        for code, amount in sorted(months[first].items(), key=lambda item: _order(item[0])):
            start = up if amount >= 0 else down
            end = start + amount
            if amount >= 0:
                up = end
            else:
                down = end
            bars.append({"x": x, "y": min(y(start), y(end)), "width": round(slot * 0.7, 2),
                         "height": round(abs(y(start) - y(end)), 2),
                         "colour": _COLOURS.get(code, _OTHER_COLOUR),
                         "title": f"{month(first, lang)}: {param(Named('category', code), lang)} "
                                  f"{money(amount, lang)}"})
    ticks = []
    value = low
    while value <= high:
        ticks.append({"y": y(value), "label": money(value, lang)})
        value += step
    labels = [{"x": round(_CHART["left"] + (index + 0.5) * slot, 2),
               "label": month(first, lang)} for index, first in enumerate(sorted(months))]
    codes = sorted({code for m in months.values() for code in m}, key=_order)
    legend = [{"colour": _COLOURS.get(code, _OTHER_COLOUR),
               "label": param(Named("category", code), lang)} for code in codes]
    return {"width": width, "height": height, "left": _CHART["left"],
            "right": width - _CHART["right"], "zero": y(Decimal(0)), "bars": bars,
            "ticks": ticks, "labels": labels, "legend": legend,
            "baseline": height - _CHART["bottom"] + 16}


def _order(code: str) -> int:
    return list(_COLOURS).index(code) if code in _COLOURS else len(_COLOURS)


def _nice_step(span: Decimal) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) giving four to eight grid lines."""
    exponent = len(str(int(span))) - 1
    for factor in (Decimal(1), Decimal(2), Decimal(5), Decimal(10)):
        step = factor * Decimal(10) ** (exponent - 1)
        if span / step <= 8:
            return step
    return Decimal(10) ** exponent


def _finding(finding: Any, t: Translator) -> dict[str, str]:
    severity = severity_word(finding.severity, t)
    if finding.acknowledged is not None:
        severity = f"{severity}, {t('acknowledged')}"
    return {"severity": severity, "kind": finding.severity.value, "rule": finding.rule,
            "where": finding.location.text(t.lang), "sheet": finding.location.sheet or "",
            "row": finding.location.row or 0, "message": finding.message(t.lang),
            "hint": finding.hint(t.lang), "acknowledged": finding.acknowledged or ""}
