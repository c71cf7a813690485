"""The annotated copy of an officer's workbook (``validate --annotate OUT.xlsx``).

Every finding becomes a comment on its cell (message, fix and rule, in the reader's language),
the cell is filled by severity (errors red, warnings amber), and a summary sheet first counts the
findings by rule and lists each with a link to its cell. Clean rows get nothing. The original is
only read; the copy is written atomically beside its target.

The copy is made with openpyxl, which keeps the cells, styles, comments, validations and formulas
but not everything a workbook may hold (shapes, charts, images, pivot tables, extended
validations, macros in an .xlsx copy): what a given workbook loses is said on the summary sheet.
Identity codes are masked in the copy wherever openpyxl writes text: cells, comments, sheet
names, validation prompts, defined names and the document properties.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any

from elyclaims.archives import ZIP_ERRORS, read_blocks
from elyclaims.errors import InternalError, OutputError, UsageError
from elyclaims.files import save_atomically
from elyclaims.findings import Finding, Location
from elyclaims.i18n import N_, Translator, translator
from elyclaims.privacy import binary_holds_code, contains_identity_code, sanitize
from elyclaims.render import severity_word
from elyclaims.report import Report
from elyclaims.vocabulary import Severity

__all__ = ["Annotated", "annotate_workbook", "check_annotatable"]

_FILLS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C", Severity.INFO: "DDEBF7"}
_COMMENT_WIDTH = 360  # points

# Parts of a workbook that openpyxl does not carry into a copy, and what to tell the officer.
_NOT_KEPT: tuple[tuple[str, str], ...] = (
    ("xl/drawings/", N_("shapes, text boxes and pictures drawn on the sheets")),
    ("xl/charts/", N_("charts")),
    ("xl/pivotTables/", N_("pivot tables (their cells are kept as values)")),
    ("xl/slicers/", N_("slicers")),
    ("xl/threadedComments/", N_("threaded comments (kept as plain notes)")),
    ("xl/ctrlProps/", N_("form controls")),
)


@dataclass(frozen=True, slots=True)
class Annotated:
    """The copy written: where, how many cells carry a comment, how many findings the summary
    lists, and what of the original the copy could not keep (in the reader's language)."""

    path: Path
    commented: int
    listed: int
    not_kept: tuple[str, ...]


def annotate_workbook(source: str | Path, report: Report, target: str | Path, *,
                      lang: str = "en") -> Annotated:
    """Write a copy of the workbook *source* to *target* with *report*'s findings on its cells
    and a summary sheet first.

    Raises:
        UsageError: when *source* is not a workbook (a CSV file cannot be annotated), or
            *target* is *source*.
        OutputError: when the copy cannot be made or written; *target* is left untouched.
    """
    source, target = Path(source), Path(target)
    kind = check_annotatable(source)
    if kind != "xlsx" and target.suffix.lower() != ".xlsx":
        target = target.with_suffix(".xlsx")  # the copy of an .xls or .ods workbook is .xlsx
    if target.exists() and target.resolve() == source.resolve():
        raise UsageError("{output}: the output would overwrite an input file", output=target)
    t = translator(lang)
    if kind == "xlsx":
        not_kept, keep_vba = _not_kept(source, target, t)
        workbook = _load(source, keep_vba=keep_vba)
    else:
        not_kept = (t("the formatting, formulas, comments and validations of the .xls or .ods "
                      "workbook: this .xlsx copy holds its values"),)
        workbook = _values_copy(source, kind)
    files = {None, str(source), *(s.path for s in report.sources if _same(s.path, source))}
    mine = [f for f in report.findings if f.location.file in files]
    try:
        titles = _mask_text(workbook)
        commented = _comment_cells(workbook, mine, titles, t)
        listed_from = _summary_sheet(workbook, report, mine, titles, not_kept, source, t)
        for number, sheet in enumerate(workbook.worksheets):
            _print_setup(sheet, listed_from if number == 0 else _header_row_number(sheet))
    except (ValueError, KeyError, _illegal_character()) as error:
        # openpyxl refuses a value it read itself (a control character, a sheet name).
        raise OutputError("{target}: the annotated copy cannot be made: {reason}",
                          target=target, reason=f"{type(error).__name__}: {error}") from error
    try:
        save_atomically(target, lambda stream: _save_masked(workbook, stream))
    except (ValueError, TypeError, KeyError) as error:
        raise OutputError("{target}: the annotated copy cannot be written: {reason}",
                          target=target, reason=error) from error
    return Annotated(target, commented, len(mine), not_kept)


#: The members of a saved workbook that are text (XML): each passes the sanitiser.
_TEXT_MEMBERS = (".xml", ".rels", ".vml")


def _save_masked(workbook: Any, stream: IO[bytes]) -> None:
    """Save *workbook* to *stream* with every text member passed through the sanitiser: what
    the copy carries of the input beyond the parts :func:`_mask_text` knows by name (comment
    authors, tooltips, number formats, conditional formats, document properties of every
    kind, whatever a later openpyxl keeps) never holds an identity code.

    Raises:
        InternalError: a code remains in a text member after masking (a bug).
    """
    saved = io.BytesIO()
    workbook.save(saved)
    with zipfile.ZipFile(saved) as made, \
            zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as masked:
        for info in made.infolist():
            data = made.read(info)
            if not info.filename.lower().endswith(_TEXT_MEMBERS):
                if binary_holds_code(data):  # a part openpyxl keeps whole: not to be edited
                    raise OutputError("{member}: the annotated copy would carry an identity code "
                                      "in this part of the workbook, which cannot be masked; "
                                      "nothing was written. Remove the code from the workbook, "
                                      "or annotate it as .xlsx", member=info.filename)
            elif contains_identity_code(data):
                data = sanitize(data.decode("utf-8")).encode("utf-8")
                if contains_identity_code(data):
                    raise InternalError("bug: an identity code would have stayed in the "
                                        "annotated copy's {member}; nothing was written. "
                                        "Please report this.", member=info.filename)
            masked.writestr(info, data)



def check_annotatable(source: Path) -> str:
    """What kind of workbook *source* is, for its annotated copy: ``xlsx`` (an .xlsx or .xlsm
    workbook, copied with its cells and styles), ``xls`` or ``ods`` (copied by their values
    into an .xlsx workbook).

    Raises:
        UsageError: for CSV files and other files that are no workbook.
    """
    if zipfile.is_zipfile(source):
        try:
            with zipfile.ZipFile(source) as archive:
                if "xl/workbook.xml" in archive.NameToInfo:
                    return "xlsx"
                if "content.xml" in archive.NameToInfo:
                    return "ods"
        except ZIP_ERRORS:
            return "xlsx"  # the read reports a damaged workbook
        raise UsageError("{input}: only workbooks (.xlsx, .xlsm, .xls, .ods) can be annotated",
                         input=source)
    with source.open("rb") as handle:
        legacy = handle.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if legacy:
        return "xls"
    raise UsageError("{input}: only workbooks (.xlsx, .xlsm, .xls, .ods) can be annotated, not "
                     "CSV files", input=source)


def _values_copy(source: Path, kind: str) -> Any:
    """An .xlsx workbook holding the values of the .xls or .ods workbook *source*, sheet by
    sheet and cell by cell, read as the check read them (in the calamine child, within the
    default limits); dates formatted as dates."""
    from datetime import date, datetime

    from openpyxl import Workbook

    from elyclaims.limits import DEFAULT_LIMITS
    from elyclaims.reading import read_legacy

    try:
        sheets = read_legacy(source, kind, DEFAULT_LIMITS)
    except Exception as error:  # the check has reported what is wrong with the file
        raise OutputError("{target}: the annotated copy cannot be made: {reason}",
                          target=source, reason=type(error).__name__) from error
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    for raw in sheets:
        sheet = workbook.create_sheet(raw.name[:31])
        if raw.hidden:
            sheet.sheet_state = "hidden"
        for number, values in raw.rows:
            for column, value in enumerate(values, start=1):
                if value is None or value == "":
                    continue
                cell = sheet.cell(row=number, column=column, value=value)
                if isinstance(value, (date, datetime)):
                    cell.number_format = "d.m.yyyy"
    return workbook


def _illegal_character() -> type[Exception]:
    from openpyxl.utils.exceptions import IllegalCharacterError

    return IllegalCharacterError


def _same(file: str, source: Path) -> bool:
    try:
        return Path(file).resolve() == source.resolve()
    except OSError:
        return False


def _load(source: Path, *, keep_vba: bool) -> Any:
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(source, keep_vba=keep_vba, keep_links=True)
    except Exception as error:  # openpyxl raises many kinds on what it cannot copy
        raise OutputError("{target}: the annotated copy cannot be made: {reason}",
                          target=source, reason=f"{type(error).__name__}: {error}") from error


def _not_kept(source: Path, target: Path, t: Translator) -> tuple[tuple[str, ...], bool]:
    """What of *source* the copy will not keep, as sentences for the summary sheet, and whether
    it keeps the macros (an .xlsm copy does, unless their project holds an identity code)."""
    lost: list[str] = []
    keep_vba = target.suffix.lower() == ".xlsm"
    try:
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
            for prefix, what in _NOT_KEPT:
                if any(name.startswith(prefix) for name in names):
                    lost.append(t(what))
            if "xl/vbaProject.bin" in names and not keep_vba:
                lost.append(t("macros (save the copy as .xlsm to keep them)"))
            elif "xl/vbaProject.bin" in names and binary_holds_code(
                    archive.read("xl/vbaProject.bin")):
                keep_vba = False
                lost.append(t("macros (their project holds an identity code)"))
            sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            if any(_has_extensions(archive, name) for name in sheets):
                lost.append(t("extended data validations, conditional formats and sparklines"))
    except ZIP_ERRORS:
        pass  # the read of the input has reported it already
    return tuple(lost), keep_vba


def _has_extensions(archive: zipfile.ZipFile, name: str) -> bool:
    tail = b""
    for block in read_blocks(archive, name):
        if b"<x14:" in tail + block:
            return True
        tail = block[-8:]
    return False


def _mask_text(workbook: Any) -> dict[str, str]:
    """Mask identity codes in every text openpyxl will write; return the sheet titles as
    they were, mapped to their (possibly masked) new titles."""
    titles = {}
    for sheet in workbook.worksheets:
        old = sheet.title
        if contains_identity_code(old):
            # Sheet names cannot hold "*": the masked digits show as "#" there.
            sheet.title = sanitize(old).replace("*", "#")[:31]
        titles[old] = sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and contains_identity_code(cell.value):
                    cell.value = sanitize(cell.value)
                if cell.comment is not None and contains_identity_code(cell.comment.text):
                    cell.comment.text = sanitize(cell.comment.text)
                if cell.hyperlink is not None and cell.hyperlink.target and contains_identity_code(
                        cell.hyperlink.target):
                    cell.hyperlink.target = sanitize(cell.hyperlink.target)
        for validation in sheet.data_validations.dataValidation:
            for attribute in ("prompt", "promptTitle", "error", "errorTitle", "formula1"):
                text = getattr(validation, attribute)
                if isinstance(text, str) and contains_identity_code(text):
                    setattr(validation, attribute, sanitize(text))
        for header in (sheet.oddHeader, sheet.oddFooter, sheet.evenHeader, sheet.evenFooter):
            for part in (header.left, header.center, header.right):
                if part.text and contains_identity_code(part.text):
                    part.text = sanitize(part.text)
    for name in list(workbook.defined_names):
        defined = workbook.defined_names[name]
        if defined.attr_text and contains_identity_code(defined.attr_text):
            defined.attr_text = sanitize(defined.attr_text)
    properties = workbook.properties
    for attribute in ("title", "subject", "creator", "description", "keywords",
                      "lastModifiedBy", "category", "identifier"):
        text = getattr(properties, attribute, None)
        if isinstance(text, str) and contains_identity_code(text):
            setattr(properties, attribute, sanitize(text))
    return titles


def _anchor(sheet: Any, location: Location) -> str:
    """The cell a finding's comment goes on: its own cell, else the first filled cell of its
    row, else column A of the row."""
    assert location.row is not None
    if location.column:
        return f"{location.column}{location.row}"
    for cell in next(sheet.iter_rows(min_row=location.row, max_row=location.row), ()):
        if cell.value not in (None, ""):
            return str(cell.coordinate)
    return f"A{location.row}"


def _comment_text(findings: Iterable[Finding], t: Translator) -> str:
    parts = []
    for finding in findings:
        text = (f"{finding.rule} [{severity_word(finding.severity, t)}] "
                f"{finding.message(t.lang)}")
        hint = finding.hint(t.lang)
        if hint:
            text += f"\n{t('Fix')}: {hint}"
        if finding.acknowledged:
            text += f"\n{t('Acknowledged')}: {finding.acknowledged}"
        parts.append(text)
    return sanitize("\n\n".join(parts))


def _comment_cells(workbook: Any, findings: list[Finding], titles: Mapping[str, str],
                   t: Translator) -> int:
    """Put each finding with a row on its cell; return the number of cells commented."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        location = finding.location
        if location.sheet is not None and location.sheet in titles and location.row:
            sheet = workbook[titles[location.sheet]]
            by_cell[(sheet.title, _anchor(sheet, location))].append(finding)
    for (title, coordinate), found in by_cell.items():
        cell = workbook[title][coordinate]
        text = _comment_text(found, t)
        if cell.comment is not None:
            text = f"{text}\n\n---\n{cell.comment.text}"
        lines = sum(1 + len(line) // 60 for line in text.splitlines())
        cell.comment = Comment(text, "elyclaims", height=min(20 + 15 * lines, 600),
                               width=_COMMENT_WIDTH)
        worst = min(found, key=lambda f: f.severity.rank).severity
        if worst is not Severity.INFO:
            cell.fill = PatternFill("solid", fgColor=_FILLS[worst])
    return len(by_cell)


def _summary_sheet(workbook: Any, report: Report, findings: list[Finding],
                   titles: Mapping[str, str], not_kept: tuple[str, ...], source: Path,
                   t: Translator) -> int:
    """The first sheet: the counts, the findings by rule, and each finding with a link.
    Returns the row of the findings table's headers."""
    name = t("elyclaims findings")[:31]
    while name in workbook.sheetnames:
        name = f"{name[:28]}_{len(workbook.sheetnames)}"
    sheet = workbook.create_sheet(name, 0)
    for other in workbook.worksheets[1:]:
        other.sheet_view.tabSelected = False
    workbook.active = 0
    _summary_head(sheet, report, not_kept, source, t)
    _rules_table(sheet, findings, t)
    headers = _findings_table(sheet, workbook, findings, titles, t)
    for letter, width in zip("ABCDE", _SUMMARY_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    _rows_high_enough(sheet)
    return headers


#: The summary sheet's columns (in characters): severity, rule, cell, message, fix.
_SUMMARY_WIDTHS = (12, 9, 24, 60, 50)
#: The height of a line of text in a row (points), as Excel and LibreOffice lay out 11 pt.
_LINE_HEIGHT = 15


def _rows_high_enough(sheet: Any) -> None:
    """Each row of the summary as high as its longest wrapped text needs: LibreOffice does not
    grow a row for wrapped text it did not lay out itself, and would draw it over the next."""
    widths = dict(zip("ABCDE", _SUMMARY_WIDTHS, strict=True))
    for row in sheet.iter_rows():
        needed = 1
        for cell in row:
            width = widths.get(cell.column_letter)
            if width and isinstance(cell.value, str) and cell.alignment.wrap_text:
                needed = max(needed, sum(1 + len(line) * 11 // (width * 10)
                                         for line in cell.value.splitlines() or [""]))
        if needed > 1:
            sheet.row_dimensions[row[0].row].height = needed * _LINE_HEIGHT


def _print_setup(sheet: Any, header: int | None) -> None:
    """Make *sheet* print as an officer expects: on A4, the used cells only, as wide as the
    page (as many pages down as it takes), landscape when it is wider than a portrait page,
    and its *header* row on every page."""
    from openpyxl.worksheet.properties import PageSetupProperties

    if sheet.dimensions in {"A1:A1", ""}:  # an empty sheet: nothing to print
        return
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    columns = sum(sheet.column_dimensions[letter].width or 9
                  for letter in _letters(sheet.max_column))
    setup.orientation = (sheet.ORIENTATION_LANDSCAPE if columns > _PORTRAIT_CHARACTERS
                         else sheet.ORIENTATION_PORTRAIT)
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_area = sheet.dimensions
    if header is not None:
        sheet.print_title_rows = f"{header}:{header}"
    sheet.print_options.gridLines = False


#: About how many characters of column width a portrait A4 page holds at full size.
_PORTRAIT_CHARACTERS = 95


def _letters(count: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(index) for index in range(1, count + 1)]


def _header_row_number(sheet: Any) -> int | None:
    """The row of a table's headers, to repeat on every printed page: the first of the top
    rows with text in three or more cells and nothing but text (a claim sheet, key beside
    value, has none)."""
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 20)):
        values = [cell.value for cell in row if cell.value not in (None, "")]
        if len(values) >= 3 and all(isinstance(value, str) for value in values):
            return int(row[0].row)
    return None


def _summary_head(sheet: Any, report: Report, not_kept: tuple[str, ...], source: Path,
                  t: Translator) -> None:
    """The file, the counts, what the copy is, and what it could not keep."""
    from openpyxl.styles import Font

    sheet.append([sanitize(f"elyclaims: {PurePath(source).name}")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([", ".join((
        t.n("{count} error", "{count} errors", report.errors),
        t.n("{count} warning", "{count} warnings", report.warnings),
        t.n("{count} remark", "{count} remarks", report.count(Severity.INFO))))])
    sheet.append([t("This copy was made by elyclaims; the original workbook was not changed. "
                    "Each finding is a comment on its cell.")])
    if not_kept:
        sheet.append([t("The copy could not keep these parts of the original:")])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        for what in not_kept:
            sheet.append([f"  - {what}"])
    sheet.append([])


def _header_row(sheet: Any, headers: list[str]) -> None:
    from openpyxl.styles import Font

    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _rules_table(sheet: Any, findings: list[Finding], t: Translator) -> None:
    """Each rule found, most severe first, with its count and its first finding's message."""
    from openpyxl.styles import PatternFill

    _header_row(sheet, [t("Severity"), t("Rule"), t("Findings"), t("For example")])
    counts = Counter(f.rule for f in findings)
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(finding.rule, finding)
    for rule in sorted(counts, key=lambda r: (first[r].severity.rank, r)):
        example = first[rule]
        sheet.append([severity_word(example.severity, t), rule, counts[rule],
                      sanitize(example.message(t.lang))])
        sheet.cell(row=sheet.max_row, column=1).fill = PatternFill(
            "solid", fgColor=_FILLS[example.severity])
    sheet.append([])


def _findings_table(sheet: Any, workbook: Any, findings: list[Finding],
                    titles: Mapping[str, str], t: Translator) -> int:
    """Every finding with its message and fix, its cell linked to the cell in the copy.
    Returns the row of the table's headers."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    _header_row(sheet, [t("Severity"), t("Rule"), t("Cell"), t("Message"), t("Fix")])
    headers = int(sheet.max_row)
    top = Alignment(vertical="top", wrap_text=True)
    for finding in findings:
        location = finding.location
        sheet.append([severity_word(finding.severity, t), finding.rule, location.text(t.lang),
                      sanitize(finding.message(t.lang)), sanitize(finding.hint(t.lang))])
        row = sheet.max_row
        sheet.cell(row=row, column=1).fill = PatternFill("solid", fgColor=_FILLS[finding.severity])
        for cell in sheet[row]:
            cell.alignment = top
        if location.sheet is not None and location.sheet in titles:
            title = titles[location.sheet]
            target = _anchor(workbook[title], location) if location.row else "A1"
            title = title.replace("'", "''")
            link = sheet.cell(row=row, column=3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{title}'!{target}")
            link.font = Font(color="0563C1", underline="single")
    return headers
