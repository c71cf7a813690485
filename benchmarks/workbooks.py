"""Claim workbooks of any size that look as spreadsheet programs save them.

Excel and LibreOffice write every text into one shared-strings table, dates as serial numbers
with a date style, and a ``<dimension>`` with the sheet's used range; openpyxl's write-only
output (inline strings, no dimension) reads about twice as slowly and would flatter every
ratio. So the workbook is written here as raw SpreadsheetML, and can be re-saved with
LibreOffice (``resave``) where it is installed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["resave", "write_claim_workbook"]

_EPOCH = date(1899, 12, 30)
CATEGORIES = ("terveydenhuollon palvelut", "sosiaalihuollon palvelut", "tulkkipalvelut",
              "turvallisuuden takaaminen", "muu uhriasemasta johtuva palvelu tai tukitoimi")
CLIENTS = 500

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet3.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Hakemus" sheetId="1" r:id="rId1"/><sheet name="Asiakkaat" sheetId="2" r:id="rId2"/><sheet name="Kulut" sheetId="3" r:id="rId3"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet3.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="d\\.m\\.yyyy"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"""
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://'
               'schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:{last}"/>'
               '<sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _Strings:
    """The shared-strings table: each distinct text once, cells refer to it by index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0

    def __call__(self, text: str) -> int:
        self.count += 1
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def xml(self) -> Iterator[str]:
        yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
               'schemas.openxmlformats.org/spreadsheetml/2006/main" '
               f'count="{self.count}" uniqueCount="{len(self.index)}">')
        for text in self.index:
            yield f"<si><t>{escape(text)}</t></si>"
        yield "</sst>"


def _row(number: int, values: list[object], strings: _Strings) -> str:
    cells = []
    for position, value in enumerate(values):
        if value is None:
            continue
        reference = f"{_LETTERS[position]}{number}"
        if isinstance(value, date):
            cells.append(f'<c r="{reference}" s="1"><v>{(value - _EPOCH).days}</v></c>')
        elif isinstance(value, int | float):
            style = ' s="2"' if isinstance(value, float) else ""
            cells.append(f'<c r="{reference}"{style}><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{reference}" t="s"><v>{strings(str(value))}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def _claim_rows() -> list[list[object]]:
    return [["Hakija", "Benchmark HVA"], ["Y-tunnus", "3221308-6"],
            ["Hakijatyyppi", "hyvinvointialue"], ["Kuntanumero tai hyvinvointialue", "04"],
            ["Kausi alkaa", date(2026, 1, 1)], ["Kausi päättyy", date(2026, 9, 30)],
            ["Tarkoitus", "päätöshakemus"], ["Vastaanottaja", "Uudenmaan elinvoimakeskus"],
            ["Yhteyshenkilö", "Benchmark"], ["Sähköposti", "bench@example.fi"]]


def _client_rows() -> list[list[object]]:
    rows: list[list[object]] = [["Asiakastunnus", "Auttamisjärjestelmään ottopäivä",
                                 "Poistopäivä", "Kotikunta", "Kotikunta alkaen",
                                 "Syntymävuosi"]]
    for number in range(CLIENTS):
        rows.append([f"IHK-{number:05d}", date(2025, 6, 1), None, "092", date(2025, 1, 1),
                     1970 + number % 30])
    return rows


def expense_rows(lines: int, invoices: str = "L") -> Iterator[list[object]]:
    """The expenses sheet: a header row and *lines* clean cost lines (invoice numbers
    *invoices*-0, *invoices*-1, ...)."""
    yield ["Palvelupäivä", "Asiakastunnus", "Kululaji", "Kuvaus", "Perustelu",
           "Palveluntuottaja", "Palveluntuottajan Y-tunnus", "Laskun numero", "Veroton summa",
           "ALV", "Verollinen summa"]
    start = date(2026, 1, 1)
    for number in range(lines):
        category = number % 5
        net = 100 + number % 997 + (number % 100) / 100
        vat = round(net * 0.255, 2) if category == 2 else 0  # interpreting: general rate
        yield [start + timedelta(days=number % 270), f"IHK-{number % CLIENTS:05d}",
               CATEGORIES[category], f"Palvelu {number % 2000}", "Uhriaseman vuoksi",
               "Tuottaja Oy", "2345678-0", f"{invoices}-{number}", net, vat,
               round(net + vat, 2)]


def write_claim_workbook(path: Path, lines: int, invoices: str = "L") -> Path:
    """Write a clean claim of *lines* cost lines to *path* (.xlsx) and return the path; its
    invoice numbers start with *invoices* (claims of one claimant that share no line)."""
    strings = _Strings()
    sheets = []
    for rows, width in ((_claim_rows(), 2), (_client_rows(), 6)):
        body = "".join(_row(n, row, strings) for n, row in enumerate(rows, start=1))
        last = f"{_LETTERS[width - 1]}{len(rows)}"
        sheets.append(_SHEET_HEAD.format(last=last) + body + _SHEET_TAIL)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr("xl/worksheets/sheet1.xml", sheets[0])
        archive.writestr("xl/worksheets/sheet2.xml", sheets[1])
        with archive.open("xl/worksheets/sheet3.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.format(last=f"K{lines + 1}").encode())
            chunk: list[str] = []
            for number, row in enumerate(expense_rows(lines, invoices), start=1):
                chunk.append(_row(number, row, strings))
                if len(chunk) == 10_000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write(("".join(chunk) + _SHEET_TAIL).encode())
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as shared:
            for part in strings.xml():
                shared.write(part.encode())
    return path


def resave(path: Path, timeout: float = 3600) -> bool:
    """Re-save *path* in place with LibreOffice headless; False where LibreOffice is missing
    or fails (the file is then left as written)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile",
             "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", f"{folder}/out",
             str(path)], capture_output=True, timeout=timeout, check=False)
        saved = Path(folder) / "out" / path.name
        if done.returncode != 0 or not saved.is_file():
            return False
        shutil.move(saved, path)
    return True


if __name__ == "__main__":
    # python benchmarks/workbooks.py PATH LINES [--libreoffice]: the benchmark writes its
    # workbooks in a process of their own, so that its own size stays out of the peak memory it
    # measures of the commands (a child's peak includes its parent's size at fork).
    import sys

    target, count = Path(sys.argv[1]), int(sys.argv[2])
    write_claim_workbook(target, count)
    if "--libreoffice" in sys.argv[3:] and not resave(target):
        sys.exit(3)
