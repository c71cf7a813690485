"""Reading real workbooks and CSV exports: sheets, headers, cells, totals, formulas, hidden data."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from elyclaims import check_claim, read_claim
from elyclaims.config import Config, load_config
from elyclaims.findings import Severity
from elyclaims.limits import ReadLimits
from workbooks import (
    CLEAN_TOTALS,
    CLIENT_HEADERS_FI,
    CLIENTS_FI,
    EXPENSE_HEADERS_FI,
    EXPENSES_FI,
    Sheet,
    clean_claim,
    expense_row,
    totals,
    write_csv,
    write_xlsx,
)


def test_clean_finnish_workbook_reads_every_line(tmp_path: Path) -> None:
    """A clean Finnish workbook gives no WB findings and the exact totals."""
    path = write_xlsx(tmp_path / "claim.xlsx", clean_claim())
    claim, report = read_claim(path)
    assert report.flat("WB") == []
    assert claim is not None
    assert len(claim.expenses) == 3
    assert len(claim.clients) == 2
    assert totals(report) == CLEAN_TOTALS
    assert claim.claimant.name == "Vantaan ja Keravan hyvinvointialue"
    assert claim.period_start == date(2026, 7, 1)
    assert claim.purpose == "decision-application"
    line = claim.expenses[1]
    assert line.line_id == "Kulut:3"
    assert line.category == "INTERPRET"
    assert line.vat_amount == Decimal("30.60")
    assert str(line.source.location("net_amount")) == "Kulut!I3 (Veroton summa)"


SWEDISH = {
    "Ansökan": Sheet([["Sökande", "Österbottens välfärdsområde"], ["FO-nummer", "3221524-1"],
                      ["Sökandetyp", "välfärdsområde"], ["Perioden börjar", "1.1.2026"],
                      ["Perioden slutar", "30.6.2026"], ["Syfte", "beslutsansökan"]]),
    "Klienter": Sheet([["Klientnummer", "Intagningsdatum", "Hemkommun"],
                       ["OFF-1", date(2026, 1, 2), "905"]]),
    "Kostnader": Sheet([["Datum", "Klientnummer", "Kostnadsslag", "Beskrivning",
                         "Belopp utan moms", "Moms", "Belopp med moms"],
                        ["3.2.2026", "OFF-1", "Tolktjänster", "Tolkning", "210,00", "53,55",
                         "263,55"]]),
}
ENGLISH = {
    "Claim": Sheet([["Claimant", "City of Helsinki"], ["Business ID", "0201256-6"],
                    ["Claimant type", "City of Helsinki"], ["Period start", "2026-09-01"],
                    ["Period end", "2026-09-30"], ["Purpose", "payment claim"],
                    ["Decision reference", "UUDELY/123/2026"]]),
    "Clients": Sheet([["Client reference", "NAS admission date", "Home municipality"],
                      ["C-1", date(2026, 1, 2), 91]]),
    "Expenses": Sheet([["Service date", "Client reference", "Category", "Description",
                        "Net amount (€)", "VAT (€)", "Gross amount (€)"],
                       [date(2026, 9, 3), "C-1", "Social welfare services", "Support", 612.75,
                        0, 612.75]]),
}


@pytest.mark.parametrize(("sheets", "category", "net", "texts"), [
    (SWEDISH, "INTERPRET", Decimal("210.00"), ["E2", "F2", "G2"]),
    (ENGLISH, "SOCIAL", Decimal("612.75"), []),
])
def test_swedish_and_english_workbooks(
    tmp_path: Path, sheets: dict[str, Sheet], category: str, net: Decimal, texts: list[str]
) -> None:
    """Sheet names, headers, keys and category labels are read in Swedish and English too;
    amounts typed as text ("210,00") are read, each with its WB-015 remark."""
    claim, report = read_claim(write_xlsx(tmp_path / "claim.xlsx", sheets))
    expense_sheet = next(title for title in sheets if title in {"Kostnader", "Expenses"})
    assert report.flat("WB") == [("WB-015", expense_sheet, cell) for cell in texts]
    assert claim is not None
    assert claim.expenses[0].category == category
    assert report.summary.net_total == net


def test_header_row_anywhere_in_first_twenty_rows(tmp_path: Path) -> None:
    """Titles and notes above the header row are skipped; headers match loosely."""
    sheets = clean_claim()
    headers = [h.upper() + " *" if i % 2 else f"  {h}: " for i, h in enumerate(EXPENSE_HEADERS_FI)]
    sheets["Kulut"] = Sheet([["Kulut 2026"], [], ["Täytä kaikki sarakkeet"], [], headers,
                             *EXPENSES_FI])
    claim, report = read_claim(write_xlsx(tmp_path / "claim.xlsx", sheets))
    assert report.flat("WB") == []
    assert claim is not None
    assert [line.source.row for line in claim.expenses] == [6, 7, 8]


def test_columns_in_any_order(tmp_path: Path) -> None:
    """Column order does not matter: fields follow their headers."""
    sheets = clean_claim()
    order = list(reversed(range(len(EXPENSE_HEADERS_FI))))
    sheets["Kulut"] = Sheet([[row[i] for i in order] for row in sheets["Kulut"].rows])
    claim, report = read_claim(write_xlsx(tmp_path / "claim.xlsx", sheets))
    assert report.flat("WB") == []
    assert claim is not None
    assert claim.expenses[0].net_amount == Decimal("480.00")
    assert claim.expenses[0].source.cells["service_date"].column == "K"


def test_single_sheet_workbook_is_the_expenses_sheet(tmp_path: Path) -> None:
    """A one-sheet workbook with expense headers is read as expenses; clients from the config."""
    path = write_xlsx(tmp_path / "export.xlsx", {"Sheet1": Sheet([EXPENSE_HEADERS_FI, *EXPENSES_FI])})
    config = Config.model_validate({"clients": [
        {"reference": "IHK-1", "admission_date": "1.1.2026", "home_municipality": "092"},
        {"reference": "IHK-2", "admission_date": "1.1.2026", "home_municipality": "245"},
    ]})
    claim, report = read_claim(path, config=config)
    assert report.flat("WB") == [("WB-010", None, None)] * 6  # no claim sheet to point at
    assert claim is not None
    assert len(claim.expenses) == 3
    assert [c.reference for c in claim.clients] == ["IHK-1", "IHK-2"]


def test_claim_data_from_config_when_no_claim_sheet(tmp_path: Path) -> None:
    """With no claim sheet, the config's claimant and claim defaults are used (no WB-010)."""
    sheets = clean_claim()
    del sheets["Hakemus"]
    (tmp_path / "elyclaims.toml").write_text(
        '[claimant]\nname = "Vantaan ja Keravan hyvinvointialue"\ntype = "hyvinvointialue"\n'
        'business_id = "3221308-6"\n[claim]\nperiod_start = 2026-07-01\n'
        'period_end = "30.9.2026"\npurpose = "päätöshakemus"\n', encoding="utf-8")
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), config=load_config())
    assert report.flat("WB") == []
    assert claim is not None
    assert claim.period_end == date(2026, 9, 30)
    assert str(claim.location("business_id")) == "elyclaims.toml (claimant.business_id)"


def test_claim_sheet_overrides_config(tmp_path: Path) -> None:
    """A value in the claim sheet wins over the config's default."""
    config = Config.model_validate({"claimant": {"name": "Default name"}})
    claim, _ = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()), config=config)
    assert claim is not None
    assert claim.claimant.name == "Vantaan ja Keravan hyvinvointialue"


def test_wb002_missing_sheets(tmp_path: Path) -> None:
    """Without clients and expenses sheets, each is one WB-002 finding."""
    path = write_xlsx(tmp_path / "c.xlsx", {"Hakemus": clean_claim()["Hakemus"],
                                            "Muistiinpanot": Sheet([["huom"]])})
    _, report = read_claim(path)
    missing = [f for f in report.findings if f.rule == "WB-002"]
    assert len(missing) == 2
    assert "Asiakkaat" in missing[0].message("fi")
    assert "Kulut" in missing[1].message("fi")


def test_wb003_missing_required_column(tmp_path: Path) -> None:
    """A required column that is absent is WB-003 listing the accepted headers."""
    sheets = clean_claim()
    index = EXPENSE_HEADERS_FI.index("Veroton summa")
    sheets["Kulut"] = Sheet([[v for i, v in enumerate(r) if i != index] for r in sheets["Kulut"].rows])
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    found = [f for f in report.findings if f.rule == "WB-003"]
    assert len(found) == 1
    assert found[0].location.sheet == "Kulut"
    assert "Veroton summa / Belopp utan moms / Net amount" in found[0].message("en")


def test_wb003_no_header_row(tmp_path: Path) -> None:
    """A named sheet without a recognisable header row is one WB-003, not also a WB-002."""
    sheets = clean_claim()
    sheets["Kulut"] = Sheet([["just", "some", "text"], [1, 2, 3]])
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    assert [f.key for f in report.findings if f.rule.startswith("WB-00")] == ["WB-003/no_header"]


@pytest.mark.parametrize(("header", "value", "variant", "cell"), [
    ("Palvelupäivä", "31.2.2026", "date", "A2"),
    ("Palvelupäivä", "ensi viikolla", "date", "A2"),
    ("Veroton summa", "480 euroa ja 5 senttiä", "money", "I2"),
    ("ALV", "#DIV/0!", "error_value", "J2"),
])
def test_wb004_unreadable_cell(
    tmp_path: Path, header: str, value: object, variant: str, cell: str
) -> None:
    """A cell that is not its column's type is WB-004 on that cell, with the value shown."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1] = expense_row(**{header.replace(" ", "_"): value})
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    found = [f for f in report.findings if f.rule == "WB-004"]
    assert [(f.key, f.location.cell, f.location.sheet) for f in found] == [
        (f"WB-004/{variant}", cell, "Kulut")
    ]
    assert found[0].value == value
    assert found[0].line_id == "Kulut:2"
    assert claim is not None
    assert len(claim.expenses) == 3  # the line is kept, the bad cell left empty


def test_wb004_client_columns(tmp_path: Path) -> None:
    """Clients' year, date and yes/no columns report WB-004 on their own cells."""
    sheets = clean_claim()
    sheets["Asiakkaat"] = Sheet([[*CLIENT_HEADERS_FI, "Ilman huoltajaa", "Turvapaikanhakija"],
                                 ["IHK-1", "eilen", None, "092,5", None, "1990s", "ehkä", "joo"],
                                 ["IHK-2", date(2026, 3, 2), None, "245", None, 1985, "x",
                                  "31.3.2026"]])
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    assert [(f.key, f.location.cell) for f in report.findings if f.rule == "WB-004"] == [
        ("WB-004/date", "B2"), ("WB-004/code", "D2"), ("WB-004/year", "F2"),
        ("WB-004/yes_no", "G2"), ("WB-004/yes_no_date", "H2"),
    ]
    assert claim is not None
    second = claim.clients[1]
    assert second.unaccompanied is True
    assert second.asylum_seeker is not None
    assert second.asylum_seeker.until == date(2026, 3, 31)


def test_wb004_claim_sheet_purpose(tmp_path: Path) -> None:
    """An unknown purpose on the claim sheet is WB-004 on its value cell."""
    sheets = clean_claim()
    sheets["Hakemus"].rows[6] = ["Tarkoitus", "lahjoitus"]
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    found = [f for f in report.findings if f.rule.startswith("WB")]
    assert [(f.key, f.location.cell) for f in found] == [("WB-004/purpose", "B7")]


def _with_formula_without_value(path: Path, cell: str) -> None:
    """Rewrite *path* so that *cell* of the Kulut sheet holds a formula and no cached value."""
    book = Workbook()
    book.remove(book.active)
    # openpyxl writes formulas without cached values, exactly like the tools WB-005 is about.
    from openpyxl import load_workbook

    source = load_workbook(path)
    source["Kulut"][cell] = "=I3*2"
    source.save(path)
    with zipfile.ZipFile(path) as archive:
        assert any(b"<f>" in archive.read(n) for n in archive.namelist()
                   if n.startswith("xl/worksheets/"))


def test_wb005_formula_without_cached_value(tmp_path: Path) -> None:
    """A formula with no cached value is WB-005 on its cell, and not also an empty amount."""
    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    _with_formula_without_value(path, "I4")
    claim, report = read_claim(path)
    assert report.flat("WB") == [("WB-005", "Kulut", "I4")]
    assert claim is not None
    assert "net_amount" in claim.expenses[2].source.unreadable


def test_formula_with_cached_value_is_read(tmp_path: Path) -> None:
    """A formula with a cached value (as Excel saves it) is read through that value."""
    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    _with_formula_without_value(path, "I4")
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    for name, data in members.items():
        if name.startswith("xl/worksheets/") and b"<f>I3*2</f>" in data:
            members[name] = data.replace(b"<f>I3*2</f><v></v>", b"<f>I3*2</f><v>240</v>").replace(
                b"<f>I3*2</f></c>", b"<f>I3*2</f><v>240</v></c>")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    claim, report = read_claim(path)
    assert report.flat("WB") == []
    assert claim is not None
    assert claim.expenses[2].net_amount == Decimal("240.00")


def test_wb006_totals_row_disagrees(tmp_path: Path) -> None:
    """A totals row that does not match the lines is WB-006 on the totals cell; the line after
    it is still read (a totals row never ends the table)."""
    sheets = clean_claim()
    sheets["Kulut"].rows.append(["Yhteensä", None, None, None, None, None, None, None,
                                 "2450.00", 30.6, 2480.85])
    sheets["Kulut"].rows.append(expense_row(Veroton_summa=999))
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    found = [f for f in report.findings if f.rule == "WB-006"]
    assert [(f.location.cell, f.severity) for f in found] == [("I5", Severity.WARNING)]
    assert found[0].parameters == {"stated": "2450.00", "computed": "2450.25",
                                   "difference": "-0.25", "running": "2450.25"}
    assert claim is not None
    assert len(claim.expenses) == 4
    assert report.summary.net_total == Decimal("3449.25")


def test_matching_totals_row_is_only_reported_as_skipped(tmp_path: Path) -> None:
    """A correct totals row (Summa, Totalt or Total) is no line: one WB-012 info, no WB-006."""
    for label in ("Summa", "Totalt", "TOTAL"):
        sheets = clean_claim()
        sheets["Kulut"].rows.append([label, None, None, None, None, None, None, None,
                                     2450.25, 30.6, 2480.85])
        _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
        assert [f.key for f in report.findings if f.rule.startswith("WB")] == ["WB-012/totals"]
        assert report.summary.lines == 3


def test_wb007_unknown_column(tmp_path: Path) -> None:
    """An unknown column is one info finding on its header cell and is otherwise ignored."""
    sheets = clean_claim()
    for row in sheets["Kulut"].rows:
        row.append("Kustannuspaikka" if row is sheets["Kulut"].rows[0] else "4410")
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    found = [f for f in report.findings if f.rule == "WB-007"]
    assert [(f.location.cell, f.severity) for f in found] == [("L1", Severity.INFO)]
    assert "Kustannuspaikka" in found[0].message("fi")


def test_wb008_hidden_rows_and_sheets(tmp_path: Path) -> None:
    """Hidden rows and sheets are read like visible ones and reported as infos."""
    sheets = clean_claim()
    sheets["Kulut"].hidden_rows = {3, 4}
    sheets["Asiakkaat"].hidden = True
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    found = [(f.key, f.location.sheet, f.location.row) for f in report.findings
             if f.rule == "WB-008"]
    assert found == [("WB-008", "Asiakkaat", None), ("WB-008/rows", "Kulut", 3)]
    assert claim is not None
    assert len(claim.expenses) == 3
    assert "3-4" in next(f for f in report.findings if f.key == "WB-008/rows").message("en")


def test_wb009_three_decimals(tmp_path: Path) -> None:
    """An amount with a real third decimal is WB-009 on its cell; float noise is not."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1] = expense_row(Veroton_summa=480.125, ALV=0.1 + 0.2)
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    assert report.flat("WB") == [("WB-009", "Kulut", "I2")]


def test_wb010_claim_data_missing(tmp_path: Path) -> None:
    """Missing claimant, period or purpose in both sheet and config is WB-010, one per key."""
    sheets = clean_claim()
    sheets["Hakemus"].rows = [r for r in sheets["Hakemus"].rows
                              if r[0] not in {"Kausi päättyy", "Tarkoitus"}]
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    found = [f for f in report.findings if f.rule == "WB-010"]
    assert [f.location.field for f in found] == ["period_end", "purpose"]
    assert [found[1].message(lang).rsplit(": ", 1)[1] for lang in ("fi", "sv", "en")] == [
        "Tarkoitus.", "Syfte.", "Purpose."]  # the key's name in the reader's language only


def test_a_claim_key_written_without_its_value_is_the_cell_of_the_finding(
        tmp_path: Path) -> None:
    """A key on the claim sheet with nothing beside it: WB-010 names the empty cell beside the
    key (``Hakemus!B5 (Tarkoitus)``); a key not written at all, the sheet and the field."""
    sheets = clean_claim()
    sheets["Hakemus"].rows = [[r[0], None] if r[0] == "Tarkoitus" else r
                              for r in sheets["Hakemus"].rows if r[0] != "Kausi päättyy"]
    row = next(n for n, r in enumerate(sheets["Hakemus"].rows, 1) if r[0] == "Tarkoitus")
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    found = {f.location.field: str(f.location) for f in report.findings if f.rule == "WB-010"}
    assert found == {"period_end": "Hakemus", "purpose": f"Hakemus!B{row} (Tarkoitus)"}


def test_empty_rows_are_skipped(tmp_path: Path) -> None:
    """Empty rows between lines are skipped and row numbers stay true to the sheet."""
    sheets = clean_claim()
    rows = sheets["Kulut"].rows
    sheets["Kulut"].rows = [rows[0], rows[1], [], [None, "  "], rows[2], rows[3]]
    claim, _ = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    assert claim is not None
    assert [line.line_id for line in claim.expenses] == ["Kulut:2", "Kulut:5", "Kulut:6"]


def test_sheet_named_in_config(tmp_path: Path) -> None:
    """A sheet with an unrecognised name is used when the config names it."""
    sheets = clean_claim()
    sheets["Q3 kustannukset"] = Sheet([["Kululaji"], ["ei taulukko"]])
    sheets["Data"] = sheets.pop("Kulut")
    config = Config.model_validate({"sheets": {"expenses": "Data"}})
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), config=config)
    assert report.flat("WB") == []
    assert claim is not None
    assert claim.expenses[0].line_id == "Data:2"


def test_input_is_not_modified(tmp_path: Path) -> None:
    """Reading never changes the input file."""
    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    read_claim(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


# ----------------------------------------------------------------------------------- CSV


def _csv_claim(tmp_path: Path, delimiter: str, encoding: str) -> list[Path]:
    claim = [[k, v] for k, v in clean_claim()["Hakemus"].rows]
    return [
        write_csv(tmp_path / "hakemus.csv", claim, delimiter=delimiter, encoding=encoding),
        write_csv(tmp_path / "asiakkaat.csv", [CLIENT_HEADERS_FI, *CLIENTS_FI],
                  delimiter=delimiter, encoding=encoding),
        write_csv(tmp_path / "kulut.csv", [EXPENSE_HEADERS_FI, *EXPENSES_FI],
                  delimiter=delimiter, encoding=encoding),
    ]


@pytest.mark.parametrize(("delimiter", "encoding"), [
    (";", "utf-8"), (";", "utf-8-sig"), (";", "cp1252"), (",", "utf-8"), ("\t", "utf-8-sig"),
    (",", "cp1252"),
])
def test_csv_exports(tmp_path: Path, delimiter: str, encoding: str) -> None:
    """CSV files with any delimiter and encoding give the same claim as the workbook."""
    claim, report = read_claim(_csv_claim(tmp_path, delimiter, encoding))
    assert report.flat("WB") == []
    assert claim is not None
    assert claim.claimant.name == "Vantaan ja Keravan hyvinvointialue"
    assert [c.reference for c in claim.clients] == ["IHK-1", "IHK-2"]
    assert totals(report) == CLEAN_TOTALS
    assert str(claim.expenses[0].source.location("net_amount")) == "kulut.csv: line 2, column Veroton summa"


def test_a_csv_totals_row_is_read_with_the_files_decimal_point(tmp_path: Path) -> None:
    """In a comma-separated export (a decimal point), a subtotal of "2,000" is two thousand
    euros, as the lines' amounts are read: it matches them (no WB-006)."""
    paths = _csv_claim(tmp_path, ",", "utf-8")
    first = list(EXPENSES_FI[0])
    second = [*first[:7], "T-2", 1520, 0, 1520]
    subtotal = ["Välisumma", *[None] * 7, "2,000", None, None]
    write_csv(paths[2], [EXPENSE_HEADERS_FI, first, second, subtotal], delimiter=",")
    claim, report = read_claim(paths, today=date(2026, 11, 29), ledger=None)
    assert claim is not None
    assert [f.key for f in report.findings if f.rule.startswith("WB")] == ["WB-012/totals"]
    assert report.summary.net_total == Decimal("2000.00")


def test_csv_roles_from_headers_not_names(tmp_path: Path) -> None:
    """CSV files named anything are recognised from their headers and keys."""
    paths = _csv_claim(tmp_path, ";", "utf-8")
    renamed = []
    for number, path in enumerate(paths):
        target = path.with_name(f"export{number}.csv")
        path.rename(target)
        renamed.append(target)
    claim, report = read_claim(renamed)
    assert report.flat("WB") == []
    assert claim is not None
    assert len(claim.expenses) == 3


def test_csv_only_expenses_with_config(tmp_path: Path) -> None:
    """Only the expenses CSV, with claim and clients from the config, checks cleanly."""
    path = write_csv(tmp_path / "kulut.csv", [EXPENSE_HEADERS_FI, *EXPENSES_FI])
    config = Config.model_validate({
        "claimant": {"name": "X", "type": "kunta", "business_id": "0201256-6"},
        "claim": {"period_start": "1.7.2026", "period_end": "30.9.2026", "purpose": "päätöshakemus"},
        "clients": [{"reference": "IHK-1", "admission_date": "1.1.2026", "home_municipality": "092"}],
    })
    claim, report = read_claim(path, config=config)
    assert report.flat("WB") == []
    assert claim is not None
    assert len(claim.clients) == 1


def test_csv_that_is_no_table(tmp_path: Path) -> None:
    """A CSV file with no known headers or keys is one WB-001 finding."""
    path = tmp_path / "notes.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    claim, report = read_claim(path)
    assert claim is None
    assert [f.key for f in report.findings] == ["WB-001/no_tables"]


def test_csv_in_unknown_encoding(tmp_path: Path) -> None:
    """Bytes that are neither UTF-8 nor Windows-1252 are WB-001 csv_encoding."""
    path = tmp_path / "kulut.csv"
    path.write_bytes("Palvelupäivä;Kuvaus\n".encode() + b"\x81\x8d\x8f;x\n")
    _, report = read_claim(path)
    assert [f.key for f in report.findings] == ["WB-001/csv_encoding"]


def test_xlsm_workbook_is_read(tmp_path: Path) -> None:
    """A macro-enabled .xlsm workbook is read like an .xlsx."""
    claim, report = read_claim(write_xlsx(tmp_path / "claim.xlsm", clean_claim()))
    assert report.flat("WB") == []
    assert claim is not None
    assert len(claim.expenses) == 3


def test_too_large_file(tmp_path: Path) -> None:
    """A file over the size limit is one WB-001 finding naming the limit, unread."""
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()),
                           limits=ReadLimits(file_bytes=1000))
    assert [f.key for f in report.findings] == ["WB-001/limit"]
    assert report.findings[0].parameters["limit"] == "file_bytes"


def test_check_claim_reports_again_every_value_the_workbook_could_not_read(tmp_path: Path) -> None:
    """check_claim on a claim read before: each value recorded as unreadable is WB-004 "unread"
    on its own cell again (the claim sheet's, a client's, each of a line's, with the line), the
    report sheet by sheet as a read's, and every rule runs as on the read: the same findings
    besides WB-004."""
    sheets = clean_claim()
    sheets["Hakemus"].rows[6] = ["Tarkoitus", "lahjoitus"]
    sheets["Asiakkaat"].rows[2][1] = "eilen"
    sheets["Kulut"].rows[2] = list(EXPENSES_FI[1])
    sheets["Kulut"].rows[2][0] = "ensi viikolla"
    sheets["Kulut"].rows[2][8] = "120 euroa ja 5 senttiä"
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=date(2026, 12, 1),
                               ledger=None)
    assert claim is not None
    rechecked = check_claim(claim, today=date(2026, 12, 1), ledger=None)
    assert [(f.key, f.location.sheet, f.location.cell, f.line_id)
            for f in rechecked.findings if f.rule == "WB-004"] == [
        ("WB-004/unread", "Hakemus", "B7", None),
        ("WB-004/unread", "Asiakkaat", "B3", None),
        ("WB-004/unread", "Kulut", "A3", "Kulut:3"),
        ("WB-004/unread", "Kulut", "I3", "Kulut:3"),
    ]
    assert [f for f in rechecked.findings if f.rule != "WB-004"] == [
        f for f in report.findings if f.rule != "WB-004"]
    assert rechecked.summary == report.summary


def test_check_claim_checks_a_claim_changed_after_its_read(tmp_path: Path) -> None:
    """A claim changed in code is checked as it is now: a category made unknown is EL-005 on
    its line's cell, and a clean claim's recheck finds nothing."""
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()),
                               today=date(2026, 12, 1), ledger=None)
    assert claim is not None
    assert report.findings == []
    assert check_claim(claim, today=date(2026, 12, 1), ledger=None).findings == []
    lines = list(claim.expenses)
    lines[1] = lines[1].model_copy(update={"category": "LAHJA"})
    changed = check_claim(claim.model_copy(update={"expenses": lines}), today=date(2026, 12, 1),
                          ledger=None)
    assert [(f.key, f.location.sheet, f.location.cell, f.value) for f in changed.findings] == [
        ("EL-005", "Kulut", "C3", "LAHJA")]
