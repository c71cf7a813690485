"""The command line end to end: exit codes, the JSON report's shape, text report, options."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import SAMPLES, Run
from workbooks import CLEAN_TOTALS, clean_claim, expense_row, write_xlsx

JSON_FINDING_KEYS = {"rule", "severity", "message", "hint", "sheet", "row", "column", "cell",
                     "field", "value", "line_id"}


def test_clean_workbook_exit_0_and_json_shape(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """A clean workbook exits 0 and the JSON report has every key of the public contract."""
    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    run = cli("validate", path, "--format", "json")
    assert run.code == 0, run.out
    report = run.json()
    assert report["report_version"] == 1
    assert report["tool"] == "elyclaims"
    assert report["input"]["path"] == str(path)
    assert len(report["input"]["sha256"]) == 64
    assert report["summary"] == report["summary"] | {
        "clients": 2, "errors": 0, **CLEAN_TOTALS.json()}
    assert report["summary"]["by_category"]["HEALTH"] == {
        "lines": 1, "net": "480.00", "vat": "0.00", "gross": "480.00"}
    assert {"report_version", "tool", "tool_version", "ruleset", "input", "summary",
            "findings"} <= report.keys()


def test_errors_exit_1_with_located_findings(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """Error findings exit 1; each JSON finding names sheet, row, column, cell and field."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2] = expense_row(Palvelupäivä="31.2.2026")
    run = cli("validate", write_xlsx(tmp_path / "c.xlsx", sheets), "--format", "json")
    assert run.code == 1
    finding = next(f for f in run.json()["findings"] if f["rule"] == "WB-004")
    assert finding.keys() >= JSON_FINDING_KEYS
    assert finding | {"sheet": "Kulut", "row": 3, "column": "A", "cell": "A3",
                      "field": "service_date", "value": "31.2.2026", "severity": "error",
                      "line_id": "Kulut:3"} == finding


def test_text_report_names_cells_as_excel_does(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """The text report groups by sheet and writes Kulut!I3 (Veroton summa)."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2] = expense_row(Veroton_summa="satanen")
    run = cli("validate", write_xlsx(tmp_path / "c.xlsx", sheets), "--lang", "fi")
    assert run.code == 1
    assert "== Kulut ==" in run.out
    assert "Kulut!I3 (Veroton summa): WB-004 [virhe] Arvo ”satanen” ei ole rahamäärä." in run.out
    assert "Korjaus:" in run.out


def test_strict_fails_on_warnings(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """Warnings pass by default and exit 1 with --strict."""
    sheets = clean_claim()
    sheets["Kulut"].rows.append(["Yhteensä", *[None] * 7, 1, 0, 1])
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    assert cli("validate", path).code == 0
    assert cli("validate", path, "--strict").code == 1


def test_max_findings_limits_the_list_not_the_counts(
    tmp_path: Path, cli: Callable[..., Run]
) -> None:
    """--max-findings shows N findings; the summary still counts all."""
    sheets = clean_claim()
    for index in range(1, 4):
        sheets["Kulut"].rows[index] = expense_row(Palvelupäivä="ei päivä")
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    full = cli("validate", path, "--format", "json").json()
    total = len(full["findings"])
    assert full["summary"]["errors"] >= 3
    report = cli("validate", path, "--format", "json", "--max-findings", "1").json()
    assert report["findings"] == full["findings"][:1]
    assert report["findings_omitted"] == total - 1
    assert report["summary"] == full["summary"]
    text = cli("validate", path, "--max-findings", "2").out
    assert f"{total - 2} more findings" in text


def test_language_flag_config_and_environment(
    tmp_path: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--lang wins over the config, which wins over LANG."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1] = expense_row(Palvelupäivä="x")
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    monkeypatch.setenv("LANG", "sv_FI.UTF-8")
    assert "är inte ett datum" in cli("validate", path).out
    (tmp_path / "elyclaims.toml").write_text('language = "fi"\n', encoding="utf-8")
    assert "ei ole päivämäärä" in cli("validate", path).out
    assert "is not a date" in cli("validate", path, "--lang", "en").out


@pytest.mark.parametrize("content", ["language = 'de'\n", "not toml [", "[claimant]\nfoo = 1\n"])
def test_bad_config_exit_2(tmp_path: Path, cli: Callable[..., Run], content: str) -> None:
    """An invalid config is a one-line error naming the file, exit 2, no traceback."""
    (tmp_path / "bad.toml").write_text(content, encoding="utf-8")
    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    run = cli("validate", path, "--config", tmp_path / "bad.toml")
    assert run.code == 2
    assert "bad.toml" in run.err
    assert "Traceback" not in run.err


def test_missing_config_file_exit_2(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """--config naming a file that does not exist exits 2."""
    run = cli("validate", write_xlsx(tmp_path / "c.xlsx", clean_claim()), "--config", "none.toml")
    assert run.code == 2
    assert "does not exist" in run.err


def test_environment_overrides_config(
    tmp_path: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ELYCLAIMS_* variables override the config file."""
    sheets = clean_claim()
    del sheets["Hakemus"]
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    (tmp_path / "elyclaims.toml").write_text(
        '[claimant]\nname = "A"\ntype = "kunta"\nbusiness_id = "0201256-6"\n'
        '[claim]\nperiod_start = "1.7.2026"\nperiod_end = "30.9.2026"\n', encoding="utf-8")
    assert cli("validate", path).code == 1  # purpose missing: WB-010
    monkeypatch.setenv("ELYCLAIMS_CLAIM__PURPOSE", "päätöshakemus")
    run = cli("validate", path, "--format", "json")
    assert [f["rule"] for f in run.json()["findings"] if f["rule"].startswith("WB")] == []


@pytest.mark.parametrize(("value", "said"), [
    ("{not json", "ELYCLAIMS_LEGAL_BASIS: not valid JSON"),
    ('{"681/2023": 1}', "ELYCLAIMS_LEGAL_BASIS: legal_basis.681/2023: Input should be"),
])
def test_a_whole_table_in_a_variable_is_json(
    tmp_path: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, value: str,
    said: str,
) -> None:
    """A config key whose value is a table, given whole as a variable, is read as JSON: a value
    that is not JSON, or not the table's, is a config error naming the variable (exit 2), never
    a traceback (it was an internal error)."""
    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    monkeypatch.setenv("ELYCLAIMS_LEGAL_BASIS", value)
    run = cli("validate", path)
    assert (run.code, said in run.err, "Traceback" in run.err) == (2, True, False), run.err


_CLIENTS_BY_LANGUAGE = {
    "fi": '[[clients]]\nAsiakastunnus = "IHK-1"\n"Ottopäivä" = "1.1.2026"\nKotikunta = "092"\n'
          '[[clients]]\nasiakastunnus = "IHK-2"\n"Auttamisjärjestelmään ottopäivä" = 2026-01-01\n'
          'Kotikunta = "245"\n"Ilman huoltajaa" = "ei"\n',
    "sv": '[[clients]]\nKlientnummer = "IHK-1"\nIntagningsdatum = "1.1.2026"\nHemkommun = "092"\n'
          '[[clients]]\nKlientnummer = "IHK-2"\nIntagningsdatum = 2026-01-01\nHemkommun = "245"\n'
          '"Utan vårdnadshavare" = "nej"\n',
    "en": '[[clients]]\n"Client reference" = "IHK-1"\n"Admission date" = "1.1.2026"\n'
          '"Home municipality" = "092"\n[[clients]]\nclient_reference = "IHK-2"\n'
          'admission_date = 2026-01-01\nhome_municipality = "245"\nunaccompanied = false\n',
}


@pytest.mark.parametrize("lang", sorted(_CLIENTS_BY_LANGUAGE))
def test_clients_in_the_config_by_the_sheets_headers(
    tmp_path: Path, cli: Callable[..., Run], lang: str
) -> None:
    """[[clients]] entries keyed by the clients sheet's headers, in any of the three languages
    (any case, the field names too), stand in for the clients sheet: the claim checks clean."""
    sheets = clean_claim()
    del sheets["Asiakkaat"]
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    (tmp_path / "elyclaims.toml").write_text(_CLIENTS_BY_LANGUAGE[lang], encoding="utf-8")
    run = cli("validate", path, "--format", "json")
    assert run.code == 0, run.out
    assert run.json()["summary"]["clients"] == 2


def test_an_unknown_clients_key_names_the_key_and_the_file(
    tmp_path: Path, cli: Callable[..., Run]
) -> None:
    """A [[clients]] key that is no header of the clients sheet is exit 2, naming the entry,
    the key and the file, and listing the headers."""
    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    (tmp_path / "elyclaims.toml").write_text(
        '[[clients]]\nAsiakastunnus = "IHK-9"\n"Ottopäivä" = "1.1.2026"\nKotikunta = "092"\n'
        '[[clients]]\nAsiakastunnus = "IHK-8"\nKotikuntaa = "092"\n', encoding="utf-8")
    run = cli("validate", path)
    assert run.code == 2
    assert "elyclaims.toml" in run.err
    assert 'clients entry 2: "Kotikuntaa" is not a header of the clients sheet' in run.err
    assert "Asiakastunnus" in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize("argv", [[], ["validate"], ["nonsense"], ["validate", "x", "--format",
                                                                   "xml"],
                                  ["validate", "x", "--max-findings", "-1"]])
def test_usage_errors_exit_2(cli: Callable[..., Run], argv: list[str]) -> None:
    """Usage errors exit 2 with a usage line."""
    run = cli(*argv)
    assert run.code == 2
    assert "usage:" in run.err


def test_python_dash_m_and_fast_start() -> None:
    """``python -m elyclaims`` works and --help does not import the heavy libraries."""
    done = subprocess.run([sys.executable, "-m", "elyclaims", "--help"], capture_output=True,
                          text=True, check=True)
    assert "validate" in done.stdout
    code = ("import sys\nfrom elyclaims.cli import main\nmain(['--help'])\n"
            "print(sorted(m for m in ('openpyxl','lxml','pydantic','requests') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "validate" in done.stdout
    assert done.stdout.strip().endswith("[]")


def test_validate_and_build_do_not_import_the_web_stack(tmp_path: Path) -> None:
    """The web stack (FastAPI, Starlette, uvicorn, psycopg) is imported by serve alone: a
    validate and a build of a sample import none of it."""
    sample = SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx"
    code = ("import sys\nfrom elyclaims.cli import main\n"
            f"main(['validate', {str(sample)!r}, '--format', 'json'])\n"
            f"main(['build', {str(sample)!r}, '-o', {str(tmp_path / 'p.zip')!r}, '--ledger', "
            f"{str(tmp_path / 'l.sqlite3')!r}])\n"
            "print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn', 'psycopg', 'anyio') "
            "if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**os.environ, "ELYCLAIMS_TODAY": "2026-11-29"})
    assert (tmp_path / "p.zip").is_file(), done.stderr
    assert done.stderr.strip().endswith("[]"), done.stderr


def _buffered() -> dict[str, str]:
    """The environment with output buffered, as on an officer's machine (not unbuffered, as
    some CI runners set it)."""
    import os

    return {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}


def _entry_points() -> list[list[str]]:
    """The program as officers and scripts start it: ``python -m elyclaims``, and the
    ``elyclaims`` command installed beside this Python (where it is)."""
    commands = [[sys.executable, "-m", "elyclaims"]]
    script = Path(sys.executable).with_name("elyclaims")
    if script.is_file():
        commands.append([str(script)])
    return commands


def test_the_program_ends_with_all_of_its_output_and_its_exit_code(tmp_path: Path) -> None:
    """The program leaves its memory to the system when it ends (no freeing of a claim's
    objects one by one), after its output is flushed: a JSON report of several megabytes
    comes whole, through a pipe, with the exit code of the findings; a clean claim exits 0,
    a usage error 2; from both ways of starting it."""
    import json

    sheets = clean_claim()
    sheets["Kulut"].rows.extend(expense_row(Laskun_numero="T-1") for _ in range(3000))
    workbook = write_xlsx(tmp_path / "many.xlsx", sheets)
    clean = write_xlsx(tmp_path / "clean.xlsx", clean_claim())
    for command in _entry_points():
        done = subprocess.run([*command, "validate", str(workbook), "--format", "json"],
                              capture_output=True, check=False, env=_buffered())
        assert done.returncode == 1, done.stderr
        assert len(done.stdout) > 1 << 20
        document = json.loads(done.stdout)
        assert len(document["findings"]) == document["summary"]["errors"] + document[
            "summary"]["warnings"] + document["summary"].get("infos", 0) >= 3000
        small = subprocess.run([*command, "validate", str(clean), "--lang", "en"],
                               capture_output=True, check=False, text=True, env=_buffered())
        assert small.returncode == 0
        assert f"€{CLEAN_TOTALS.net:,}" in small.stdout  # a few hundred bytes, all flushed
        assert small.stdout.rstrip().endswith("No errors.")
        usage = subprocess.run([*command, "validate"], capture_output=True, check=False,
                               env=_buffered())
        assert usage.returncode == 2
        assert b"usage:" in usage.stderr


def test_a_reader_that_goes_away_is_no_error(tmp_path: Path) -> None:
    """`elyclaims validate ... | head`: the reader closes the pipe after its first bytes; the
    program ends with the report's exit code, no traceback, no complaint about the pipe."""
    sheets = clean_claim()
    sheets["Kulut"].rows.extend(expense_row(Laskun_numero="T-1") for _ in range(3000))
    workbook = write_xlsx(tmp_path / "many.xlsx", sheets)
    for command in _entry_points():
        process = subprocess.Popen([*command, "validate", str(workbook), "--format", "json"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=_buffered())
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.read(100).startswith(b"{")
        process.stdout.close()
        with process.stderr:
            err = process.stderr.read()
        assert process.wait(timeout=120) in {0, 1}
        assert b"Traceback" not in err
        assert b"Exception ignored" not in err
        assert b"Broken pipe" not in err


def test_samples_validate_clean(cli: Callable[..., Run]) -> None:
    """Every sample validates with exit 0 and its exact totals."""
    expected = {
        "vantaa-kerava-hva-2026-q3.xlsx": ("6476.60", "228.05", "6704.65", 12),
        "osterbotten-valfardsomrade-2026-h1.xlsx": ("2650.00", "150.45", "2800.45", 4),
    }
    for name, (net, vat, gross, lines) in expected.items():
        run = cli("validate", SAMPLES / name, "--format", "json")
        assert run.code == 0, run.out
        summary = run.json()["summary"]
        assert (summary["net_total"], summary["vat_total"], summary["gross_total"],
                summary["lines"]) == (net, vat, gross, lines)
    csvs = sorted((SAMPLES / "helsinki-erp-2026-09").glob("*.csv"))
    run = cli("validate", *csvs, "--format", "json")
    assert run.code == 0, run.out
    assert run.json()["summary"]["net_total"] == "2237.75"
