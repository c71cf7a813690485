"""The first run on any machine: any console encoding, paths as officers name them, and the
built artefacts (wheel, sdist) carrying the schemas."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, SAMPLES, run_elyclaims
from workbooks import clean_claim, expense_row, write_xlsx

SAMPLE = SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx"
ENCODINGS = ("ascii", "cp850", "cp1252")
# Finance departments' folders: spaces, Finnish and Swedish letters, a dash, a long name.
OFFICER_FOLDER = ("Talous ja hallinto/Valtionkorvaukset – ihmiskaupan uhrit/"
                  "Kustannukset 2026 Q3 Päijät-Häme ja Åboland (lopullinen versio, älä muuta)")


def _package(tmp_path: Path) -> Path:
    output = tmp_path / "sample.elyclaim.zip"
    run = run_elyclaims("build", SAMPLE, "-o", output, env={"SOURCE_DATE_EPOCH": "1793491200"})
    assert run.code == 0, run.err
    return output


def _with_errors(tmp_path: Path) -> Path:
    sheets = clean_claim()
    sheets["Kulut"].rows[1] = expense_row(Veroton_summa="satanen €", Kuvaus="Käynti – ”akuutti”")
    return write_xlsx(tmp_path / "virheitä.xlsx", sheets)


def _commands(tmp_path: Path) -> list[tuple[list[str | Path], int]]:
    """Every command that prints, with the exit code it must give (serve prints its address
    only; test_submission.py runs it)."""
    package = _package(tmp_path)
    broken = _with_errors(tmp_path)
    return [
        (["--version"], 0),
        (["--help"], 0),
        (["validate", "--help"], 0),
        (["validate", "--no-such-flag"], 2),
        (["validate", SAMPLE, "--lang", "fi"], 0),
        (["validate", SAMPLE, "--lang", "sv", "--format", "json"], 0),
        (["validate", broken, "--lang", "fi"], 1),
        (["validate", broken, "--lang", "sv", "--format", "json"], 1),
        (["validate", tmp_path / "ei-ole-olemassa.xlsx", "--lang", "fi"], 2),
        (["build", SAMPLE, "-o", tmp_path / "out.zip", "--lang", "fi"], 0),
        (["build", SAMPLE, "-o", tmp_path / "out2.zip", "--format", "json", "--lang", "sv"], 0),
        (["build", broken, "-o", tmp_path / "out3.zip", "--lang", "fi"], 1),
        (["inspect", package, "--lang", "fi"], 0),
        (["inspect", package, "--format", "json", "--lang", "sv"], 0),
        (["rules", "--lang", "fi"], 0),
        (["rules", "--lang", "sv", "--format", "json"], 0),
        (["submit", package, "--endpoint", "http://127.0.0.1:9", "--dry-run"], 0),
        (["submit", package, "--endpoint", "http://127.0.0.1:9", "--lang", "fi"], 3),
        (["ledger", "mark-submitted", package, "--reference", "VN/1/2026 – ä"], 0),
        (["ledger", "list"], 0),
        (["ledger", "list", "--format", "json"], 0),
        (["status"], 0),
        (["status", "--format", "json"], 0),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_command_survives_a_narrow_console(tmp_path: Path, encoding: str) -> None:
    """Under an ASCII, cp850 or cp1252 stream every command exits as it should, prints no
    traceback, writes only what the stream can take, and its JSON is the UTF-8 run's JSON."""
    for args, expected in _commands(tmp_path):
        fixed = {"SOURCE_DATE_EPOCH": "1793491200", "XDG_DATA_HOME": str(tmp_path / "data")}
        narrow = run_elyclaims(*args, env={**fixed, "PYTHONIOENCODING": encoding},
                               encoding=encoding)
        assert narrow.code == expected, (args, narrow.err)
        assert "Traceback" not in narrow.err + narrow.out, args
        assert narrow.out or narrow.err, args
        if "json" in args:
            wide = run_elyclaims(*args, env={**fixed, "PYTHONIOENCODING": "utf-8"})
            assert json.loads(narrow.out) == json.loads(wide.out), args


def test_euro_sign_degrades_to_eur_in_ascii(tmp_path: Path) -> None:
    """In an ASCII stream the Finnish summary says "EUR" where a UTF-8 one says "€"."""
    narrow = run_elyclaims("validate", SAMPLE, "--lang", "fi", env={"PYTHONIOENCODING": "ascii"},
                           encoding="ascii")
    wide = run_elyclaims("validate", SAMPLE, "--lang", "fi")
    assert "€" in wide.out
    assert "EUR" in narrow.out
    assert "Ei virheita." in narrow.out
    assert "Ei virheitä." in wide.out


def test_json_in_ascii_keeps_every_letter(tmp_path: Path) -> None:
    """An ASCII stream gets \\u escapes, so the Finnish message reads back letter for letter."""
    broken = _with_errors(tmp_path)
    narrow = run_elyclaims("validate", broken, "--lang", "fi", "--format", "json",
                           env={"PYTHONIOENCODING": "ascii"}, encoding="ascii")
    assert "\\u" in narrow.out
    messages = [f["message"] for f in json.loads(narrow.out)["findings"]]
    assert any("ei ole rahamäärä" in message for message in messages)


# ------------------------------------------------------------------------------- paths


@pytest.fixture
def officer_folder(tmp_path: Path) -> Path:
    """A folder named as a finance department names them, holding the sample workbook."""
    folder = tmp_path / OFFICER_FOLDER
    folder.mkdir(parents=True)
    shutil.copyfile(SAMPLE, folder / "Kulut heinä–syyskuu 2026 (Vantaa ja Kerava).xlsx")
    return folder


@pytest.mark.slow
def test_every_command_with_officers_paths(officer_folder: Path) -> None:
    """validate, build (the package beside the input), inspect and rules work with spaces,
    Finnish and Swedish letters and long names in every path, also with a config there."""
    workbook = next(officer_folder.glob("*.xlsx"))
    config = officer_folder / "asetukset – elyclaims.toml"
    config.write_text('language = "sv"\n', encoding="utf-8")
    package = officer_folder / "Korvaushakemus Q3 – lähetettävä.elyclaim.zip"
    validate = run_elyclaims("validate", workbook, "--config", config, "--format", "json")
    assert validate.code == 0, validate.err
    assert validate.json()["input"]["path"] == str(workbook)
    build = run_elyclaims("build", workbook, "-o", package, "--config", config)
    assert build.code == 0, build.err
    assert package.is_file()
    assert str(package) in build.out
    assert "Paketet skrevs" in build.out  # the config in that folder was read
    inspect = run_elyclaims("inspect", package, "--format", "json")
    assert inspect.code == 0, inspect.err
    assert inspect.json()["package"]["valid"] is True
    relative = run_elyclaims("validate", workbook.name, cwd=officer_folder)
    assert relative.code == 0, relative.err
    rules = run_elyclaims("rules", "--config", config, cwd=officer_folder)
    assert rules.code == 0
    assert "WB-001" in rules.out


def test_officers_paths_in_an_ascii_console(officer_folder: Path) -> None:
    """A path with letters the console cannot show is printed readably, not as a traceback."""
    workbook = next(officer_folder.glob("*.xlsx"))
    package = officer_folder / "paketti ä.zip"
    run = run_elyclaims("build", workbook, "-o", package, env={"PYTHONIOENCODING": "ascii"},
                        encoding="ascii")
    assert run.code == 0, run.err
    assert "paketti a.zip" in run.out
    assert package.is_file()


# -------------------------------------------------------------------- built artefacts


def _build(kind: str, source: Path, out: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "build", f"--{kind}", "--outdir", str(out), str(source)],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return next(out.glob("*.whl" if kind == "wheel" else "*.tar.gz"))


@pytest.mark.slow
def test_sdist_and_wheel_carry_the_schemas_without_a_symlink(tmp_path: Path) -> None:
    """The sdist holds schemas/ (no symlink anywhere); a wheel built from that sdist holds
    elyclaims/schemas/ with the same bytes, and elyclaims imported from the wheel reads them."""
    sdist = _build("sdist", REPO, tmp_path / "sdist")
    with tarfile.open(sdist) as archive:
        members = archive.getmembers()
        assert not [m.name for m in members if m.issym() or m.islnk()]
        packed = {Path(m.name).relative_to(Path(m.name).parts[0]).as_posix(): m for m in members
                  if len(Path(m.name).parts) > 1}
        for schema in ("claim-package-1.xsd", "manifest-1.xsd"):
            handle = archive.extractfile(packed[f"schemas/{schema}"])
            assert handle is not None
            assert handle.read() == (REPO / "schemas" / schema).read_bytes()
        if hasattr(tarfile, "data_filter"):
            archive.extractall(tmp_path / "unpacked", filter="data")
        else:  # pragma: no cover - Pythons before 3.11.4
            archive.extractall(tmp_path / "unpacked")
    unpacked = next((tmp_path / "unpacked").iterdir())
    wheel = _build("wheel", unpacked, tmp_path / "wheel")
    with zipfile.ZipFile(wheel) as archive:
        for schema in ("claim-package-1.xsd", "manifest-1.xsd"):
            assert archive.read(f"elyclaims/schemas/{schema}") == (
                REPO / "schemas" / schema).read_bytes()
    probe = ("import elyclaims, sys; from elyclaims.package import claim_schema; claim_schema(); "
             "print(elyclaims.__file__)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(wheel)}, check=False,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert str(wheel) in done.stdout  # imported from the wheel itself, not from the source tree
