"""Values the way officers write them: each variant validates clean in a real workbook with the
totals of the canonical spelling; what stays ambiguous stays a finding."""

from __future__ import annotations

import codecs
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elyclaims import read_claim
from elyclaims.identifiers import business_id_check_digit, canonical_business_id
from elyclaims.package import build_package, inspect_package
from elyclaims.refdata import reference_data
from elyclaims.report import Report
from elyclaims.values import parse_money
from workbooks import (
    CLAIM_FI,
    CLEAN_TOTALS,
    CLIENT_HEADERS_FI,
    CLIENTS_FI,
    EXPENSE_HEADERS_FI,
    EXPENSES_FI,
    clean_claim,
    totals,
    write_xlsx,
)

TODAY = date(2026, 11, 29)



def _errors_and_warnings(report: Report) -> list[str]:
    return [f.key for f in report.findings if f.severity.value != "info"]


@pytest.mark.parametrize(("row", "column", "written"), [
    (1, 2, "Terveyspalvelut"),
    (1, 2, "terveydenhuollon palvelu"),
    (1, 2, "Hälsovård"),
    (1, 2, "HALSOVARD"),
    (2, 2, "Tulkkaus"),
    (2, 2, "tulkki palvelut"),
    (2, 2, "Tolktjänster"),
    (2, 2, "interpreting"),
    (3, 2, "Sosiaalipalvelut"),
    (3, 2, "Sosiaali palvelut"),
    (3, 2, "socialtjänster"),
    (3, 2, "SOCIAL  WELFARE"),
    (3, 2, "sosiaalihuollon\u00a0palvelut"),
])
def test_category_names_as_officers_write_them(tmp_path: Path, row: int, column: int,
                                               written: str) -> None:
    """A category written in Finnish, Swedish or English, in any case, accents and spacing, is
    its category: clean, with the canonical totals."""
    sheets = clean_claim()
    sheets["Kulut"].rows[row][column] = written
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert claim.expenses[row - 1].category == EXPENSES_FI[row - 1][2]
    assert _errors_and_warnings(report) == []
    assert totals(report) == CLEAN_TOTALS


def test_other_categories_in_swedish_and_finnish(tmp_path: Path) -> None:
    """"Annan tjänst", "Muu" and "övrigt" are OTHER (with the justification OTHER needs)."""
    for written in ("Annan tjänst", "Muu", "övrigt", "Muut", "muu tukitoimi"):
        sheets = clean_claim()
        sheets["Kulut"].rows[1][2] = written
        claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
        assert claim is not None
        assert claim.expenses[0].category == "OTHER"
        assert [f.rule for f in report.findings if f.rule == "EL-005"] == []


def test_whole_euros_and_a_dash_for_no_vat(tmp_path: Path) -> None:
    """``480,-`` and ``480,–`` are whole euros and a VAT of ``-`` is no VAT: clean, same
    totals."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][8:11] = ["480,-", "-", "480,–"]
    sheets["Kulut"].rows[3][9] = "–"
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert (claim.expenses[0].net_amount, claim.expenses[0].vat_amount,
            claim.expenses[0].gross_amount) == (Decimal("480.00"), None, Decimal("480.00"))
    assert _errors_and_warnings(report) == []
    assert totals(report) == CLEAN_TOTALS


@pytest.mark.parametrize("written", ["23456780", "2345678 0", "FI23456780", "fi2345678-0",
                                     " 2345678-0 "])
def test_business_ids_in_every_export_form(tmp_path: Path, written: str) -> None:
    """A provider's Business ID without its hyphen, with a space, or as a VAT number is the
    canonical ID when its check digit holds, and the package writes it canonically."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][6] = written
    sheets["Hakemus"].rows[1][1] = "FI32213086"
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert claim.expenses[0].provider_business_id == "2345678-0"
    assert claim.claimant.business_id == "3221308-6"
    assert _errors_and_warnings(report) == []
    built = build_package(claim, report, tmp_path / "p.zip")
    packaged = inspect_package(built.path).packaged
    assert packaged is not None
    assert packaged.claim.expenses[0].provider_business_id == "2345678-0"
    assert packaged.claim.claimant.business_id == "3221308-6"


def test_a_wrong_check_digit_names_the_expected_form(tmp_path: Path) -> None:
    """A Business ID whose check digit is wrong is still PV-001, and the hint shows the ID its
    first seven digits make."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][6] = "23456781"
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    finding = next(f for f in report.findings if f.rule == "PV-001")
    assert finding.key == "PV-001/check_digit"
    assert "2345678-0" in finding.hint("fi")
    assert "2345678-0" in finding.hint("en")


def test_a_date_time_cell_counts_as_its_date(tmp_path: Path) -> None:
    """A real date-time cell (pasted from a patient system) in the service date column is its
    date."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][0] = datetime(2026, 7, 2, 14, 30)
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert claim.expenses[0].service_date == date(2026, 7, 2)
    assert _errors_and_warnings(report) == []


@pytest.mark.parametrize("written", ["7/9/2026", "15.7.2026 klo 12"])
def test_ambiguous_dates_stay_findings(tmp_path: Path, written: str) -> None:
    """A date in an ambiguous order, or text with a time of day, is still WB-004."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][0] = written
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert "WB-004/date" in [f.key for f in report.findings]


@pytest.mark.parametrize("header", ["Palvelu päivä", "Palvelu\u00a0päivä", "PALVELU-\npäivä",
                                    "Palvelupäivä\t*", " palvelu päivä (€) "])
def test_headers_match_without_any_white_space(tmp_path: Path, header: str) -> None:
    """Headers written with spaces, no-break spaces, tabs or line breaks inside match."""
    sheets = clean_claim()
    sheets["Kulut"].rows[0][0] = header.replace("-", "") if "\n" in header else header
    sheets["Kulut"].rows[0][8] = "Veroton\nsumma"
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert [f.key for f in report.findings if f.rule in {"WB-003", "WB-007"}] == []
    assert totals(report) == CLEAN_TOTALS


def _csv_rows(headers: list[str], rows: list[list[object]]) -> str:
    def text(value: object) -> str:
        if isinstance(value, date):
            return f"{value.day}.{value.month}.{value.year}"
        if isinstance(value, float):
            return f"{value:.2f}".replace(".", ",")
        return "" if value is None else str(value)

    return "\r\n".join("\t".join(text(v) for v in row) for row in [headers, *rows]) + "\r\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_excel_unicode_text_export(tmp_path: Path, encoding: str) -> None:
    """Excel's "Unicode text" export (UTF-16 with a BOM, tab-separated) reads like the other
    encodings, with the same totals."""
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    files = {
        "hakemus.txt": _csv_rows(["Hakija", str(CLAIM_FI[0][1])], [list(r) for r in CLAIM_FI[1:]]),
        "asiakkaat.txt": _csv_rows(CLIENT_HEADERS_FI, [list(r) for r in CLIENTS_FI]),
        "kulut.txt": _csv_rows(EXPENSE_HEADERS_FI, [list(r) for r in EXPENSES_FI]),
    }
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_bytes(bom + text.encode(encoding))
        paths.append(path)
    claim, report = read_claim(paths, today=TODAY)
    assert claim is not None
    assert _errors_and_warnings(report) == []
    assert totals(report) == CLEAN_TOTALS


# ------------------------------------------------------------------------------ properties

SPACES = st.sampled_from(["", " ", "  ", "\u00a0", "\t", "\n"])


@given(st.sampled_from(sorted(reference_data().categories)), st.data())
def test_any_category_variant_in_any_case_and_spacing_is_its_code(code: str,
                                                                  data: st.DataObject) -> None:
    """Every accepted name of a category, in any case, with any spaces added or left out
    between its letters' words, maps to the same code."""
    name = data.draw(st.sampled_from(reference_data().categories[code].accepted))
    words = name.split()
    glue = [data.draw(SPACES) for _ in words]
    written = "".join(word + space for word, space in zip(words, glue, strict=True))
    written = data.draw(st.sampled_from([written, written.upper(), written.lower(),
                                         written.title(), f" {written} "]))
    assert reference_data().category(written) == code


@given(st.integers(0, 9_999_999).filter(lambda n: business_id_check_digit(f"{n:07d}") is not None),
       st.sampled_from(["{d}-{c}", "{d}{c}", "{d} {c}", "FI{d}{c}", "fi{d}{c}", " {d}-{c} ",
                        "FI {d}{c}"]))
def test_any_business_id_in_any_accepted_form_is_one_canonical_id(number: int, form: str) -> None:
    """A valid Business ID written in any accepted form is the one canonical ``NNNNNNN-C``; a
    wrong check digit in any form is none."""
    digits = f"{number:07d}"
    check = business_id_check_digit(digits)
    assert canonical_business_id(form.format(d=digits, c=check)) == f"{digits}-{check}"
    wrong = (check + 1) % 10 if check is not None else 0
    assert canonical_business_id(form.format(d=digits, c=wrong)) is None


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_money_in_every_accepted_form_is_the_same_amount(amount: Decimal) -> None:
    """An amount written with a decimal comma or point, thousands spaces, a euro sign, a
    trailing minus, in brackets, or (when whole) as ``N,-``, is the same Decimal."""
    magnitude = abs(amount)
    finnish = f"{magnitude:,.2f}".replace(",", "\u00a0").replace(".", ",")
    sign = amount < 0
    minus = "-" if sign else ""
    forms = [f"{amount:.2f}", f"{minus}{finnish}", f"{minus}{finnish} €",
             f"{finnish}-" if sign else finnish, f"({finnish})" if sign else f"{finnish} EUR"]
    if magnitude == magnitude.to_integral_value():
        whole = f"{int(magnitude):,}".replace(",", " ")
        forms.append(f"{minus}{whole},-")
        forms.append(f"({whole},–)" if sign else f"{whole},–")
    for form in forms:
        assert parse_money(form) == amount, form
