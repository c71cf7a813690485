"""The layering the code keeps (docs/architecture.md). The import contract itself runs in the
lint step (``lint-imports``); what it cannot express is checked here."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from conftest import REPO

SOURCE = REPO / "src" / "elyclaims"


def test_no_module_imports_another_packages_private_module() -> None:
    """A package's private modules (``_name``) are imported only from inside that package:
    what others need is made public in the package's ``__init__``."""
    offenders = []
    for path in SOURCE.rglob("*.py"):
        package = path.relative_to(SOURCE).parent.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            parts = node.module.split(".")
            if parts[0] != "elyclaims" or len(parts) < 3 or not parts[-1].startswith("_"):
                continue
            if tuple(parts[1:-1]) != package:
                offenders.append(f"{path.relative_to(SOURCE)}: {node.module}")
    assert offenders == []


#: Private modules a test may still reach into, each with its reason.
TESTS_MAY_IMPORT = {
    "elyclaims.cli._terminal": "the progress bar's own unit test drives it with a fake clock",
    "elyclaims._memory": "no public path holds two checks open in two threads at one moment",
    "elyclaims.reading._calamine": "no public path sends the frames' unpickler a hostile frame",
}


def test_tests_use_public_seams() -> None:
    """The tests import what elyclaims makes public (a setting, a parameter, a package's
    ``__init__``) rather than private modules, and monkeypatch none of its names."""
    offenders = []
    for path in (REPO / "tests").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                private = parts[0] == "elyclaims" and any(p.startswith("_") for p in parts)
                hidden = [a.name for a in node.names if a.name.startswith("_")]
                if (private and node.module not in TESTS_MAY_IMPORT) or (
                        parts[0] == "elyclaims" and hidden):
                    offenders.append(f"{path.name}:{node.lineno}: {node.module}")
            elif (isinstance(node, ast.Attribute) and node.attr == "setattr"
                  and isinstance(node.value, ast.Name) and node.value.id == "monkeypatch"):
                offenders.append(f"{path.name}:{node.lineno}: monkeypatch.setattr")
    assert offenders == []


def test_the_flat_view_of_a_report(tmp_path: Path) -> None:
    """report.flat() lists each finding as (rule, sheet, cell) in report order: a finding on
    a cell names it, one on a sheet names no cell, an empty report is an empty list; a family
    or a rule id keeps only its findings."""
    from elyclaims import read_claim
    from workbooks import clean_claim, expense_row, write_xlsx

    _, clean = read_claim(write_xlsx(tmp_path / "clean.xlsx", clean_claim()),
                          today=date(2026, 11, 29))
    assert clean.flat() == []
    sheets = clean_claim()
    sheets["Kulut"].rows[2] = expense_row(Palvelupäivä="32.1.2026", Laskun_numero="T-2")
    sheets["Kulut"].rows[3] = expense_row(Laskun_numero="T-1")
    del sheets["Hakemus"].rows[-1]  # no email: CL-008 on the claim sheet, no cell
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=date(2026, 11, 29))
    flat = report.flat()
    assert ("WB-004", "Kulut", "A3") in flat
    assert ("DU-001", "Kulut", "H4") in flat
    assert ("CL-008", "Hakemus", None) in flat
    assert flat == [(f.rule, f.location.sheet, f.location.cell) for f in report.findings]
    assert report.flat("WB") == [("WB-004", "Kulut", "A3")]  # one family, or one rule
    assert report.flat("DU-001") == [t for t in flat if t[0] == "DU-001"] != []
