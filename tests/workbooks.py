"""Building real claim workbooks and CSV files for the tests.

A test starts from a clean claim (:func:`clean_claim`), changes what it is about, and writes it
as an .xlsx with openpyxl or as CSV files.
"""

from __future__ import annotations

import copy
import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from openpyxl import Workbook

if TYPE_CHECKING:
    from elyclaims.report import Report

CLAIM_FI: list[list[Any]] = [
    ["Hakija", "Vantaan ja Keravan hyvinvointialue"],
    ["Y-tunnus", "3221308-6"],
    ["Hakijatyyppi", "hyvinvointialue"],
    ["Kuntanumero tai hyvinvointialue", "04"],
    ["Kausi alkaa", date(2026, 7, 1)],
    ["Kausi päättyy", date(2026, 9, 30)],
    ["Tarkoitus", "päätöshakemus"],
    ["Vastaanottaja", "Uudenmaan elinvoimakeskus"],
    ["IBAN", "FI5212345600007890"],
    ["Yhteyshenkilö", "Maija Esimerkki"],
    ["Sähköposti", "korvaukset@example.fi"],
]

CLIENT_HEADERS_FI = ["Asiakastunnus", "Auttamisjärjestelmään ottopäivä", "Poistopäivä",
                     "Kotikunta", "Kotikunta alkaen", "Syntymävuosi"]
CLIENTS_FI: list[list[Any]] = [
    ["IHK-1", date(2026, 1, 5), None, "092", date(2025, 12, 1), 1990],
    ["IHK-2", date(2026, 3, 2), None, "245", date(2026, 2, 1), 1985],
]

EXPENSE_HEADERS_FI = ["Palvelupäivä", "Asiakastunnus", "Kululaji", "Kuvaus", "Perustelu",
                      "Palveluntuottaja", "Palveluntuottajan Y-tunnus", "Laskun numero",
                      "Veroton summa", "ALV", "Verollinen summa"]
EXPENSES_FI: list[list[Any]] = [
    [date(2026, 7, 2), "IHK-1", "HEALTH", "Psykoterapia", "Trauma", "Terapia Oy", "2345678-0",
     "T-1", 480, 0, 480],
    [date(2026, 8, 3), "IHK-2", "INTERPRET", "Tulkkaus 2 h", "Ei yhteistä kieltä", "Tulkki Oy",
     "1234567-1", "TP-1", 120, 30.6, 150.6],
    [date(2026, 9, 4), "IHK-1", "SOCIAL", "Tuettu asuminen", "Turvallinen asuminen",
     "Asumis Oy", "3456790-2", "A-1", 1850.25, 0, 1850.25],
]


class Totals(NamedTuple):
    """A claim's line count and totals, as a test compares them."""

    lines: int
    net: Decimal
    vat: Decimal
    gross: Decimal

    def json(self) -> dict[str, object]:
        """The same, as the JSON report's summary writes them."""
        return {"lines": self.lines, "net_total": str(self.net), "vat_total": str(self.vat),
                "gross_total": str(self.gross)}


#: The clean claim's totals: the one place the tests state them.
CLEAN_TOTALS = Totals(3, Decimal("2450.25"), Decimal("30.60"), Decimal("2480.85"))


def totals(report: Report) -> Totals:
    """*report*'s line count and totals."""
    summary = report.summary
    return Totals(summary.lines, summary.net_total, summary.vat_total, summary.gross_total)


@dataclass
class Sheet:
    """One sheet to write: its rows (from row 1), and what to hide."""

    rows: list[list[Any]]
    hidden: bool = False
    hidden_rows: set[int] = field(default_factory=set)
    merged: list[str] = field(default_factory=list)


def clean_claim() -> dict[str, Sheet]:
    """A valid Finnish workbook's sheets (a fresh copy each time)."""
    return {
        "Hakemus": Sheet(copy.deepcopy(CLAIM_FI)),
        "Asiakkaat": Sheet([list(CLIENT_HEADERS_FI), *copy.deepcopy(CLIENTS_FI)]),
        "Kulut": Sheet([list(EXPENSE_HEADERS_FI), *copy.deepcopy(EXPENSES_FI)]),
    }


def write_xlsx(path: Path, sheets: dict[str, Sheet]) -> Path:
    """Write *sheets* as a real .xlsx file at *path* and return the path."""
    book = Workbook()
    book.remove(book.active)
    for title, sheet in sheets.items():
        worksheet = book.create_sheet(title)
        for row in sheet.rows:
            worksheet.append(row)
        if sheet.hidden:
            worksheet.sheet_state = "hidden"
        for number in sheet.hidden_rows:
            worksheet.row_dimensions[number].hidden = True
        for cells in sheet.merged:
            worksheet.merge_cells(cells)
    book.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, Sheet]) -> Path:
    """Write *sheets* as a legacy Excel 97-2003 workbook (.xls, dates as Excel dates) at *path*
    and return the path."""
    import xlwt

    book = xlwt.Workbook()
    dates = xlwt.easyxf(num_format_str="D.M.YYYY")
    for title, sheet in sheets.items():
        target = book.add_sheet(title)
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if isinstance(value, date):
                    target.write(r, c, value, dates)
                elif value is not None:
                    target.write(r, c, value)
    book.save(str(path))
    return path


def write_csv(path: Path, rows: list[list[Any]], *, delimiter: str = ";",
              encoding: str = "utf-8") -> Path:
    """Write *rows* as a CSV file (values as text, dates as d.M.yyyy)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        for row in rows:
            writer.writerow([_text(value, delimiter) for value in row])
    return path


def _text(value: Any, delimiter: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value.day}.{value.month}.{value.year}"
    if isinstance(value, float | int) and not isinstance(value, bool):
        text = f"{value:.2f}" if isinstance(value, float) else str(value)
        return text.replace(".", ",") if delimiter == ";" else text
    return str(value)


def expense_row(**changes: Any) -> list[Any]:
    """The first clean expense line with some columns changed (by header name)."""
    row = copy.deepcopy(EXPENSES_FI[0])
    for header, value in changes.items():
        row[EXPENSE_HEADERS_FI.index(header.replace("_", " "))] = value
    return row


def minimal_pdf(text: str | None) -> bytes:
    """A one-page PDF whose page shows *text* (Helvetica, ASCII), or holds no text at all for
    None (as a scanned invoice's image-only page does), with a correct cross-reference table."""
    stream = (f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET" if text is not None else "").encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)
