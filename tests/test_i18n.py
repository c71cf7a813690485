"""The interface in Finnish, Swedish and English: every message translated, plural forms and
numbers right, the same finding worded in each language."""

from __future__ import annotations

import ast
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO
from elyclaims import read_claim
from elyclaims.errors import UsageError
from elyclaims.formatting import day, money, percent
from elyclaims.i18n import translator
from elyclaims.render import report_to_text
from workbooks import clean_claim, write_xlsx

SOURCE = REPO / "src" / "elyclaims"
ERRORS = {"ConfigError", "UsageError", "OutputError", "PackageError", "InternalError",
          "LedgerError", "SubmissionError", "ElyclaimsError"}


def _messages() -> tuple[set[str], set[tuple[str, str]]]:
    """Every message the code gives the translator: t("…"), t.n("…", "…"), N_("…") and the
    templates of elyclaims' errors."""
    singles: set[str] = set()
    plurals: set[tuple[str, str]] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            function = node.func
            if isinstance(function, ast.Name) and function.id in {"t", "N_", *ERRORS}:
                singles.add(first.value)
            elif (isinstance(function, ast.Attribute) and function.attr == "n"
                  and isinstance(function.value, ast.Name) and function.value.id == "t"):
                second = node.args[1]
                assert isinstance(second, ast.Constant)
                plurals.add((first.value, second.value))
    # The page templates (the HTML report's, the app's) call the same translator: t("…") and
    # t.n("…", "…", count).
    for path in SOURCE.rglob("templates/*.html"):
        text = path.read_text(encoding="utf-8")
        singles.update(ast.literal_eval(match) for match in
                       re.findall(r'\bt\(("(?:[^"\\]|\\.)*")', text))
        plurals.update((ast.literal_eval(one), ast.literal_eval(other)) for one, other in
                       re.findall(r'\bt\.n\(("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*")', text))
    return singles, plurals


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_message_is_translated(lang: str) -> None:
    """Each message of the code has a non-empty, non-fuzzy translation with the same
    placeholders, and no translation is left over for a message the code no longer has."""
    singles, plurals = _messages()
    assert len(singles) > 60
    with (SOURCE / "locale" / f"{lang}.po").open(encoding="utf-8") as handle:
        catalog = read_po(handle, locale=lang)
    entries = {message.id: message for message in catalog if message.id}
    wanted: set[object] = {*singles, *plurals}
    assert set(entries) == wanted
    for message in entries.values():
        assert not message.fuzzy
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in strings:
            assert text.strip(), message.id
            for placeholder in set(_placeholders(ids[0])):
                assert placeholder in text, (lang, message.id, placeholder)


def _placeholders(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


@pytest.mark.parametrize(("lang", "expected"), [
    ("fi", ["0 kuluriviä", "1 kulurivi", "2 kuluriviä", "30 kuluriviä"]),
    ("sv", ["0 kostnadsrader", "1 kostnadsrad", "2 kostnadsrader", "30 kostnadsrader"]),
    ("en", ["0 expense lines", "1 expense line", "2 expense lines", "30 expense lines"]),
])
def test_counts_are_grammatical(lang: str, expected: list[str]) -> None:
    """Counts of 0, 1, 2 and 30 take their language's form: Finnish the partitive singular
    after a number other than 1, Swedish and English the plural."""
    t = translator(lang)
    assert [t.n("{count} expense line", "{count} expense lines", count)
            for count in (0, 1, 2, 30)] == expected


@pytest.mark.parametrize(("lang", "words"), [
    ("fi", ["30 virhettä", "1 varoitus", "0 huomiota", "2 asiakasta"]),
    ("sv", ["30 fel", "1 varning", "0 observationer", "2 klienter"]),
    ("en", ["30 errors", "1 warning", "0 remarks", "2 clients"]),
])
def test_summary_line_in_each_language(tmp_path: Path, lang: str, words: list[str]) -> None:
    """The summary of a workbook with 30 errors and 1 warning reads naturally in each
    language (no "30 virheitä", "1 varningar" or "1 errors")."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][4] = None  # EL-008, one warning
    for _ in range(30):  # each a WB-004 error
        row = list(sheets["Kulut"].rows[3])
        row[0] = "ei päivä"
        row[7] = f"L-{_}"
        sheets["Kulut"].rows.append(row)
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=date(2026, 11, 29))
    assert report.errors == 30
    assert report.warnings == 1
    summary = report_to_text(report, lang=lang).splitlines()
    line = next(text for text in summary if text.startswith(("Yhteenveto", "Sammanfattning",
                                                             "Summary")))
    for word in words:
        assert word in line, line


def test_numbers_money_dates_and_percents_by_locale() -> None:
    """1 234,56 €, 1.7.2026 and 13,5 % in Finnish and Swedish (no-break spaces); €1,234.56,
    1 Jul 2026 and 13.5% in English."""
    nbsp = "\u00a0"
    assert money(Decimal("1234.56"), "fi") == f"1{nbsp}234,56{nbsp}€"
    assert money(Decimal("1234.56"), "sv") == f"1{nbsp}234,56{nbsp}€"
    assert money(Decimal("1234.56"), "en") == "€1,234.56"
    assert day(date(2026, 7, 1), "fi") == day(date(2026, 7, 1), "sv") == "1.7.2026"
    assert day(date(2026, 7, 1), "en") == "1 Jul 2026"
    assert percent(Decimal("13.5"), "fi") == f"13,5{nbsp}%"
    assert percent(Decimal("13.5"), "en") == "13.5%"


def test_the_same_finding_reads_in_three_languages(tmp_path: Path) -> None:
    """One EL-009 finding: its date and period in each language's format and words."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][0] = date(2026, 2, 1)
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=date(2026, 11, 29))
    finding = next(f for f in report.findings if f.rule == "EL-009")
    assert finding.message("fi") == (
        "Palvelupäivä 1.2.2026 ei ole hakemuskaudella 1.7.2026–30.9.2026.")
    assert "1.2.2026" in finding.message("sv")
    assert "1 Feb 2026" in finding.message("en")


def test_errors_are_said_in_the_readers_language() -> None:
    """A usage error says itself in Finnish, Swedish or English."""
    error = UsageError("{path}: the same file as {earlier} was given twice; give each workbook "
                       "or CSV file once", path="b.xlsx", earlier="a.xlsx")
    assert "annettiin kahdesti" in error.render("fi")
    assert "angavs två gånger" in error.render("sv")
    assert str(error) == error.render("en")



@given(st.one_of(st.integers(), st.decimals(allow_nan=False, allow_infinity=False),
                 st.floats(allow_nan=False, allow_infinity=False)),
       st.sampled_from(["fi", "sv", "en"]))
def test_a_cells_number_is_shown_with_every_digit(value: object, lang: str) -> None:
    """The app's row view shows a number as the locale writes it, and no digit is lost or
    rounded away, at any magnitude."""
    from elyclaims.formatting import shown_value

    text = shown_value(value, lang)
    decimal_sign = "." if lang == "en" else ","
    plain = re.sub(r"[\s\u00a0\u202f,]" if lang == "en" else r"[\s\u00a0\u202f.]", "", text)
    plain = plain.replace(decimal_sign, ".").replace("\u2212", "-")
    expected = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    assert Decimal(plain) == expected, (value, text)
