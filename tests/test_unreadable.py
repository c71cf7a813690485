"""Anything that is not a readable workbook is one WB-001 finding with a plain message."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from conftest import Run, run_elyclaims
from elyclaims import read_claim
from workbooks import clean_claim, write_xlsx


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _pdf(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n")


def _encrypted(path: Path) -> None:
    plain = write_xlsx(path.with_name("plain.xlsx"), clean_claim())
    encrypted = io.BytesIO()
    with plain.open("rb") as source:
        OOXMLFile(source).encrypt("salasana", encrypted)
    path.write_bytes(encrypted.getvalue())


def _truncated(path: Path) -> None:
    data = write_xlsx(path.with_name("whole.xlsx"), clean_claim()).read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _ods(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")


def _docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")


def _claim_package(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.xml", "<Manifest/>")
        archive.writestr("claim.xml", "<ClaimPackage/>")


def _csv_named_xlsx(path: Path) -> None:
    path.write_text("Palvelupäivä;Asiakastunnus;Kululaji\n1.7.2026;IHK-1;HEALTH\n", encoding="utf-8")


def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 4)


def _damaged_xml(path: Path) -> None:
    source = write_xlsx(path.with_name("whole.xlsx"), clean_claim())
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as damaged:
        for name in original.namelist():
            data = original.read(name)
            damaged.writestr(name, b"<worksheet><sheetData><row" if "sheet" in name and
                             name.endswith(".xml") and "worksheets" in name else data)


CASES: list[tuple[str, Callable[[Path], None], str, str]] = [
    ("claim.xlsx", _empty, "empty", "empty"),
    ("claim.xlsx", _pdf, "pdf", "PDF"),
    ("claim.xlsx", _encrypted, "encrypted", "password"),
    ("claim.xlsx", _truncated, "truncated", "damaged or incomplete"),
    ("claim.ods", _ods, "damaged", "cannot be read"),
    ("claim.xlsx", _docx, "not_workbook_zip", "Word document"),
    ("claim.xlsx", _csv_named_xlsx, "text_as_workbook", "plain text"),
    ("claim.elyclaim.zip", _claim_package, "claim_package", "claim package"),
    ("claim.dat", _binary, "unknown_format", "not recognised"),
    ("claim.xlsx", _damaged_xml, "damaged", "cannot be read"),
]


@pytest.mark.parametrize(("name", "make", "variant", "words"), CASES,
                         ids=[case[2] for case in CASES])
def test_one_plain_wb001(
    tmp_path: Path, name: str, make: Callable[[Path], None], variant: str, words: str
) -> None:
    """Each kind of unreadable file is one WB-001 that says what the file is."""
    path = tmp_path / name
    make(path)
    claim, report = read_claim(path)
    assert claim is None
    assert not report.opened
    assert [f.key for f in report.findings] == [f"WB-001/{variant}"]
    assert words in report.findings[0].message("en")
    assert report.findings[0].hint("fi")


@pytest.mark.parametrize(("name", "make", "variant", "words"), CASES,
                         ids=[case[2] for case in CASES])
def test_cli_exit_2_without_traceback(
    tmp_path: Path, name: str, make: Callable[[Path], None], variant: str, words: str,
) -> None:
    """The CLI, in a real process, exits 2 with a WB-001 in the JSON report and no traceback."""
    path = tmp_path / name
    make(path)
    run = run_elyclaims("validate", path, "--format", "json")
    assert run.code == 2
    assert "Traceback" not in run.out + run.err
    assert [(f["rule"], f["message_key"]) for f in run.json()["findings"]] == [
        ("WB-001", f"WB-001/{variant}")
    ]


def test_missing_file(cli: Callable[..., Run]) -> None:
    """A path that does not exist is WB-001 naming it, exit 2."""
    run = cli("validate", "nowhere.xlsx")
    assert run.code == 2
    assert "nowhere.xlsx" in run.out
    assert "WB-001" in run.out


def test_folder_given(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """A folder instead of a file is WB-001, exit 2."""
    (tmp_path / "folder.xlsx").mkdir()
    run = cli("validate", tmp_path / "folder.xlsx")
    assert run.code == 2
    assert "folder" in run.out


def test_unreadable_file_never_modified(tmp_path: Path) -> None:
    """A refused file is left byte for byte as it was."""
    path = tmp_path / "claim.xlsx"
    _truncated(path)
    before = path.read_bytes()
    read_claim(path)
    assert path.read_bytes() == before
