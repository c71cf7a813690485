"""Findings and locations: how they print, and that identity codes never get through."""

from __future__ import annotations

from pathlib import Path

import pytest

from elyclaims import read_claim
from elyclaims.catalogue import LANGUAGES, catalogue
from elyclaims.findings import Finding, Location, Severity, column_index, column_letter
from elyclaims.render import report_to_json, report_to_text
from workbooks import clean_claim, expense_row, write_xlsx


@pytest.mark.parametrize(("location", "text"), [
    (Location(sheet="Kulut", row=12, column="J", header="Veroton summa"),
     "Kulut!J12 (Veroton summa)"),
    (Location(sheet="Oma taulukko", row=3, column="A"), "'Oma taulukko'!A3"),
    (Location(sheet="Kulut", row=5), "Kulut!5:5"),
    (Location(file="/x/y/claim.xlsx", sheet="Kulut"), "Kulut"),
    (Location(file="/x/elyclaims.toml", field="claimant.iban"), "elyclaims.toml (claimant.iban)"),
])
def test_location_reads_as_excel(location: Location, text: str) -> None:
    """A location prints the way an Excel user names a cell."""
    assert str(location) == text


def test_column_letters_round_trip() -> None:
    """Column letters and indexes convert both ways, past Z."""
    for index in (1, 26, 27, 52, 702, 703, 16384):
        assert column_index(column_letter(index)) == index
    assert column_letter(28) == "AB"


def test_identity_code_masked_in_value_and_params() -> None:
    """A finding masks identity codes in its value and message parameters when made."""
    finding = Finding.make("WB-004", Location(sheet="Kulut", row=2, column="A"),
                           variant="date", value="131052-308T")
    assert finding.value == "131052-****"
    assert "308T" not in finding.message("fi")


def test_identity_code_in_bad_cell_never_reaches_the_report(tmp_path: Path) -> None:
    """An identity code typed into a date cell is masked in text and JSON reports."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1] = expense_row(Palvelupäivä="131052-308T")
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets))
    for lang in LANGUAGES:
        assert "308T" not in report_to_text(report, lang=lang)
        assert "308T" not in report_to_json(report, lang=lang)
    assert "131052-****" in report_to_json(report)


def test_catalogue_speaks_three_languages() -> None:
    """Every rule and variant has a message and hint in Finnish, Swedish and English."""
    for info in catalogue().values():
        assert info.severity in Severity
        for text in (info.text, *info.variants.values()):
            for lang in LANGUAGES:
                assert text.message[lang].strip()
                assert text.hint[lang].strip()
