"""Every word in the reader's language, every finding on its cell (issue 26): the catalogues
rendered in Finnish and Swedish with every kind of value, the sample claims' text outputs as
snapshots in three languages, the errors that blame the right thing."""

from __future__ import annotations

import os
import re
import socket
import string
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import REPO, SAMPLES, run_elyclaims
from elyclaims import read_claim
from elyclaims.catalogue import catalogue
from elyclaims.findings import Finding, Location, Named, Percent
from elyclaims.formatting import from_wire, moment, param, to_wire
from elyclaims.package import build_package, inspect_package
from elyclaims.render import report_to_text, server_finding
from wording import foreign
from workbooks import clean_claim, write_xlsx

LOCALE = REPO / "src" / "elyclaims" / "locale"
OUTPUTS = Path(__file__).parent / "golden" / "outputs"
TODAY = date(2026, 11, 29)

#: A value of every kind a message shows, as a rule gives it.
VALUES: list[Any] = [
    Decimal("1234.50"), Decimal("-0.01"), date(2026, 7, 1), 12, "Tulkki Oy",
    Percent(Decimal("13.5")), Named("category", "HEALTH"), Named("category", "OTHER"),
    Named("authority", "evk-1"), Named("county", "04"), Named("municipality", "092"),
    Named("claim_field", "period_end"), Named("sheet", "clients"),
    (Named("category", "SOCIAL"), Named("category", "INTERPRET")),
]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _message_keys() -> list[str]:
    keys = []
    for rule_id, info in catalogue().items():
        keys.append(rule_id)
        keys.extend(f"{rule_id}/{variant}" for variant in info.variants)
    return keys


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_rule_message_speaks_one_language_with_every_kind_of_value(lang: str) -> None:
    """Each message and fix of the rule catalogue, each placeholder filled with each kind of
    value a rule gives (amounts, dates, counts, rates, categories, authorities, regions,
    claim-sheet keys, sheets), holds no English word, no category code, no ISO timestamp."""
    checked = 0
    for key in _message_keys():
        text = catalogue().text(key)
        for template in (text.message.get(lang, ""), text.hint.get(lang, "")):
            names = _placeholders(template)
            for value in VALUES:
                words = {name: param(value, lang) for name in names}
                rendered = template.format(**words)
                assert foreign(rendered, lang) == [], (key, value, rendered)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_interface_message_speaks_one_language(lang: str) -> None:
    """Each translation of the interface's messages (locale/*.po), filled with every kind of
    value, holds no English word, no category code, no ISO timestamp: a message left in
    English, or a value shown as the program keeps it, fails here."""
    with (LOCALE / f"{lang}.po").open(encoding="utf-8") as handle:
        catalog = read_po(handle, locale=lang)
    checked = 0
    for message in catalog:
        if not message.id:
            continue
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        for translation in translations:
            for value in VALUES:
                words = {name: param(value, lang) for name in _placeholders(translation)}
                rendered = translation.format(**words)
                assert foreign(rendered, lang) == [], (message.id, rendered)
                checked += 1
    assert checked > 3000


def test_the_word_check_finds_what_it_is_for() -> None:
    """The check itself: an English word, a category code and a timestamp are each found."""
    assert foreign("Rivillä (HEALTH) on arvonlisävero", "fi") == ["HEALTH"]
    assert foreign("Vastaanotettu 2026-12-06T23:18:39Z", "fi") == ["2026-12-06T23:18"]
    assert foreign("Summa puuttuu: the amount", "fi") == ["the", "amount"]
    assert foreign("Raden har moms 25,5 %", "sv") == []


@pytest.mark.parametrize(("lang", "expected"), [("fi", "7.12.2026 1.18"),
                                                 ("sv", "7.12.2026 1.18"),
                                                 ("en", "7 Dec 2026 01:18")])
def test_a_moment_is_shown_in_finlands_time_in_the_readers_format(
        lang: str, expected: str) -> None:
    """A receipt's time (UTC) in Finland's time (UTC+2 in December, +3 in summer), as the
    reader's language writes it; text that is no moment as it is."""
    assert moment("2026-12-06T23:18:39Z", lang) == expected
    assert moment(datetime(2026, 7, 1, 9, 0, tzinfo=UTC), "fi") == "1.7.2026 12.00"
    assert moment("not a time", lang) == "not a time"


_VALUE = st.recursive(
    st.one_of(
        st.text(max_size=20), st.integers(min_value=-10**30, max_value=10**30),
        st.decimals(allow_nan=False, allow_infinity=False, places=2,
                    min_value=Decimal("-1e15"), max_value=Decimal("1e15")),
        st.dates(),
        st.builds(Percent, st.decimals(allow_nan=False, allow_infinity=False, places=3,
                                       min_value=0, max_value=100)),
        st.builds(Named, st.sampled_from(["category", "authority", "county"]),
                  st.text(max_size=8))),
    lambda inner: st.lists(inner, max_size=3).map(tuple), max_leaves=6)


@given(_VALUE)
def test_a_value_sent_over_the_wire_comes_back_as_the_same_kind(value: Any) -> None:
    """What the intake sends of a finding's value (to_wire, through JSON) is read back as the
    same value of the same kind, so that the client phrases it in its reader's language."""
    import json

    back = from_wire(json.loads(json.dumps(to_wire(value))))
    assert back == value
    assert type(back) is type(value)


def test_the_intakes_finding_is_phrased_in_the_submitters_language() -> None:
    """A finding as the intake sends it (key and typed parameters) reads in Finnish and
    Swedish from its key; one of a rule this version does not know keeps the sender's
    words; one with a parameter that is not what it says is shown as sent, never a crash."""
    made = Finding.make("AM-006", Location(sheet="Kulut", row=4), value=Decimal("30.60"),
                        category=Named("category", "HEALTH"))
    sent = {"rule": "AM-006", "severity": "warning", "message_key": "AM-006",
            "message": made.message("en"), "params": made.wire_parameters,
            "value": to_wire(made.value), "member": "Kulut", "row": 4, "cell": "J4",
            "header": "ALV"}
    assert server_finding(sent, "fi") == (
        "Kulut!J4 (ALV): AM-006 [varoitus] Rivillä (terveydenhuollon palvelut) on "
        "arvonlisävero 30,60\xa0€, vaikka terveyden- ja sosiaalihuollon palvelut ovat "
        "yleensä verottomia.")
    assert "[varning] Raden (hälso- och sjukvårdstjänster)" in server_finding(sent, "sv")
    unknown = {**sent, "rule": "ZZ-999", "message_key": "ZZ-999", "message": "Something new."}
    assert server_finding(unknown, "fi") == "Kulut!J4 (ALV): ZZ-999 [warning] Something new."
    member = {**sent, "member": "claim.xml", "row": 13, "cell": None, "header": None}
    assert server_finding(member, "sv").startswith("claim.xml: rad 13: AM-006 [varning]")
    broken = {**sent, "params": {"category": {"amount": "many"}}}
    assert server_finding(broken, "fi").endswith(made.message("en"))


# ------------------------------------------------------------------ every finding on its cell


def test_inspect_names_a_lines_cell_as_validate_did(tmp_path: Path) -> None:
    """A warning on a line (AM-006: VAT on a health care line) names the same cell in the
    package's inspection as in the workbook's check: the package carries its tables' columns
    (Columns), and the lines' cells are read back from them."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][9] = 24  # ALV on the HEALTH line
    sheets["Kulut"].rows[1][10] = 504
    workbook = write_xlsx(tmp_path / "c.xlsx", sheets)
    claim, report = read_claim(workbook, today=TODAY, ledger=None)
    assert claim is not None
    checked = [str(f.location) for f in report.findings if f.rule == "AM-006"]
    assert checked == ["Kulut!J2 (ALV)"]
    built = build_package(claim, report, tmp_path / "p.zip",
                          created_at=datetime(2026, 11, 29, tzinfo=UTC))
    inspected = inspect_package(built.path, today=TODAY)
    assert [str(f.location) for f in inspected.report.findings if f.rule == "AM-006"] == checked
    with zipfile.ZipFile(built.path) as archive:
        xml = archive.read("claim.xml").decode()
    assert xml.count("<Columns ") == 1
    assert '<Column field="vat_amount" letter="J" header="ALV"/>' in xml


def test_a_csv_field_is_named_by_its_line_and_column(tmp_path: Path) -> None:
    """A CSV file has no cells: a finding names the file, the line and the column's header,
    in the reader's language, as a text editor shows the file."""
    location = Location(file=str(tmp_path / "asiakkaat.csv"), sheet="asiakkaat.csv", row=3,
                        column="D", header="Kotikunta")
    assert location.text("fi") == "asiakkaat.csv: rivi 3, sarake Kotikunta"
    assert location.text("sv") == "asiakkaat.csv: rad 3, kolumn Kotikunta"
    assert str(location) == "asiakkaat.csv: line 3, column Kotikunta"
    assert Location(file="/data/kulut.csv", row=7).text("sv") == "kulut.csv: rad 7"
    assert str(Location(file="kulut.xlsx", sheet="Kulut", row=3, column="D",
                        header="Kuvaus")) == "Kulut!D3 (Kuvaus)"


def test_csv_findings_in_the_report_name_the_file_once(tmp_path: Path) -> None:
    """validate of three CSV files: a heading per file (its name once, not 'kulut.csv:
    kulut.csv'), each finding at its line and column."""
    folder = tmp_path / "erp"
    folder.mkdir()
    for path in (SAMPLES / "helsinki-erp-2026-09").glob("*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        if path.name == "asiakkaat.csv":
            text = text.replace("HKI-IHK-0102;2.6.2026", "HKI-IHK-0102;XX")
        (folder / path.name).write_text(text, encoding="utf-8")
    done = run_elyclaims("validate", *sorted(folder.glob("*.csv")), "--lang", "fi")
    assert done.code == 1, done.err
    assert "== asiakkaat.csv ==" in done.out
    assert "asiakkaat.csv: rivi 3, sarake Auttamisjärjestelmään ottopäivä: WB-004" in done.out
    assert "asiakkaat.csv: asiakkaat.csv" not in done.out


# ------------------------------------------------------------------ the sample claims' outputs


def _sample_runs() -> list[tuple[str, list[str]]]:
    runs = []
    for lang in ("fi", "sv", "en"):
        for sample in ("osterbotten-valfardsomrade-2026-h1.xlsx",
                       "vantaa-kerava-hva-2026-q3.xlsx"):
            runs.append((f"validate-{Path(sample).stem}-{lang}",
                         ["validate", str(SAMPLES / sample), "--lang", lang,
                          "--attachments", str(SAMPLES / "liitteet")]))
        runs.append((f"validate-helsinki-erp-2026-09-{lang}",
                     ["validate", *sorted(str(p) for p in
                                          (SAMPLES / "helsinki-erp-2026-09").glob("*.csv")),
                      "--lang", lang]))
        runs.append((f"build-osterbotten-{lang}",
                     ["build", str(SAMPLES / "osterbotten-valfardsomrade-2026-h1.xlsx"), "-o",
                      "{output}", "--lang", lang]))
        runs.append((f"inspect-osterbotten-{lang}", ["inspect", "{package}", "--lang", lang]))
        runs.append((f"ledger-{lang}", ["ledger", "--lang", lang]))
        runs.append((f"rules-{lang}", ["rules", "--lang", lang]))
    return runs


@pytest.mark.parametrize(("name", "arguments"), _sample_runs(), ids=[n for n, _ in _sample_runs()])
def test_the_sample_claims_text_outputs_are_as_recorded(
        name: str, arguments: list[str], tmp_path: Path) -> None:
    """Every text output for the sample claims, in three languages, as recorded in
    tests/golden/outputs (UPDATE_GOLDEN=1 records them again): a change of any message is a
    visible diff in review. Finnish and Swedish outputs hold no English word, no category
    code and no ISO timestamp."""
    env = {"ELYCLAIMS_TODAY": "2026-11-29", "ELYCLAIMS_LEDGER": str(tmp_path / "ledger.db"),
           "SOURCE_DATE_EPOCH": "1795000000"}
    package = tmp_path / "osterbotten.zip"
    if "{package}" in arguments or arguments[0] == "ledger":
        built = run_elyclaims("build", SAMPLES / "osterbotten-valfardsomrade-2026-h1.xlsx",
                              "-o", package, env=env)
        assert built.code == 0, built.err
    given = {"{package}": str(package), "{output}": str(tmp_path / "built.zip")}
    done = run_elyclaims(*[given.get(a, a) for a in arguments], env=env)
    assert done.err == "" or "Traceback" not in done.err
    text = done.out.replace(str(tmp_path), "<tmp>").replace(str(SAMPLES), "<samples>")
    lang = arguments[arguments.index("--lang") + 1]
    if lang != "en":
        assert foreign(text, lang) == [], text
    recorded = OUTPUTS / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        recorded.parent.mkdir(parents=True, exist_ok=True)
        recorded.write_text(text, encoding="utf-8")
    assert text == recorded.read_text(encoding="utf-8")


def test_the_summary_table_aligns_whatever_the_names_length(tmp_path: Path) -> None:
    """The totals by category line up (the amounts end in one column) even when a category's
    name is longer than the others: the names' column is as wide as the longest."""
    sheets = clean_claim()
    sheets["Kulut"].rows.append(list(sheets["Kulut"].rows[1]))
    sheets["Kulut"].rows[-1][2] = "OTHER"
    sheets["Kulut"].rows[-1][7] = "T-9"
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY, ledger=None)
    for lang in ("fi", "sv", "en"):
        text = report_to_text(report, lang=lang)
        lines = text.splitlines()
        start = next(n for n, line in enumerate(lines) if line.startswith(("Yhteenveto",
                                                                          "Sammanfattning",
                                                                          "Summary")))
        rows = lines[start + 2:start + 6]
        assert len(rows) == 4, text
        assert len({len(line.rstrip()) for line in rows}) == 1, text


# ------------------------------------------------------------------ errors that blame the right thing


@pytest.mark.parametrize("command", ["serve", "app"])
def test_a_port_in_use_is_a_usage_error_with_its_cause(command: str, tmp_path: Path) -> None:
    """serve or app on a port another program holds: exit 2, the cause in the reader's
    language, never 'internal error'."""
    tokens = tmp_path / "tokens.json"
    made = run_elyclaims("serve", "tokens", "add", "--token-file", tokens, "--claimant",
                         "0201256-6")
    assert made.code == 0, made.err
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        extra = (["--token-file", str(tokens), "--data", str(tmp_path / "data")]
                 if command == "serve" else ["--no-browser"])
        done = run_elyclaims(command, "--port", str(port), *extra,
                             env={"ELYCLAIMS_LANGUAGE": "fi"})
    assert done.code == 2, done.err
    assert done.err == (f"elyclaims: virhe: 127.0.0.1 portti {port}: portti on toisen ohjelman "
                        "käytössä; valitse toinen valitsimella --port\n")


def test_a_bad_language_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    """ELYCLAIMS_LANGUAGE=xx is the variable's error, not the config file's (which is
    there, and fine)."""
    (tmp_path / "elyclaims.toml").write_text('language = "fi"\n', encoding="utf-8")
    done = run_elyclaims("validate", SAMPLES / "osterbotten-valfardsomrade-2026-h1.xlsx",
                         env={"ELYCLAIMS_LANGUAGE": "xx"}, cwd=tmp_path)
    assert done.code == 2
    assert done.err.startswith("elyclaims: error: ELYCLAIMS_LANGUAGE: language: ")
    assert "elyclaims.toml" not in done.err


@pytest.mark.parametrize("where", ["environment", "file"])
def test_a_date_of_the_config_that_is_no_date_is_exit_2(where: str, tmp_path: Path) -> None:
    """A claim date in the config or in ELYCLAIMS_CLAIM__* that is no date (month 13, 31 June)
    is a usage error naming where it was set, even when the workbook gives its own date."""
    env = {"ELYCLAIMS_CLAIM__PERIOD_END": "2026-13-01"} if where == "environment" else {}
    if where == "file":
        (tmp_path / "elyclaims.toml").write_text('[claim]\nperiod_end = "31.6.2026"\n',
                                                 encoding="utf-8")
    done = run_elyclaims("validate", SAMPLES / "osterbotten-valfardsomrade-2026-h1.xlsx",
                         env=env, cwd=tmp_path)
    assert done.code == 2, done.out
    blamed = "ELYCLAIMS_CLAIM__PERIOD_END" if where == "environment" else "elyclaims.toml"
    assert blamed in done.err
    assert "claim.period_end: not a date" in done.err


def test_help_states_the_real_precedence() -> None:
    """--ledger and --lang help name the environment before the config file, as load_config
    and the README do."""
    done = run_elyclaims("validate", "--help")
    text = " ".join(done.out.split())
    assert "(default: ELYCLAIMS_LEDGER, then the config file's ledger" in text
    assert "(default: ELYCLAIMS_LANGUAGE, then the config file's language" in text


def test_validate_finds_a_missing_attachment_before_the_build(tmp_path: Path) -> None:
    """validate --attachments DIR: an invoice copy the Attachment column names but the folder
    lacks is PK-001 on its cell, as build would say; with every copy there, none."""
    empty = tmp_path / "none"
    empty.mkdir()
    sample = SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx"
    missing = run_elyclaims("validate", sample, "--attachments", empty, "--format", "json")
    found = [(f["rule"], f["cell"]) for f in missing.json()["findings"]
             if f["rule"].startswith("PK")]
    assert found == [("PK-001", "N4"), ("PK-001", "N11")]
    assert missing.code == 1
    present = run_elyclaims("validate", sample, "--attachments", SAMPLES / "liitteet",
                            "--format", "json")
    assert [f for f in present.json()["findings"] if f["rule"].startswith("PK")] == []
    absent = run_elyclaims("validate", sample, "--attachments", tmp_path / "nowhere")
    assert absent.code == 2
    assert "the attachments folder does not exist" in absent.err


# ------------------------------------------------------------------ the template


def test_the_swedish_template_has_swedish_labels_and_wide_enough_columns(tmp_path: Path) -> None:
    """The Swedish claim sheet says Kontonummer and BIC-kod (not Finnish), the code prompt's
    example is the README's; every dropdown column is wide enough for its longest word."""
    for lang in ("fi", "sv", "en"):
        path = tmp_path / f"{lang}.xlsx"
        done = run_elyclaims("template", "--lang", lang, path)
        assert done.code == 0, done.err
        book = load_workbook(path)
        claim_sheet, _, expenses = book.worksheets
        keys = [row[0].value for row in claim_sheet.iter_rows()]
        if lang == "sv":
            assert "Kontonummer" in keys
            assert "BIC-kod" in keys
            assert not {"Tilinumero", "BIC-koodi"} & set(keys)
        prompts = {str(rule.sqref): rule.prompt
                   for rule in claim_sheet.data_validations.dataValidation}
        assert "04)" in prompts["A4"]
        assert "HVA04" not in prompts["A4"]
        dropdowns = 0
        for rule in expenses.data_validations.dataValidation:
            if rule.type != "list":
                continue
            words = rule.formula1.strip('"').split(",")
            letter = str(rule.sqref).split(":")[0].rstrip("0123456789")
            width = expenses.column_dimensions[letter].width
            assert width >= max(len(word) for word in words) + 2, (lang, letter, words)
            dropdowns += 1
        assert dropdowns >= 2  # the category and the supply type


def _ledger_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"^[0-9a-f]{12} ", line)]


def test_status_and_ledger_speak_the_readers_language(tmp_path: Path) -> None:
    """status and ledger take --lang: the period's dates and the amounts in its format."""
    env = {"ELYCLAIMS_LEDGER": str(tmp_path / "ledger.db"), "ELYCLAIMS_TODAY": "2026-11-29"}
    built = run_elyclaims("build", SAMPLES / "osterbotten-valfardsomrade-2026-h1.xlsx", "-o",
                          tmp_path / "p.zip", env=env)
    assert built.code == 0, built.err
    for command in ("status", "ledger"):
        finnish = run_elyclaims(command, "--lang", "fi", env=env)
        assert finnish.code == 0, finnish.err
        lines = _ledger_lines(finnish.out)
        assert len(lines) == 1
        assert "1.1.2026 – 30.6.2026" in lines[0]
        assert "4 riviä, 2\xa0650,00\xa0€" in lines[0]
        assert "[tehty, ei lähetetty]" in lines[0]
        english = run_elyclaims(command, "--lang", "en", env=env)
        assert "1 Jan 2026 – 30 Jun 2026" in english.out


# ------------------------------------------------- numbers and dates as Babel writes them

_DECIMALS = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda value: abs(value) < Decimal(10) ** 20) | st.decimals(
    min_value=-10 ** 9, max_value=10 ** 9, places=3, allow_nan=False) | st.sampled_from(
    [Decimal("-0"), Decimal("-0.00"), Decimal("0.005"), Decimal("0.015"), Decimal("-0.0001"),
     Decimal("1234.565"), Decimal("999.995"), Decimal("1E+3"), Decimal("12.5"), Decimal("24")])


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@given(value=_DECIMALS, integer=st.integers(min_value=-10 ** 15, max_value=10 ** 15))
def test_numbers_are_written_as_babel_writes_them(lang: str, value: Decimal,
                                                  integer: int) -> None:
    """Amounts, numbers, percents, counts and every-digit values written from the locale's
    symbols are exactly Babel's (CLDR's) for the locale: grouping, decimal sign, minus, rounding
    half to even, the euro sign's place, the no-break spaces; huge, tiny, negative zero."""
    from babel.numbers import (
        format_currency,
        format_decimal,
        get_decimal_symbol,
        get_group_symbol,
        get_minus_sign_symbol,
    )

    from elyclaims.formatting import money, number, percent, shown_value
    from elyclaims.i18n import LOCALES, translator

    locale = LOCALES[lang]
    assert money(value, lang) == format_currency(value, "EUR", locale=locale)
    assert number(value, lang) == format_decimal(value, locale=locale)
    assert number(integer, lang) == format_decimal(integer, locale=locale)
    text = format_decimal(value, format="#,##0.##", locale=locale)
    assert percent(value, lang) == (f"{text}%" if lang == "en" else f"{text}\u00a0%")
    if integer >= 0:
        assert translator(lang).n("{count} line", "{count} lines", integer) in {
            f"{format_decimal(integer, locale=locale)} line",
            f"{format_decimal(integer, locale=locale)} lines",
            f"{format_decimal(integer, locale=locale)} rivi",
            f"{format_decimal(integer, locale=locale)} riviä",
            f"{format_decimal(integer, locale=locale)} rad",
            f"{format_decimal(integer, locale=locale)} rader"}
    whole, _, fraction = format(value.copy_abs(), "f").partition(".")
    grouped = f"{int(whole):,}".replace(",", get_group_symbol(locale))
    digits = f"{grouped}{get_decimal_symbol(locale)}{fraction}" if fraction else grouped
    assert shown_value(value, lang) == (
        f"{get_minus_sign_symbol(locale)}{digits}" if value < 0 else digits)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@given(day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_dates_are_written_as_babel_writes_them(lang: str, day: date) -> None:
    """A date, every month and year: ``1.7.2026`` (fi, sv: Babel's short date), ``1 Sept 2026``
    (en: Babel's medium date, en_GB's abbreviations)."""
    from babel.dates import format_date

    from elyclaims.formatting import day as written
    from elyclaims.i18n import LOCALES

    assert written(day, lang) == format_date(day, "medium" if lang == "en" else "short",
                                             locale=LOCALES[lang])
