"""The finance officer's files: the template, the annotated copy and the HTML report, each
built for real (openpyxl, LibreOffice where installed) and read back."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook

from conftest import REPO, run_elyclaims
from elyclaims.vocabulary import FIELDS_BY_ROLE, TEMPLATE_STAMP, TEMPLATE_VERSION, Role, label_index
from workbooks import CLEAN_TOTALS, CLIENTS_FI, EXPENSES_FI, clean_claim, expense_row, write_xlsx

LANGUAGES = ("fi", "sv", "en")
SHEETS = {"fi": ["Hakemus", "Asiakkaat", "Kulut"], "sv": ["Ansökan", "Klienter", "Kostnader"],
          "en": ["Claim", "Clients", "Expenses"]}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- the template


def _template(folder: Path, lang: str) -> Path:
    target = folder / f"pohja-{lang}.xlsx"
    run = run_elyclaims("template", target, "--lang", lang)
    assert run.code == 0, run.err
    return target


def _validations(sheet: Any) -> list[Any]:
    return list(sheet.data_validations.dataValidation)


def _choices(sheet: Any, cell: str) -> list[str]:
    """The dropdown words that the validation covering *cell* offers."""
    for validation in _validations(sheet):
        if validation.type == "list" and cell in validation.sqref:
            return str(validation.formula1).strip('"').split(",")
    raise AssertionError(f"no dropdown on {sheet.title}!{cell}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_template_has_the_sheets_headers_dropdowns_and_prompts(tmp_path: Path,
                                                                    lang: str) -> None:
    """Three sheets named in the language; headers in it; a prompt on every header; dropdowns
    for category, claimant type, purpose and yes/no; date and money formats; frozen headers;
    the hidden version stamp."""
    book = load_workbook(_template(tmp_path, lang))
    assert book.sheetnames == SHEETS[lang]
    claim, clients, expenses = (book[name] for name in SHEETS[lang])
    position = LANGUAGES.index(lang)
    assert [row[0].value for row in claim.iter_rows()] == [
        spec.labels[position] for spec in FIELDS_BY_ROLE[Role.CLAIM]]
    for sheet, role in ((clients, Role.CLIENTS), (expenses, Role.EXPENSES)):
        headers = [cell.value for cell in sheet[1]]
        assert headers == [spec.labels[position] for spec in FIELDS_BY_ROLE[role]
                           if spec.name != "acknowledged"]
        assert sheet.freeze_panes == "A2"
        prompted = {str(v.sqref) for v in _validations(sheet) if v.prompt}
        for column in range(1, len(headers) + 1):
            assert sheet.cell(row=1, column=column).coordinate in prompted
        # Excel applies one validation per cell: no two ranges overlap.
        ranges = [str(v.sqref) for v in _validations(sheet)]
        assert len(ranges) == len(set(ranges))
    letters = {cell.value: cell.column_letter for cell in expenses[1]}
    by_field = {label_index(Role.EXPENSES)[_key(h)].name: letter for h, letter in letters.items()}
    assert len(_choices(expenses, f"{by_field['category']}2")) == 5
    assert expenses.column_dimensions[by_field["service_date"]].number_format == "d.m.yyyy"
    assert expenses.column_dimensions[by_field["net_amount"]].number_format == "#,##0.00"
    rows = {row[0].value: row[0].row for row in claim.iter_rows()}
    claimant_type = FIELDS_BY_ROLE[Role.CLAIM][2].labels[position]
    assert len(_choices(claim, f"B{rows[claimant_type]}")) == 5  # …, ÅHS, KST
    assert len(_choices(expenses, f"{by_field['supply_type']}2")) == 5  # the supply types
    client_letters = {cell.value: cell.column_letter for cell in clients[1]}
    unaccompanied = next(spec for spec in FIELDS_BY_ROLE[Role.CLIENTS]
                     if spec.name == "unaccompanied").labels[position]
    assert len(_choices(clients, f"{client_letters[unaccompanied]}2")) == 2
    assert book.defined_names[TEMPLATE_STAMP].attr_text == f'"{TEMPLATE_VERSION}"'
    assert book.defined_names[TEMPLATE_STAMP].hidden


def _key(text: str) -> str:
    from elyclaims.vocabulary import match_key

    return match_key(text)


def _fill(path: Path, lang: str) -> Path:
    """Fill the template as an officer would: the clean claim's values, each dropdown cell
    with a word the dropdown itself offers."""
    book = load_workbook(path)
    claim, clients, expenses = (book[name] for name in SHEETS[lang])
    rows = {spec.name: number for number, spec in enumerate(FIELDS_BY_ROLE[Role.CLAIM], start=1)}
    values = {"claimant_name": "Vantaan ja Keravan hyvinvointialue", "business_id": "3221308-6",
              "claimant_code": "04", "period_start": date(2026, 7, 1),
              "period_end": date(2026, 9, 30), "recipient": "Uudenmaan elinvoimakeskus",
              "iban": "FI5212345600007890", "contact_person": "Maija Esimerkki",
              "email": "korvaukset@example.fi"}
    for name, value in values.items():
        claim.cell(row=rows[name], column=2, value=value)
    claim.cell(row=rows["claimant_type"], column=2,
               value=_choices(claim, f"B{rows['claimant_type']}")[0])
    claim.cell(row=rows["purpose"], column=2, value=_choices(claim, f"B{rows['purpose']}")[0])
    client_columns = {label_index(Role.CLIENTS)[_key(c.value)].name: c.column for c in clients[1]}
    for number, client in enumerate(CLIENTS_FI, start=2):
        reference, admitted, _, home, since, born = client
        for name, value in (("client_reference", reference), ("admission_date", admitted),
                            ("home_municipality", home), ("home_municipality_since", since),
                            ("birth_year", born)):
            clients.cell(row=number, column=client_columns[name], value=value)
        no = _choices(clients, f"{clients.cell(row=2, column=client_columns['unaccompanied']).coordinate}")[1]
        clients.cell(row=number, column=client_columns["unaccompanied"], value=no)
    columns = {label_index(Role.EXPENSES)[_key(c.value)].name: c.column for c in expenses[1]}
    category_cell = expenses.cell(row=2, column=columns["category"]).coordinate
    categories = dict(zip(("HEALTH", "SOCIAL", "INTERPRET", "SAFETY", "OTHER"),
                          _choices(expenses, category_cell), strict=True))
    names = ("service_date", "client_reference", "category", "description", "justification",
             "provider", "provider_business_id", "invoice_number", "net_amount", "vat_amount",
             "gross_amount")
    for number, line in enumerate(EXPENSES_FI, start=2):
        for name, value in zip(names, line, strict=True):
            value = categories[value] if name == "category" else value
            expenses.cell(row=number, column=columns[name], value=value)
    filled = path.with_name(f"filled-{path.name}")
    book.save(filled)
    return filled


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_template_filled_in_correctly_validates_clean(tmp_path: Path, lang: str) -> None:
    """The template filled with the clean claim, choosing from its own dropdowns, is clean,
    with the clean claim's totals."""
    run = run_elyclaims("validate", _fill(_template(tmp_path, lang), lang), "--format", "json",
                        "--today", "2026-11-29")
    assert run.code == 0, run.out
    report = json.loads(run.out)
    assert report["findings"] == []
    assert report["summary"] == report["summary"] | CLEAN_TOTALS.json()


def test_an_empty_template_is_wb011_not_a_crash(tmp_path: Path) -> None:
    """An empty template: WB-011 (no lines) and the missing claim details, exit 1."""
    run = run_elyclaims("validate", _template(tmp_path, "sv"), "--format", "json")
    assert run.code == 1
    assert "Traceback" not in run.err
    rules = {finding["rule"] for finding in json.loads(run.out)["findings"]}
    assert "WB-011" in rules
    assert "WB-014" not in rules


def test_the_template_never_replaces_a_file_without_force(tmp_path: Path) -> None:
    """An existing file is kept (exit 2, saying why) unless --force is given."""
    target = tmp_path / "kulut.xlsx"
    write_xlsx(target, clean_claim())
    before = _sha(target)
    run = run_elyclaims("template", target, "--lang", "fi")
    assert run.code == 2
    assert "on jo olemassa" in run.err
    assert _sha(target) == before
    assert run_elyclaims("template", target, "--lang", "en", "--force").code == 0
    assert load_workbook(target).sheetnames == SHEETS["en"]


def _stamped(source: Path, target: Path, version: str) -> Path:
    """A copy of *source* whose version stamp says *version* (the bytes of workbook.xml)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace(f'>"{TEMPLATE_VERSION}"<'.encode(), f'>"{version}"<'.encode())
            copy.writestr(info, data)
    return target


@pytest.mark.parametrize(("version", "variant"), [("0", "WB-014"), ("99", "WB-014/newer")])
def test_a_workbook_from_another_template_version_is_wb014(tmp_path: Path, version: str,
                                                           variant: str) -> None:
    """An older (or newer) template version is one WB-014 info naming both versions."""
    filled = _fill(_template(tmp_path, "fi"), "fi")
    run = run_elyclaims("validate", _stamped(filled, tmp_path / "old.xlsx", version), "--format",
                        "json", "--lang", "fi", "--today", "2026-11-29")
    assert run.code == 0
    found = [f for f in json.loads(run.out)["findings"] if f["rule"] == "WB-014"]
    assert [f["message_key"] for f in found] == [variant]
    assert f"({version})" in found[0]["message"]
    assert str(TEMPLATE_VERSION) in found[0]["message"]
    assert found[0]["severity"] == "info"


def _libreoffice() -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed here (the CI image installs it where it can)")
    return soffice


def _resave(soffice: str, source: Path, folder: Path) -> Path:
    folder.mkdir()
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to", "xlsx", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=180)
    return folder / source.name


@pytest.mark.slow
def test_a_template_saved_by_libreoffice_keeps_its_stamp_and_validates_clean(
        tmp_path: Path) -> None:
    """LibreOffice keeps the version stamp (no WB-014) and the filled template stays clean."""
    soffice = _libreoffice()
    resaved = _resave(soffice, _fill(_template(tmp_path, "fi"), "fi"), tmp_path / "lo")
    with zipfile.ZipFile(resaved) as archive:
        assert TEMPLATE_STAMP.encode() in archive.read("xl/workbook.xml")
    run = run_elyclaims("validate", resaved, "--format", "json", "--today", "2026-11-29")
    assert run.code == 0, run.out
    assert json.loads(run.out)["findings"] == []


# ---------------------------------------------------------------------- the annotated copy


def _troubled(folder: Path) -> Path:
    """A workbook with errors, warnings and infos on some rows and clean rows between."""
    sheets = clean_claim()
    rows = sheets["Kulut"].rows
    rows.append(expense_row(Palvelupäivä="32.13.2026"))                      # error: date
    rows.append(expense_row(Kululaji="lentoliput", Laskun_numero="T-9"))     # error: category
    rows.append(expense_row(Laskun_numero="T-1"))                             # duplicate invoice
    rows.append([*list(EXPENSES_FI[1][:8]), 120, 30.6, 150.6])               # clean
    rows[-1][7] = "TP-7"
    rows.append(["Yhteensä"] + [None] * 7 + [5000, None, None])               # WB-006 / WB-012
    rows.append(expense_row(Veroton_summa=None, Laskun_numero="T-11"))       # error: no amount
    return write_xlsx(folder / "kulut.xlsx", sheets)


def _comments(book: Any, sheet: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row in book[sheet].iter_rows():
        for cell in row:
            if cell.comment is not None:
                found.setdefault(cell.row, []).append(cell.comment.text)
    return found


def test_the_annotated_copy_comments_every_problem_row_and_no_clean_row(tmp_path: Path) -> None:
    """Every row with an error or warning carries a comment naming its rules, filled by
    severity; clean rows carry nothing; the summary sheet comes first and links each finding
    to its cell; the original is unchanged."""
    source = _troubled(tmp_path)
    before = _sha(source)
    target = tmp_path / "merkitty.xlsx"
    run = run_elyclaims("validate", source, "--annotate", target, "--format", "json", "--lang",
                        "fi", "--today", "2026-11-29")
    assert run.code == 1
    report = json.loads(run.out)
    assert _sha(source) == before
    findings = [f for f in report["findings"] if f["sheet"] == "Kulut" and f["row"]]
    problem_rows = {f["row"] for f in findings if f["severity"] in {"error", "warning"}}
    assert len(problem_rows) >= 4
    book = load_workbook(target)
    assert book.sheetnames[0] == "elyclaims-havainnot"
    assert book.sheetnames[1:] == ["Hakemus", "Asiakkaat", "Kulut"]
    comments = _comments(book, "Kulut")
    assert problem_rows <= set(comments)
    clean_rows = set(range(2, book["Kulut"].max_row + 1)) - {f["row"] for f in findings}
    assert clean_rows
    assert not clean_rows & set(comments)
    for finding in findings:
        text = "\n".join(comments[finding["row"]])
        assert finding["rule"] in text
        assert finding["message"] in text
    for finding in findings:
        if finding["cell"] and finding["severity"] == "error":
            assert book["Kulut"][finding["cell"]].fill.fgColor.rgb.endswith("FFC7CE")
    summary = book.worksheets[0]
    links = {cell.value: cell.hyperlink.location for row in summary.iter_rows()
             for cell in row if cell.hyperlink is not None}
    assert len(links) >= len({f["cell"] for f in findings if f["cell"]})
    assert "'Kulut'!" + findings[0]["cell"] in links.values()
    assert report["annotated"]["commented_cells"] >= len(problem_rows)
    assert f"on kommentit {report['annotated']['commented_cells']} solussa" in run.err


def test_annotating_csv_input_is_exit_2(tmp_path: Path) -> None:
    """Only workbooks can be annotated: CSV input is exit 2 with a message saying so, and
    nothing is written."""
    from workbooks import EXPENSE_HEADERS_FI, write_csv

    source = write_csv(tmp_path / "kulut.csv", [EXPENSE_HEADERS_FI, *EXPENSES_FI])
    run = run_elyclaims("validate", source, "--annotate", tmp_path / "out.xlsx")
    assert run.code == 2
    assert "only workbooks (.xlsx, .xlsm, .xls, .ods) can be annotated, not CSV files" in run.err
    assert not (tmp_path / "out.xlsx").exists()
    same = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    assert run_elyclaims("validate", same, "--annotate", same).code == 2


def _claim_of_21_rows(path: Path) -> Path:
    """A claim of 21 expense lines, two of them with errors and one with a warning."""
    sheets = clean_claim()
    rows = sheets["Kulut"].rows
    for number in range(18):
        row = list(rows[1])
        row[7] = f"T-{number + 10}"
        row[3] = "Psykoterapia, käynti ja siihen liittyvä ohjaus"
        rows.append(row)
    rows[5][9] = 24  # VAT on a health care line: AM-006
    rows[7][0] = "32.8.2026"  # no date: WB-004
    return write_xlsx(path, sheets)


@pytest.mark.slow
def test_the_annotated_copy_prints_on_few_pages(tmp_path: Path) -> None:
    """The annotated copy prints as an officer expects: each sheet on A4, its used cells only,
    one page wide (landscape where it is wide), its header row on every page; converted to
    PDF by LibreOffice, a 21-line claim fits on a page per sheet (two for the summary), and
    the sample's copy on four pages (fifteen before)."""
    from pypdf import PdfReader

    soffice = _libreoffice()
    copies = []
    for source in (_claim_of_21_rows(tmp_path / "claim21.xlsx"),
                   REPO / "sample_claims" / "vantaa-kerava-hva-2026-q3.xlsx"):
        target = tmp_path / f"{source.stem}.annotated.xlsx"
        run = run_elyclaims("validate", source, "--annotate", target, "--lang", "fi",
                            "--today", "2026-11-29")
        assert run.code in {0, 1}, run.err
        copies.append(target)
    book = load_workbook(copies[0])
    summary, claim, clients, expenses = book.worksheets
    for sheet in book.worksheets:
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_area
    assert expenses.print_title_rows == "$1:$1"
    assert clients.print_title_rows == "$1:$1"
    assert claim.print_title_rows is None
    assert expenses.page_setup.orientation == "landscape"
    assert summary.page_setup.orientation == "landscape"
    headers = next(row[0].row for row in summary.iter_rows() if row[2].value == "Solu")
    assert summary.print_title_rows == f"${headers}:${headers}"
    for row in summary.iter_rows(min_row=headers + 1):
        fix = row[4].value or ""
        assert (summary.row_dimensions[row[0].row].height or 15) >= 15 * (len(fix) // 50 + 1)
    pages = []
    for copy in copies:
        folder = tmp_path / f"pdf-{copy.stem}"
        folder.mkdir()
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile",
                        "--convert-to", "pdf", "--outdir", str(folder), str(copy)],
                       check=True, capture_output=True, timeout=180)
        pages.append(len(PdfReader(folder / f"{copy.stem}.pdf").pages))
    assert pages[0] <= 5
    assert pages[1] <= 4


def test_an_ods_or_xls_workbook_is_annotated_into_an_xlsx_copy(tmp_path: Path) -> None:
    """An .ods (or .xls) workbook's annotated copy is an .xlsx workbook of its values with the
    findings on their cells; the copy's name says .xlsx whatever suffix was asked for, and the
    summary says what the copy does not keep."""
    source = REPO / "tests" / "fixtures" / "libreoffice-subtotals.ods"
    run = run_elyclaims("validate", source, "--annotate", tmp_path / "copy.ods", "--format",
                        "json")
    assert run.code in {0, 1}, run.err
    report = json.loads(run.out)
    assert report["annotated"]["path"] == str(tmp_path / "copy.xlsx")
    assert not (tmp_path / "copy.ods").exists()
    book = load_workbook(tmp_path / "copy.xlsx")
    assert book.sheetnames[0] == "elyclaims findings"
    located = [f for f in report["findings"] if f["sheet"] and f["row"]]
    assert located
    for finding in located:
        assert finding["row"] in _comments(book, finding["sheet"])
    summary = " ".join(str(cell.value) for row in book.worksheets[0].iter_rows()
                       for cell in row if cell.value)
    assert "this .xlsx copy holds its values" in summary


def test_the_annotated_copy_of_a_libreoffice_workbook(tmp_path: Path) -> None:
    """A workbook saved by LibreOffice (merged cells, subtotals) is annotated too."""
    source = REPO / "tests" / "fixtures" / "libreoffice-subtotals.xlsx"
    target = tmp_path / "copy.xlsx"
    run = run_elyclaims("validate", source, "--annotate", target, "--format", "json")
    assert run.code in {0, 1}
    report = json.loads(run.out)
    book = load_workbook(target)
    assert book.sheetnames[0] == "elyclaims findings"
    located = [f for f in report["findings"] if f["sheet"] and f["row"]]
    for finding in located:
        assert finding["row"] in _comments(book, finding["sheet"])


def test_the_summary_sheet_says_what_the_copy_could_not_keep(tmp_path: Path) -> None:
    """A workbook with a chart: the copy says (in the reader's language) that charts were not
    kept; a plain one says nothing of the kind."""
    from openpyxl.chart import BarChart, Reference

    source = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    book = load_workbook(source)
    chart = BarChart()
    chart.add_data(Reference(book["Kulut"], min_col=9, min_row=1, max_row=4), titles_from_data=True)
    book["Kulut"].add_chart(chart, "N2")
    book.save(tmp_path / "chart.xlsx")
    for name, expected in (("chart.xlsx", True), ("c.xlsx", False)):
        target = tmp_path / f"annotated-{name}"
        run_elyclaims("validate", tmp_path / name, "--annotate", target, "--lang", "sv")
        text = " ".join(str(cell.value) for row in load_workbook(target).worksheets[0].iter_rows()
                        for cell in row if cell.value)
        assert ("diagram" in text) is expected


# -------------------------------------------------------------------------- the HTML report


def _amount(text: str) -> Decimal:
    """An amount as the Finnish report shows it (``1 234,56 €``) as a Decimal."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text).replace("\u2212", "-").replace(",", ".")
    return Decimal(cleaned)


def _tables(page: str) -> dict[str, dict[str, dict[str, Decimal]]]:
    """Each totals table of the page: its rows by key, their amounts by kind."""
    tree = lxml_html.fromstring(page)
    tables: dict[str, dict[str, dict[str, Decimal]]] = {}
    for table in tree.iter("table"):
        name = table.get("data-table")
        if name in {"findings", "lines"}:
            continue
        tables[name] = {row.get("data-key"): {cell.get("data-amount"): _amount(cell.text_content())
                                              for cell in row.iter("td") if cell.get("data-amount")}
                        for row in table.iter("tr")
                        if row.get("data-key") not in {None, "unreadable"}}
    return tables


def _totals_agree(page: str, summary: dict[str, Any]) -> None:
    tables = _tables(page)
    overall = {"net": Decimal(summary["net_total"]), "vat": Decimal(summary["vat_total"]),
               "gross": Decimal(summary["gross_total"])}
    for name in ("categories", "months", "clients"):
        assert tables[name]["overall"] == overall
        rows = [amounts for key, amounts in tables[name].items() if key != "overall"]
        for kind in overall:
            assert sum(row[kind] for row in rows) == overall[kind], (name, kind)
    for code, total in summary["by_category"].items():
        assert tables["categories"][code] == {k: Decimal(total[k]) for k in ("net", "vat", "gross")}


def test_the_report_shows_the_json_reports_totals(tmp_path: Path) -> None:
    """Totals per category equal the JSON report's; per month and per client they add up to
    the same overall totals; the chart has a bar per month and category."""
    sample = REPO / "sample_claims" / "vantaa-kerava-hva-2026-q3.xlsx"
    summary = run_elyclaims("validate", sample, "--format", "json").json()["summary"]
    run = run_elyclaims("report", sample, "-o", tmp_path / "r.html", "--lang", "fi")
    assert run.code == 0, run.err
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    _totals_agree(page, summary)
    assert len(_tables(page)["months"]) == 4  # three months and the total
    assert page.count("<rect ") >= 3
    assert "heinäkuu 2026" in page


def test_the_report_escapes_the_workbooks_text_and_fetches_nothing(tmp_path: Path) -> None:
    """Markup in a cell is shown as text; the page names no resource outside itself."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][3] = '<script>alert("x")</script><img src="http://example.com/x">'
    sheets["Kulut"].rows[1][0] = "32.1.2026"  # an error, so the row's text reaches the findings
    sheets["Hakemus"].rows[0][1] = "Hyvinvointialue <b>&</b>"
    run = run_elyclaims("report", write_xlsx(tmp_path / "c.xlsx", sheets), "-o", tmp_path / "r.html")
    assert run.code == 1
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<b>" not in page
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page
    assert "url(" not in page


def test_build_report_carries_the_page_in_the_package(tmp_path: Path) -> None:
    """build --report puts report.html into the package, listed in the manifest; the package
    inspects clean; `report` on the package gives the same totals."""
    sample = REPO / "sample_claims" / "vantaa-kerava-hva-2026-q3.xlsx"
    package = tmp_path / "p.zip"
    built = run_elyclaims("build", sample, "-o", package, "--report", "--lang", "sv",
                          "--attachments", REPO / "sample_claims" / "liitteet")
    assert built.code == 0, built.out + built.err
    with zipfile.ZipFile(package) as archive:
        page = archive.read("report.html").decode("utf-8")
        assert b'path="report.html"' in archive.read("manifest.xml")
    summary = run_elyclaims("validate", sample, "--format", "json").json()["summary"]
    _totals_agree(page, summary)
    assert "Summor per kostnadsslag" in page
    assert run_elyclaims("inspect", package).code == 0
    again = run_elyclaims("report", package, "-o", tmp_path / "from-package.html", "--lang", "fi")
    assert again.code == 0, again.err
    _totals_agree((tmp_path / "from-package.html").read_text(encoding="utf-8"), summary)


def test_report_on_an_unreadable_input_writes_nothing(tmp_path: Path) -> None:
    """An input that cannot be read: exit 2 and no page."""
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    run = run_elyclaims("report", broken, "-o", tmp_path / "r.html")
    assert run.code == 2
    assert not (tmp_path / "r.html").exists()


# ------------------------------------------------------------------- a real browser renders


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium here: .ci/run installs it from the distribution's packages "
                "where it can")


def _browser(chromium: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--disable-background-networking", "--disable-sync",
         "--no-default-browser-check", "--hide-scrollbars", f"--user-data-dir={folder}/profile",
         *args],
        capture_output=True, text=True, timeout=120, check=True)


def _page_requests(net_log: Path) -> set[str]:
    """The URLs the page asked for, from Chromium's net log: the requests made for a document
    (the browser's own background requests, updates and the like, have no origin)."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requests = {event["params"].get("url") for event in log["events"]
                if event["type"] == start
                and event.get("params", {}).get("initiator") != "not an origin"}
    return {url for url in requests if url}


@pytest.mark.slow
def test_the_report_in_a_real_browser(tmp_path: Path) -> None:
    """Headless Chromium renders the page: a screenshot is taken, the totals it shows equal
    the JSON report's, it prints on A4, and its net log shows no request beyond the file."""
    chromium = _chromium()
    sample = REPO / "sample_claims" / "vantaa-kerava-hva-2026-q3.xlsx"
    summary = run_elyclaims("validate", sample, "--format", "json").json()["summary"]
    page = tmp_path / "report.html"
    assert run_elyclaims("report", sample, "-o", page, "--lang", "fi").code == 0
    url = page.as_uri()
    net_log = tmp_path / "net-log.json"
    screenshot = tmp_path / "report.png"
    _browser(chromium, tmp_path, f"--screenshot={screenshot}", "--window-size=1024,2400",
             f"--log-net-log={net_log}", "--net-log-capture-mode=Everything", url)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000
    dom = _browser(chromium, tmp_path, "--dump-dom", url).stdout
    _totals_agree(dom, summary)
    assert _page_requests(net_log) == set()
    # The same check sees a page's request: it is not one that cannot fail.
    control = tmp_path / "control.html"
    control.write_text('<p>x</p><img src="http://example.invalid/logo.png">', encoding="utf-8")
    control_log = tmp_path / "control-log.json"
    _browser(chromium, tmp_path, f"--screenshot={tmp_path / 'control.png'}",
             f"--log-net-log={control_log}", "--net-log-capture-mode=Everything",
             control.as_uri())
    assert _page_requests(control_log) == {"http://example.invalid/logo.png"}
    pdf = tmp_path / "report.pdf"
    _browser(chromium, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes
    for width, height in boxes:
        assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


def _printed(chromium: str, folder: Path, page: Path) -> list[str]:
    """The text of each page of *page* printed to PDF by Chromium (A4, its own margins)."""
    from pypdf import PdfReader

    pdf = folder / f"{page.stem}.pdf"
    _browser(chromium, folder, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    return [" ".join((sheet.extract_text() or "").split()) for sheet in PdfReader(pdf).pages]


@pytest.mark.slow
def test_the_printed_report_is_the_one_the_authority_files(tmp_path: Path) -> None:
    """The report printed from Chromium: every page carries the claim's id and its page number
    of all; the first says the recipient (chosen as build would), the amount claimed in
    figures and words and the legal basis; a line listing names each line's cell; a claim
    without errors ends with the signature block. A claim with errors is a draft on every
    page and has no signature block."""
    chromium = _chromium()
    clean = write_xlsx(tmp_path / "clean.xlsx", clean_claim())
    page = tmp_path / "clean.html"
    done = run_elyclaims("report", clean, "-o", page, "--lang", "fi", "--today", "2026-11-29")
    assert done.code == 0, done.err
    pages = _printed(chromium, tmp_path, page)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"sivu {number} / {len(pages)}" in text
        assert "3221308-6 1.7.2026 – 30.9.2026" in text
        assert "LUONNOS" not in text
    first = pages[0]
    assert "Vastaanottaja Uudenmaan elinvoimakeskus" in first
    assert "Haettu määrä: 2 450,25 €" in first
    assert "kaksituhatta neljäsataaviisikymmentä euroa ja 25 senttiä" in first
    assert "Laki kotoutumisen edistämisestä 681/2023" in first
    every = " ".join(pages)
    for row in (2, 3, 4):
        assert f"Kulut!I{row}" in every
    assert "Allekirjoitus" in pages[-1]

    sheets = clean_claim()
    sheets["Kulut"].rows[2][0] = "32.8.2026"  # an error: no date
    draft = tmp_path / "draft.html"
    done = run_elyclaims("report", write_xlsx(tmp_path / "draft.xlsx", sheets), "-o", draft,
                         "--lang", "fi", "--today", "2026-11-29")
    assert done.code == 1
    printed = _printed(chromium, tmp_path, draft)
    for text in printed:
        assert "LUONNOS: virheitä on jäljellä, ei lähetettäväksi" in text
    assert "Allekirjoitus" not in " ".join(printed)


def _pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        pytest.skip("pdftotext (poppler-utils) is not installed here; .ci/run installs it")
    return found


@pytest.mark.slow
def test_the_report_as_a_pdfa_document(tmp_path: Path) -> None:
    """report --format pdf writes the same page as a PDF/A-3b document (WeasyPrint): read back
    with pdftotext it holds the amount claimed in words, the claim's id and its page numbers
    on every page, and its metadata says PDF/A-3, conformance B, with the page's title."""
    pdftotext = _pdftotext()
    try:
        import weasyprint  # noqa: F401
    except OSError as error:  # the system has no Pango
        pytest.skip(f"WeasyPrint cannot load Pango here ({error}); .ci/run installs it")
    target = tmp_path / "report.pdf"
    run = run_elyclaims("report", write_xlsx(tmp_path / "c.xlsx", clean_claim()), "-o", target,
                        "--format", "pdf", "--lang", "sv", "--today", "2026-11-29")
    assert run.code == 0, run.err
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    text = subprocess.run([pdftotext, "-layout", str(target), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert f"sida {number} / {len(pages)}" in flat
        assert "3221308-6 1.7.2026 – 30.9.2026" in flat
    flat = " ".join(text.split())
    assert "tvåtusen fyrahundrafemtio euro och 25 cent" in flat
    assert "Nylands livskraftscentral" in flat
    metadata = subprocess.run(["pdfinfo", "-meta", str(target)], capture_output=True,
                              text=True, check=True).stdout
    assert 'pdfaid:part="3"' in metadata
    assert 'pdfaid:conformance="B"' in metadata
    assert "Ansökan om statlig ersättning" in metadata


def test_the_reports_counts_add_up_with_an_unreadable_amount(tmp_path: Path) -> None:
    """A line whose amount cannot be read has a row of its own among the categories, so that
    the category rows' line counts add up to the total's; the recipient is named even when
    the workbook names none (the region's authority, as the package would say)."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][8] = "480,0,0"
    sheets["Hakemus"].rows = [row for row in sheets["Hakemus"].rows if row[0] != "Vastaanottaja"]
    page = tmp_path / "r.html"
    done = run_elyclaims("report", write_xlsx(tmp_path / "c.xlsx", sheets), "-o", page,
                         "--lang", "en", "--today", "2026-11-29")
    assert done.code == 1, done.err
    tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    table = next(t for t in tree.iter("table") if t.get("data-table") == "categories")
    counts = {row.get("data-key"): int(row.findall("td")[1].text_content())
              for row in table.iter("tr") if row.get("data-key")}
    assert counts["unreadable"] == 1
    assert sum(count for key, count in counts.items() if key != "overall") == counts["overall"]
    assert counts["overall"] == 3
    header = {dt.text_content(): dd.text_content()
              for dt, dd in zip(tree.iter("dt"), tree.iter("dd"), strict=True)}
    assert header["Recipient authority"] == "Uusimaa Economic Development Centre"


# ------------------------------------------------------------------- terminal niceties


AT_ONCE = {"ELYCLAIMS_PROGRESS_DELAY": "0"}  # the bar from the first tick, not after 0.5 s


def _on_a_terminal(*args: str | Path, stdout_tty: bool, stderr_tty: bool,
                   env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run elyclaims with standard output and/or error on a pseudo-terminal."""
    import os
    import pty
    import sys

    streams = {}
    for name, wanted in (("out", stdout_tty), ("err", stderr_tty)):
        if wanted:
            leader, follower = pty.openpty()
            streams[name] = (leader, follower)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ELYCLAIMS_", "NO_COLOR"))}
    environment.update({"LANG": "C", "TERM": "xterm", **(env or {})})
    process = subprocess.Popen(
        [sys.executable, "-m", "elyclaims", *(str(a) for a in args)],
        stdout=streams["out"][1] if "out" in streams else subprocess.PIPE,
        stderr=streams["err"][1] if "err" in streams else subprocess.PIPE, env=environment)
    for _, follower in streams.values():
        os.close(follower)
    captured = {"out": b"", "err": b""}
    import selectors

    selector = selectors.DefaultSelector()
    for name in ("out", "err"):
        handle = streams[name][0] if name in streams else getattr(process, f"std{name}").fileno()
        selector.register(handle, selectors.EVENT_READ, name)
    open_count = 2
    while open_count:
        for key, _ in selector.select(timeout=120):
            try:
                data = os.read(key.fd, 65536)
            except OSError:  # a pseudo-terminal whose other end closed
                data = b""
            if data:
                captured[key.data] += data
            else:
                selector.unregister(key.fd)
                open_count -= 1
    code = process.wait(timeout=120)
    for leader, _ in streams.values():
        os.close(leader)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
    return code, captured["out"].decode("utf-8"), captured["err"].decode("utf-8")


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path) -> None:
    """Severities are coloured when standard output is a terminal, not with NO_COLOR, not in
    a pipe."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][0] = "32.1.2026"
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    _, coloured, _ = _on_a_terminal("validate", path, stdout_tty=True, stderr_tty=False)
    assert "\x1b[1;31m[error]\x1b[0m" in coloured
    _, plain, _ = _on_a_terminal("validate", path, stdout_tty=True, stderr_tty=False,
                                 env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain
    assert "[error]" in plain
    piped = run_elyclaims("validate", path)
    assert "\x1b[" not in piped.out


def test_the_progress_bar_draws_and_wipes_itself() -> None:
    """The bar waits half a second, redraws at most ten times a second, shows the share done
    (or the count when the total is unknown) and wipes itself at the end."""
    import io

    from elyclaims.cli._terminal import Bar
    from elyclaims.i18n import translator

    now = [0.0]
    stream = io.StringIO()
    bar = Bar(stream, translator("fi"), clock=lambda: now[0])
    bar("read", 2048, 8192)
    assert stream.getvalue() == ""  # not yet half a second
    now[0] = 0.6
    bar("read", 4096, 8192)
    assert stream.getvalue().endswith("Luetaan ████████████░░░░░░░░░░░░ 50\u00a0%")
    now[0] = 0.65
    bar("read", 6144, 8192)
    assert stream.getvalue().count("\r") == 1  # within a tenth of a second: no redraw
    now[0] = 0.8
    bar("write", 12288, None)
    assert stream.getvalue().endswith("Kirjoitetaan pakettia … 12\u00a0288")
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_the_progress_bar_only_on_a_terminal_and_never_with_json(tmp_path: Path) -> None:
    """On a terminal, the check shows the bar on standard error and wipes it at the end; with
    --format json, or when standard error is no terminal, nothing of it appears. (The
    half-second delay is switched off, so that a small workbook shows it.)"""
    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    code, out, err = _on_a_terminal("validate", path, stdout_tty=False, stderr_tty=True,
                                    env=AT_ONCE)
    assert code == 0, err
    assert "Checking" in err
    assert "\r\x1b[K" in err
    assert err.endswith("\r\x1b[K")  # wiped: what follows starts on a clean line
    assert "\x1b" not in out
    _, out, err = _on_a_terminal("validate", path, "--format", "json", stdout_tty=False,
                                 stderr_tty=True, env=AT_ONCE)
    assert "Checking" not in err
    json.loads(out)
    _, _, err = _on_a_terminal("validate", path, stdout_tty=False, stderr_tty=False,
                               env=AT_ONCE)
    assert "Checking" not in err


def test_an_xls_workbook_is_annotated_into_an_xlsx_copy(tmp_path: Path) -> None:
    """A legacy .xls workbook (Excel 97-2003) is annotated too, into an .xlsx copy of its
    values: the findings on their cells, its dates still dates."""
    from workbooks import write_xls

    sheets = clean_claim()
    sheets["Kulut"].rows[2][0] = "32.8.2026"  # WB-004 on Kulut!A3
    legacy = write_xls(tmp_path / "kulut.xls", sheets)
    run = run_elyclaims("validate", legacy, "--annotate", tmp_path / "out.xlsx")
    assert run.code == 1, run.err
    copy = load_workbook(tmp_path / "out.xlsx")
    assert "WB-004" in copy["Kulut"]["A3"].comment.text
    assert copy["Kulut"]["A2"].is_date


def _plant_codes(path: Path) -> None:
    """Identity codes (every century sign case, typed separators) in every part of the
    workbook that openpyxl keeps besides cells: comment authors, headers and footers, a
    hyperlink's tooltip, a number format's literal text, a conditional format's formula, a
    data validation's messages, a defined name, core and custom document properties."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import PatternFill
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.hyperlink import Hyperlink

    book = load_workbook(path)
    sheet = book["Kulut"]
    sheet["L2"].comment = Comment("Tarkista", "131052-308T")
    sheet.oddHeader.center.text = "Asiakas 131052a308t"
    sheet.evenFooter.right.text = "hetu131052\u2013308T"
    sheet["L3"] = "linkki"
    sheet["L3"].hyperlink = Hyperlink(ref="L3", target="https://example.invalid/",
                                      tooltip="131052 - 308T")
    sheet["L4"] = 1
    sheet["L4"].number_format = '"131052-308T "0.00'
    sheet.conditional_formatting.add("A2:A4", FormulaRule(
        formula=['$B2="131052-308T"'], fill=PatternFill("solid", start_color="FFFF00")))
    validation = DataValidation(type="list", formula1='"a,b"', prompt="Ei 131052-308T",
                                error="131052 308T")
    sheet.add_data_validation(validation)
    validation.add("M2")
    book.defined_names["asiakas"] = DefinedName("asiakas", attr_text='"131052-308T"')
    book.properties.contentStatus = "131052-308T"
    book.properties.version = "131052\u2011308T"
    book.properties.creator = "131052-308t"
    book.custom_doc_props.append(StringProperty(name="Asiakas", value="131052-308T"))
    book.save(path)


def test_the_annotated_copy_is_made_not_copied(tmp_path: Path) -> None:
    """Identity codes planted in every part of the input that the copy keeps reach none of
    the annotated copy's members: each is unzipped and searched byte by byte, whatever the
    separator or case."""
    workbook = write_xlsx(tmp_path / "kulut.xlsx", clean_claim())
    _plant_codes(workbook)
    with zipfile.ZipFile(workbook) as planted:
        assert sum(bool(re.search(rb"131052.{0,5}308[Tt]", planted.read(name)))
                   for name in planted.namelist()) >= 5
    run = run_elyclaims("validate", workbook, "--annotate", tmp_path / "merkitty.xlsx",
                        env={"ELYCLAIMS_TODAY": "2026-11-29"})
    assert run.code in {0, 1}, run.err
    assert "Traceback" not in run.err
    with zipfile.ZipFile(tmp_path / "merkitty.xlsx") as copy:
        leaks = {name: match.group(0) for name in copy.namelist()
                 if (match := re.search(rb"131052.{0,5}308[Tt]", copy.read(name)))}
        assert leaks == {}
        assert b"131052-****" in copy.read("docProps/core.xml")


def _with_members(workbook: Path, members: dict[str, bytes]) -> Path:
    """*workbook* with *members* added (as a macro workbook keeps parts openpyxl does not know)."""
    with zipfile.ZipFile(workbook, "a") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return workbook


def test_an_xlsm_copy_keeps_no_code_in_its_binary_parts(tmp_path: Path) -> None:
    """A macro workbook's parts are kept whole in an .xlsm copy, so none can be masked: a
    macro project holding a code (as UTF-16, as its names are stored) is left out and the
    summary sheet says why; any other binary part holding one refuses the copy (exit 2,
    nothing written). Every member of the copy is searched byte by byte, NULs removed."""
    code_utf16 = "Potilas 131052-308T".encode("utf-16-le")
    workbook = _with_members(write_xlsx(tmp_path / "kulut.xlsm", clean_claim()), {
        "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 60 + code_utf16 + b"\0" * 64,
    })
    copy_path = tmp_path / "merkitty.xlsm"
    run = run_elyclaims("validate", workbook, "--annotate", copy_path,
                        env={"ELYCLAIMS_TODAY": "2026-11-29"})
    assert run.code in {0, 1}, run.err
    with zipfile.ZipFile(copy_path) as copy:
        assert "xl/vbaProject.bin" not in copy.namelist()
        leaks = [name for name in copy.namelist()
                 if re.search(rb"131052.{0,5}308[Tt]", copy.read(name).replace(b"\0", b""))]
        assert leaks == []
    book = load_workbook(copy_path, read_only=True)  # read-only keeps the file open: closed
    try:
        texts = " ".join(str(v) for row in book.worksheets[0].iter_rows(values_only=True)
                         for v in row if v)
    finally:
        book.close()
    assert "macros (their project holds an identity code)" in texts

    clean_macros = write_xlsx(tmp_path / "toinen.xlsm", clean_claim())
    _with_members(clean_macros, {
        "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 124,
        "xl/activeX/activeX1.bin": b"\0" * 32 + b"131052-308T" + b"\0" * 32,  # a control
    })
    refused = run_elyclaims("validate", clean_macros, "--annotate", tmp_path / "m2.xlsm")
    assert refused.code == 2, refused.err
    assert "activeX1.bin" in refused.err
    assert "identity code" in refused.err
    assert "131052-308T" not in refused.err + refused.out
    assert "Traceback" not in refused.err
    assert not (tmp_path / "m2.xlsm").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".m2")] == []
