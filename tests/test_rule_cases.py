"""Data-driven rule cases: a folder per rule, a workbook that triggers it and one that does not."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from elyclaims import read_claim
from elyclaims.catalogue import catalogue
from elyclaims.config import Config
from elyclaims.findings import Finding, column_index
from elyclaims.ledger import Ledger
from elyclaims.package import build_package
from workbooks import Sheet, clean_claim, write_xlsx

CASES = Path(__file__).parent / "rules"
TODAY = date(2026, 11, 29)


def _cell(address: str) -> tuple[str, int, int]:
    sheet, _, cell = address.partition("!")
    letters = "".join(c for c in cell if c.isalpha())
    return sheet, int(cell[len(letters):]), column_index(letters)


def _apply(sheets: dict[str, Sheet], case: dict[str, Any]) -> None:
    for address, value in case.get("cells", {}).items():
        sheet, row, column = _cell(address)
        rows = sheets[sheet].rows
        while len(rows) < row:
            rows.append([])
        cells = rows[row - 1]
        while len(cells) < column:
            cells.append(None)
        cells[column - 1] = None if value == "" else value
    for sheet, rows in case.get("append", {}).items():
        sheets[sheet].rows.extend(list(row) for row in rows)


def where(finding: Finding) -> str:
    """``Sheet!A1``, ``Sheet!row`` or ``Sheet``, as the case files write locations."""
    location = finding.location
    if location.cell:
        return f"{location.sheet}!{location.cell}"
    if location.row:
        return f"{location.sheet}!{location.row}"
    return location.sheet or location.field or ""


def _ledger(tmp_path: Path, settings: dict[str, Any]) -> Path:
    """A real ledger holding the clean base workbook's package, submitted (unless the case
    says otherwise) under the reference OH-2026-1, with the status the case gives."""
    base = write_xlsx(tmp_path / "earlier.xlsx", clean_claim())
    claim, report = read_claim(base, today=TODAY)
    assert claim is not None
    built = build_package(claim, report, tmp_path / "earlier.elyclaim.zip")
    path = tmp_path / "ledger.sqlite3"
    with Ledger.open(path, create=True) as ledger:
        ledger.record_built(built, claim)
        if settings.get("submitted", True):
            ledger.record_submission(built.sha256, reference="OH-2026-1", how="marked")
        if "status" in settings:
            ledger.record_status(built.sha256, settings["status"])
        if settings.get("superseded"):
            ledger.supersede(built.sha256)
    return path


def run_case(path: Path, tmp_path: Path) -> tuple[str, list[Finding], list[dict[str, Any]]]:
    """Build the case's workbook, check it, and return the rule, its findings and the expected."""
    case = tomllib.loads(path.read_text(encoding="utf-8"))
    rule = path.parent.name
    sheets = clean_claim()
    _apply(sheets, case)
    workbook = write_xlsx(tmp_path / f"{rule}-{path.stem}.xlsx", sheets)
    config = Config.model_validate(case.get("config", {}))
    ledger = _ledger(tmp_path, case["ledger"]) if "ledger" in case else None
    _, report = read_claim(workbook, config=config, today=case.get("today", TODAY),
                           ledger=ledger)
    return rule, [f for f in report.findings if f.rule == rule], case.get("expect", [])


CASE_FILES = sorted(CASES.glob("*/*.toml"))


@pytest.mark.parametrize("path", CASE_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in CASE_FILES])
def test_rule_case(path: Path, tmp_path: Path) -> None:
    """Each case gives exactly its expected findings of its folder's rule, at the exact cells."""
    rule, found, expected = run_case(path, tmp_path)
    assert sorted(where(f) for f in found) == sorted(e["where"] for e in expected)
    for expectation in expected:
        assert expectation["rule"] == rule
        at_place = [f for f in found if where(f) == expectation["where"]]
        if "key" in expectation:
            assert expectation["key"] in {f.key for f in at_place}
        for name, value in expectation.get("params", {}).items():
            assert value in {f.parameters.get(name) for f in at_place}, (name, value)
    if path.stem.startswith("clean"):
        assert expected == []
    else:
        assert expected, "a triggering case must expect findings"


def test_every_rule_of_the_catalogue_has_cases() -> None:
    """Every CL, CT, EL, AM, DU, PV and PR rule has a triggering and a clean case."""
    families = ("CL", "CT", "EL", "AM", "DU", "PV", "PR")
    for rule_id, info in catalogue().items():
        if info.family in families:
            assert (CASES / rule_id / "triggers.toml").is_file(), rule_id
            assert (CASES / rule_id / "clean.toml").is_file(), rule_id


def test_base_workbook_is_entirely_clean(tmp_path: Path) -> None:
    """The workbook every case starts from has no findings at all."""
    _, report = read_claim(write_xlsx(tmp_path / "base.xlsx", clean_claim()), today=TODAY)
    assert [(f.rule, where(f)) for f in report.findings] == []


__all__ = ["run_case", "where"]
