"""Reading tables as officers keep them: no line is ever lost or invented.

Subtotals and grand totals between the lines, footnotes, repeated header rows, merged client
cells, several expenses sheets, several workbooks, an empty table: in each, the lines and the
totals are asserted to the cent and every row that is no line has its WB-012.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Run, run_elyclaims
from elyclaims import read_claim
from elyclaims.errors import UsageError
from elyclaims.package import build_package, inspect_package
from elyclaims.report import Report
from workbooks import (
    CLEAN_TOTALS,
    EXPENSE_HEADERS_FI,
    EXPENSES_FI,
    Sheet,
    clean_claim,
    expense_row,
    totals,
    write_xlsx,
)

TODAY = date(2026, 11, 29)
FIXTURES = Path(__file__).parent / "fixtures"
BLANK = [None] * len(EXPENSE_HEADERS_FI)


def _totals_row(label: str, net: object, vat: object = None, gross: object = None) -> list[Any]:
    row = list(BLANK)
    row[0], row[8], row[9], row[10] = label, net, vat, gross
    return row


def _skipped(report: Report) -> list[tuple[str, int | None]]:
    return [(f.key, f.location.row) for f in report.findings if f.rule == "WB-012"]



def _keys(report: Report, rule: str) -> list[str]:
    return [f.key for f in report.findings if f.rule == rule]




def test_monthly_subtotals_in_every_spelling_and_lines_after_a_grand_total(tmp_path: Path) -> None:
    """Subtotals ("Yhteensä heinäkuu", "Yht.", "Välisumma", "Delsumma", "Subtotal") and a grand
    total between the lines: every line is read, the totals rows are WB-012 and match (no
    WB-006), and the lines after the grand total count too."""
    sheets = clean_claim()
    one, two, three = (list(row) for row in EXPENSES_FI)
    sheets["Kulut"].rows[1:] = [
        one, _totals_row("Yhteensä heinäkuu", 480, 0, 480),
        two, _totals_row("Yht.", 120, 30.6, 150.6),
        three, _totals_row("Välisumma 9/2026", "1 850,25", None, None),
        _totals_row("Kaikki yhteensä", 2450.25, 30.6, 2480.85),
        expense_row(Palvelupäivä=date(2026, 9, 20), Laskun_numero="T-2", Veroton_summa=100,
                    Verollinen_summa=100),
        _totals_row("Delsumma", 100, 0, 100),
        _totals_row("SUBTOTAL (Q3)", 2550.25),
    ]
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert totals(report) == (4, Decimal("2550.25"), Decimal("30.60"), Decimal("2580.85"))
    assert [line.source.row for line in claim.expenses] == [2, 4, 6, 9]
    assert _skipped(report) == [("WB-012/totals", row) for row in (3, 5, 7, 8, 10, 11)]
    assert _keys(report, "WB-006") == []
    assert report.ok


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_totals_word_in_the_client_column_labels_a_totals_row(tmp_path: Path,
                                                                engine: str) -> None:
    """"Totalt" or "Yhteensä" where the client reference stands, in a row without a date, is
    a totals row compared like the others (WB-012, no WB-006 when it matches, WB-006 when it
    does not), never a line of a client called "Totalt"; with a date it stays a line."""
    from elyclaims.config import Config

    sheets = clean_claim()
    one, two, three = (list(row) for row in EXPENSES_FI)
    subtotal = list(BLANK)
    subtotal[1], subtotal[8] = "Yhteensä", 600
    wrong = list(BLANK)
    wrong[1], wrong[8], wrong[10] = "Totalt", 2000, 2480.85
    dated = expense_row(Palvelupäivä=date(2026, 9, 20), Asiakastunnus="Yhteensä",
                        Laskun_numero="T-2", Veroton_summa=100, Verollinen_summa=100)
    sheets["Kulut"].rows[1:] = [one, two, subtotal, three, wrong, dated]
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY,
                               config=Config(engine=engine), ledger=None)
    assert claim is not None
    assert [line.source.row for line in claim.expenses] == [2, 3, 5, 7]
    assert _skipped(report) == [("WB-012/totals", 4), ("WB-012/totals", 6)]
    assert [(f.location.cell, f.parameters["computed"], f.parameters["running"])
            for f in report.findings if f.rule == "WB-006"] == [("I6", "1850.25", "2450.25")]
    assert [f.location.row for f in report.findings if f.rule == "EL-001"] == [7]


def test_a_wrong_subtotal_is_wb006_on_its_cell(tmp_path: Path) -> None:
    """A subtotal that matches neither the lines since the previous totals row nor all lines
    above is WB-006 on its cell, with both sums; the lines are unchanged."""
    sheets = clean_claim()
    one, two, three = (list(row) for row in EXPENSES_FI)
    sheets["Kulut"].rows[1:] = [one, two, _totals_row("Yhteensä", 599), three]
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    found = [f for f in report.findings if f.rule == "WB-006"]
    assert [(f.location.cell, f.parameters["computed"], f.parameters["running"])
            for f in found] == [("I4", "600.00", "600.00")]
    assert totals(report) == CLEAN_TOTALS


def test_footnotes_and_a_repeated_header_row(tmp_path: Path) -> None:
    """Footnote rows under the table and a header row repeated at an ERP page break are skipped
    with WB-012 each, with no error cascade."""
    sheets = clean_claim()
    rows = sheets["Kulut"].rows
    rows.insert(3, list(EXPENSE_HEADERS_FI))
    rows.append(list(BLANK))
    rows.append(["* Tulkkaus sisältää matka-ajan.", *BLANK[1:]])
    rows.append(["Lähde: talousjärjestelmä", None, None, "ajettu 1.10.2026", *BLANK[4:]])
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert _skipped(report) == [("WB-012/header", 4), ("WB-012/note", 7), ("WB-012/note", 8)]
    assert totals(report) == CLEAN_TOTALS
    assert [f.rule for f in report.findings if f.blocks] == []


def test_a_half_filled_line_is_checked_never_skipped(tmp_path: Path) -> None:
    """A row with only an amount, or only a client reference, is a line with its errors, not a
    note."""
    sheets = clean_claim()
    only_amount = list(BLANK)
    only_amount[8] = 75
    only_reference = list(BLANK)
    only_reference[1] = "IHK-2"
    sheets["Kulut"].rows.extend([only_amount, only_reference])
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert len(claim.expenses) == 5
    assert _skipped(report) == []
    assert {"EL-001/missing", "EL-005/missing", "AM-001"} <= {f.key for f in report.findings}


def test_merged_client_cells_give_every_row_the_reference(tmp_path: Path) -> None:
    """A client reference merged down over three rows is every row's reference."""
    sheets = clean_claim()
    rows = sheets["Kulut"].rows
    rows[2][1] = "IHK-1"
    rows[3][1] = None
    rows[2][2] = "HEALTH"
    sheets["Kulut"].merged = ["B2:B4"]
    rows[1][1] = "IHK-1"
    rows[2][1] = None
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert [line.client_reference for line in claim.expenses] == ["IHK-1"] * 3
    assert _keys(report, "EL-001") == []


def test_two_expenses_sheets_are_combined(tmp_path: Path) -> None:
    """Two expenses sheets of one workbook are one claim, with one WB-013 naming both; line ids
    stay Sheet:row."""
    sheets = clean_claim()
    headers, *lines = sheets.pop("Kulut").rows
    sheets["Kulut heinä-elo"] = Sheet([list(headers), *copy.deepcopy(lines[:2])])
    sheets["Kulut syyskuu"] = Sheet([list(headers), copy.deepcopy(lines[2])])
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert [line.line_id for line in claim.expenses] == [
        "Kulut heinä-elo:2", "Kulut heinä-elo:3", "Kulut syyskuu:2"]
    combined = [f for f in report.findings if f.rule == "WB-013"]
    assert len(combined) == 1
    assert "Kulut heinä-elo (2)" in combined[0].message("fi")
    assert "Kulut syyskuu (1)" in combined[0].message("fi")
    assert totals(report) == CLEAN_TOTALS


def _split(tmp_path: Path) -> tuple[Path, Path]:
    """The clean claim split over two workbooks: two lines in one, one in the other."""
    first, second = clean_claim(), clean_claim()
    first["Kulut"].rows[3:] = []
    second["Kulut"].rows[1:3] = []
    return (write_xlsx(tmp_path / "kulut heinä-elo.xlsx", first),
            write_xlsx(tmp_path / "kulut syyskuu.xlsx", second))


def test_two_workbooks_are_one_claim_with_file_qualified_line_ids(tmp_path: Path) -> None:
    """Two workbooks given together are one claim: line ids name the file, locations carry
    it, the same client listed in both is one client, and the package says which file each
    line came from."""
    first, second = _split(tmp_path)
    claim, report = read_claim([first, second], today=TODAY)
    assert claim is not None
    assert [line.line_id for line in claim.expenses] == [
        "kulut heinä-elo.xlsx:Kulut:2", "kulut heinä-elo.xlsx:Kulut:3",
        "kulut syyskuu.xlsx:Kulut:2"]
    assert [line.source.file for line in claim.expenses] == [str(first)] * 2 + [str(second)]
    assert _keys(report, "WB-013") == ["WB-013"]
    assert _keys(report, "CT-002") == []
    assert report.ok
    assert totals(report) == CLEAN_TOTALS
    built = build_package(claim, report, tmp_path / "p.zip")
    inspected = inspect_package(built.path)
    assert inspected.ok
    assert inspected.packaged is not None
    assert [(line.source.file, line.source.row) for line in inspected.packaged.claim.expenses] \
        == [("kulut heinä-elo.xlsx", 2), ("kulut heinä-elo.xlsx", 3), ("kulut syyskuu.xlsx", 2)]


def test_findings_of_two_workbooks_are_told_apart(tmp_path: Path) -> None:
    """An error in the second workbook names that file; the text report heads each file's
    sheet with the file's name."""
    first, second = _split(tmp_path)
    sheets = clean_claim()
    sheets["Kulut"].rows[1:3] = []
    sheets["Kulut"].rows[1][8] = "satanen"
    write_xlsx(second, sheets)
    run = run_elyclaims("validate", first, second, "--lang", "fi")
    assert run.code == 1
    assert "== kulut syyskuu.xlsx: Kulut ==" in run.out
    json_run = run_elyclaims("validate", first, second, "--format", "json")
    error = next(f for f in json_run.json()["findings"] if f["rule"] == "WB-004")
    assert error["file"] == str(second)
    assert error["line_id"] == "kulut syyskuu.xlsx:Kulut:2"


@pytest.mark.parametrize("how", ["same path", "same path written otherwise", "a copy"])
def test_the_same_file_twice_is_a_usage_error(tmp_path: Path, how: str) -> None:
    """The same file given twice (by path, or a copy with the same content) is exit 2 and a
    UsageError, never a doubled claim."""
    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    other = {"same path": path, "same path written otherwise": tmp_path / "." / "c.xlsx",
             "a copy": Path(shutil.copyfile(path, tmp_path / "kopio.xlsx"))}[how]
    run = run_elyclaims("validate", path, other)
    assert run.code == 2
    assert "given twice" in run.err
    assert "Traceback" not in run.err
    with pytest.raises(UsageError):
        read_claim([path, other])


def test_an_empty_expenses_sheet_is_wb011_and_builds_nothing(tmp_path: Path,
                                                              cli: Callable[..., Run]) -> None:
    """An expenses sheet with only its header row is WB-011 (an error): no €0.00 package."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1:] = []
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    _, report = read_claim(path, today=TODAY)
    assert _keys(report, "WB-011") == ["WB-011"]
    assert not report.ok
    run = cli("build", path, "-o", tmp_path / "p.zip")
    assert run.code == 1
    assert not (tmp_path / "p.zip").exists()


def test_no_wb011_without_an_expenses_header(tmp_path: Path) -> None:
    """A missing expenses sheet is WB-002 alone, not also WB-011."""
    sheets = clean_claim()
    del sheets["Kulut"]
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert "WB-002" in {f.rule for f in report.findings}
    assert _keys(report, "WB-011") == []


def test_lines_take_the_clients_sheet_spelling(tmp_path: Path) -> None:
    """A line's reference that differs from the clients sheet only in case or spaces is the
    client's, and the package and every report write the clients sheet's spelling."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][1] = "ihk - 1"
    sheets["Kulut"].rows[2][1] = " IHK-2 "
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert [line.client_reference for line in claim.expenses] == ["IHK-1", "IHK-2", "IHK-1"]
    assert _keys(report, "EL-001") == []
    built = build_package(claim, report, tmp_path / "p.zip")
    inspected = inspect_package(built.path)
    assert inspected.packaged is not None
    assert {line.client_reference for line in inspected.packaged.claim.expenses} == {
        "IHK-1", "IHK-2"}


def test_a_line_with_an_unreadable_amount_is_in_no_total(tmp_path: Path) -> None:
    """A line whose net amount cannot be read stays a line, but net, VAT and gross all leave it
    out, and the summary counts it as not totalled."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2][8] = "sata kaksikymmentä"
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    summary = report.summary
    assert summary.lines == 3
    assert summary.not_totalled == 1
    assert (summary.net_total, summary.vat_total, summary.gross_total) == (
        Decimal("2330.25"), Decimal("0.00"), Decimal("2330.25"))
    assert sum(t.lines for t in summary.by_category.values()) == 2


def test_not_totalled_is_said_in_the_reports(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """The text report says how many lines are in no total; the JSON summary counts them."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2][8] = "?"
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    assert "1 kulurivin summaa ei voitu lukea" in cli("validate", path, "--lang", "fi").out
    assert cli("validate", path, "--format", "json").json()["summary"]["not_totalled"] == 1


def test_finding_on_an_empty_cell_names_the_cell(tmp_path: Path) -> None:
    """A finding about an empty cell of an existing column names the cell and its header."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2][4] = None
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    finding = next(f for f in report.findings if f.rule == "EL-008")
    assert (finding.location.cell, finding.location.header) == ("E3", "Perustelu")
    assert str(finding.location) == "Kulut!E3 (Perustelu)"


def test_a_missing_column_gives_a_row_location(tmp_path: Path) -> None:
    """Without the column at all, the finding is on the row (there is no cell to name)."""
    sheets = clean_claim()
    for row in sheets["Kulut"].rows:
        del row[4]
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    finding = next(f for f in report.findings if f.rule == "EL-008")
    assert (finding.location.cell, finding.location.row) == (None, 2)


# ----------------------------------------------------------------- LibreOffice's own file


def test_a_workbook_saved_by_libreoffice(tmp_path: Path) -> None:
    """A workbook with subtotals, a note, a repeated header and merged client cells, saved by
    LibreOffice Calc (tests/fixtures/libreoffice-subtotals.xlsx), reads every line to the cent
    with each skipped row reported."""
    claim, report = read_claim(FIXTURES / "libreoffice-subtotals.xlsx", today=TODAY)
    assert claim is not None
    assert totals(report) == (4, Decimal("2550.25"), Decimal("30.60"), Decimal("2580.85"))
    assert [line.client_reference for line in claim.expenses] == ["IHK-1", "IHK-1", "IHK-2",
                                                                  "IHK-1"]
    assert _skipped(report) == [("WB-012/totals", 4), ("WB-012/header", 5),
                                ("WB-012/totals", 8), ("WB-012/note", 9)]
    assert report.ok


# ------------------------------------------------------------------------------ property

ROW_KINDS = ("blank", "subtotal", "note")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(ROW_KINDS),
                          st.sampled_from(["Yhteensä", "Yht.", "Välisumma", "Summa",
                                           "Totalt", "delsumma x", "TOTAL"]),
                          st.decimals(min_value=-10**6, max_value=10**6, places=2)),
                max_size=6))
def test_inserted_subtotal_note_and_blank_rows_change_nothing(
    tmp_path: Path, insertions: list[tuple[int, str, str, Decimal]]
) -> None:
    """Subtotal, note or blank rows inserted anywhere in a clean table never change the lines
    read or the totals."""
    sheets = clean_claim()
    lines = sheets["Kulut"].rows[1:]
    for position, kind, word, amount in sorted(insertions, key=lambda i: -i[0]):
        if kind == "blank":
            row = list(BLANK)
        elif kind == "subtotal":
            row = _totals_row(word, float(amount))
        else:
            row = [f"Huom. {word} ei ole kulu", *BLANK[1:]]
        lines.insert(position, row)
    sheets["Kulut"].rows[1:] = lines
    claim, report = read_claim(write_xlsx(tmp_path / "p.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert totals(report) == CLEAN_TOTALS
    assert [(line.client_reference, line.service_date, line.net_amount)
            for line in claim.expenses] == [(r[1], r[0], Decimal(str(r[8])).quantize(
                Decimal("0.01"))) for r in EXPENSES_FI]
    assert len(_skipped(report)) == sum(kind != "blank" for _, kind, _, _ in insertions)


def test_libreoffice_fixture_is_a_libreoffice_file() -> None:
    """The fixture really was written by LibreOffice (its application property says so)."""
    import zipfile

    with zipfile.ZipFile(FIXTURES / "libreoffice-subtotals.xlsx") as archive:
        assert b"LibreOffice" in archive.read("docProps/app.xml")

