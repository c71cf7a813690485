"""Data-driven rule cases: a folder per rule, a workbook that triggers it and one that does not."""

from __future__ import annotations

import hashlib
import os
import tomllib
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from openpyxl import load_workbook
from openpyxl.workbook.defined_name import DefinedName

from elyclaims import read_claim
from elyclaims.catalogue import catalogue
from elyclaims.config import Config
from elyclaims.findings import Finding, column_index
from elyclaims.ledger import Ledger
from elyclaims.limits import ReadLimits
from elyclaims.model import Claim
from elyclaims.package import BuildRefused, build_package, inspect_package
from elyclaims.report import Report
from elyclaims.rules import FAMILIES, RULES
from elyclaims.vocabulary import TEMPLATE_STAMP
from wording import foreign
from workbooks import Sheet, clean_claim, minimal_pdf, write_xlsx

CASES = Path(__file__).parent / "rules"
#: The engine the cases read with where the environment names one, as the command line does
#: (`tox -e mutation` reads in this process with openpyxl: a calamine child per read is most
#: of a case's time, and reading is not what mutation testing changes).
ENGINE = os.environ.get("ELYCLAIMS_ENGINE")
TODAY = date(2026, 11, 29)
CREATED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _cell(address: str) -> tuple[str, int, int]:
    sheet, _, cell = address.partition("!")
    letters = "".join(c for c in cell if c.isalpha())
    return sheet, int(cell[len(letters):]), column_index(letters)


def _apply(sheets: dict[str, Sheet], case: dict[str, Any]) -> None:
    for title in case.get("remove", []):
        del sheets[title]
    for title, new in case.get("rename", {}).items():
        sheets[new] = sheets.pop(title)
    for title, count in case.get("keep_rows", {}).items():
        del sheets[title].rows[count:]
    for title, rows in case.get("sheets", {}).items():
        sheets[title] = Sheet([list(row) for row in rows])
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
    for title in case.get("hidden_sheets", []):
        sheets[title].hidden = True
    for title, numbers in case.get("hidden_rows", {}).items():
        sheets[title].hidden_rows.update(numbers)
    for title, ranges in case.get("merged", {}).items():
        sheets[title].merged.extend(ranges)
    for address, formula in case.get("formulas", {}).items():
        sheet, row, column = _cell(address)
        sheets[sheet].rows[row - 1][column - 1] = "=" + formula["formula"]


def _cache_formula_values(path: Path, case: dict[str, Any]) -> None:
    """Write the cached values of the case's formulas into the saved workbook, as a
    spreadsheet program does after calculating (openpyxl writes formulas without them)."""
    cached = {address: formula["cached"] for address, formula in case.get("formulas", {}).items()
              if "cached" in formula}
    if not cached:
        return
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    book = load_workbook(path, read_only=True)
    titles = book.sheetnames
    book.close()
    for address, value in cached.items():
        sheet, _, cell = address.partition("!")
        member = f"xl/worksheets/sheet{titles.index(sheet) + 1}.xml"
        text = members[member].decode()
        start = text.index(f'<c r="{cell}"')
        empty = text.index("<v></v>", start)
        members[member] = (text[:empty] + f"<v>{value}</v>" + text[empty + 7:]).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _workbook(path: Path, case: dict[str, Any]) -> Path:
    """The case's workbook: the clean one changed as the case says, or the case's own bytes."""
    path = path.with_suffix(case.get("suffix", ".xlsx"))
    if "raw" in case:
        path.write_bytes(case["raw"].encode())
        return path
    sheets = clean_claim()
    _apply(sheets, case)
    write_xlsx(path, sheets)
    _cache_formula_values(path, case)
    if "template_version" in case:
        book = load_workbook(path)
        book.defined_names[TEMPLATE_STAMP] = DefinedName(
            TEMPLATE_STAMP, attr_text=f'"{case["template_version"]}"', hidden=True)
        book.save(path)
    return path


def where(finding: Finding) -> str:
    """``Sheet!A1``, ``Sheet!row`` or ``Sheet``, as the case files write locations."""
    location = finding.location
    if location.cell:
        return f"{location.sheet}!{location.cell}"
    if location.row:
        return f"{location.sheet}!{location.row}"
    return location.sheet or location.field or ""


def _ledger(tmp_path: Path, settings: dict[str, Any]) -> Path:
    """A real ledger holding the clean base workbook's package (changed as the ``[ledger]``
    table says, as a case changes its workbook), submitted (unless the case says otherwise)
    under the reference OH-2026-1, with the status the case gives."""
    sheets = clean_claim()
    _apply(sheets, settings)
    base = write_xlsx(tmp_path / "earlier.xlsx", sheets)
    claim, report = read_claim(base, today=TODAY, ledger=None)
    assert claim is not None
    built = build_package(claim, report, tmp_path / "earlier.elyclaim.zip", ledger=None)
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


def _members(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _restated(manifest: bytes, members: dict[str, bytes]) -> bytes:
    """*manifest* with each listed member's size and digest restated from *members*."""
    root = etree.fromstring(manifest)
    for entry in root:
        data = members.get(entry.get("path"))
        if data is not None:
            entry.set("size", str(len(data)))
            entry.set("sha256", hashlib.sha256(data).hexdigest())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _tamper(package: Path, change: dict[str, Any]) -> None:
    """Change the built *package* as the case's ``[package]`` table says."""
    if "raw" in change:
        package.write_bytes(change["raw"].encode())
        return
    members = _members(package)
    for edit in change.get("replace", []):
        data = members[edit["member"]]
        old, new = edit["old"].encode(), edit["new"].encode()
        assert old in data, f"{edit['old']!r} is not in {edit['member']}"
        members[edit["member"]] = data.replace(old, new)
    if "truncate" in change:
        cut = change["truncate"]
        data = members[cut["member"]]
        members[cut["member"]] = data[:data.index(cut["after"].encode()) + len(cut["after"])
                                      + cut.get("keep_bytes", 0)]
    for name in change.get("remove", []):
        del members[name]
    members.update((name, text.encode()) for name, text in change.get("add", {}).items())
    if change.get("restate") and "manifest.xml" in members:
        members["manifest.xml"] = _restated(members["manifest.xml"], members)
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.comment = change.get("comment", "").encode()
    package.write_bytes(change.get("prefix", "").encode() + package.read_bytes()
                        + change.get("suffix", "").encode())


def _built(claim: Claim, report: Report, case: dict[str, Any], tmp_path: Path) -> list[Finding]:
    """The package rules' findings: from building (``[build]``) or from inspecting the built
    package after the case changed it (``[package]``)."""
    folder = None
    if {"attachments", "pdf"} & set(case.get("build", {})):
        folder = tmp_path / "liitteet"
        folder.mkdir()
        for name, text in case["build"].get("attachments", {}).items():
            (folder / name).write_text(text, encoding="utf-8")
        # A real PDF showing the text ("": a page without text, as a scanned invoice's).
        for name, text in case["build"].get("pdf", {}).items():
            (folder / name).write_bytes(minimal_pdf(text or None))
    try:
        built = build_package(claim, report, tmp_path / "claim.elyclaim.zip", attachments=folder,
                              created_at=CREATED)
    except BuildRefused as refused:
        return list(refused.report.findings)
    if "package" not in case:
        return list(built.report.findings)
    _tamper(built.path, case["package"])
    limits = ReadLimits(**case["package"].get("limits", {}))
    return list(inspect_package(built.path, limits=limits, today=TODAY,
                                sent_by=case["package"].get("sent_by")).report.findings)


def run_case(path: Path, tmp_path: Path) -> tuple[str, list[Finding], list[dict[str, Any]]]:
    """Build the case's workbook, check it (and build or inspect its package where the case
    says), and return the rule, its findings and the expected. A finding on a cell of an expense
    line names that line (its line id), whatever its rule."""
    case = tomllib.loads(path.read_text(encoding="utf-8"))
    rule = path.parent.name
    workbook = _workbook(tmp_path / f"{rule}-{path.stem}.xlsx", case)
    settings = case.get("config", {})
    config = Config.model_validate({"engine": ENGINE, **settings} if ENGINE else settings)
    ledger = _ledger(tmp_path, case["ledger"]) if "ledger" in case else None
    claim, report = read_claim(workbook, config=config, today=case.get("today", TODAY),
                               ledger=ledger)
    findings = list(report.findings)
    lines = {(line.source.sheet, line.source.row): line.line_id
             for line in (claim.expenses if claim is not None else ())}
    on_lines = [f for f in findings
                if f.location.column and (f.location.sheet, f.location.row) in lines]
    assert [(where(f), f.line_id) for f in on_lines] == [
        (where(f), lines[f.location.sheet, f.location.row]) for f in on_lines]
    if "build" in case or "package" in case:
        assert claim is not None
        findings = _built(claim, report, case, tmp_path)
    return rule, findings, case.get("expect", [])


CASE_FILES = sorted(CASES.glob("*/*.toml"))


#: Parameters that depend on the run or on a library's wording, which cases do not state:
#: today's date, the earlier package's id, a temporary folder, a parser's own message; and the
#: digests of a member that carries elyclaims' version.
UNSTATED = {"submitted", "package", "folder", "received", "reason"}
UNSTATED_OF = {"PK-005": {"expected", "actual"}}


def _stated(finding: Finding) -> tuple[str, str, str]:
    return finding.rule, where(finding), finding.severity.value


def _in_full(finding: Finding) -> tuple[str, str, str | None, str]:
    unstated = UNSTATED | UNSTATED_OF.get(finding.rule, set())
    params = {name: str(text) for name, text in finding.parameters.items() if name not in unstated}
    return where(finding), finding.key, finding.value_text, repr(sorted(params.items()))


@pytest.mark.parametrize("path", CASE_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in CASE_FILES])
def test_rule_case(path: Path, tmp_path: Path) -> None:
    """Each case gives exactly the findings it states, of every rule: each at its cell, with its
    severity, as often as stated (a rule firing on another rule's case fails that case); its
    folder's rule's findings in full: message key, value and parameters. A clean case states
    none of its folder's rule. Every finding reads in Finnish and Swedish without a word of
    English, a category code or a timestamp."""
    rule, every, expected = run_case(path, tmp_path)
    for finding in every:
        for lang in ("fi", "sv"):
            text = f"{finding.location.text(lang)} {finding.message(lang)} {finding.hint(lang)}"
            assert foreign(text, lang) == [], (finding.rule, text)
    assert sorted(map(_stated, every)) == sorted(
        (e["rule"], e["where"], e["severity"]) for e in expected)
    own = [e for e in expected if e["rule"] == rule]
    assert sorted(_in_full(f) for f in every if f.rule == rule) == sorted(
        (e["where"], e.get("key", rule), e.get("value"),
         repr(sorted(e.get("params", {}).items()))) for e in own)
    for expectation in own:  # words the message must say (a thing named in the language)
        for lang, words in expectation.get("says", {}).items():
            assert any(words in f.message(lang) for f in every if f.rule == rule
                       and where(f) == expectation["where"]), (lang, words)
    for expectation in expected:  # another rule's finding: its key where the case gives it
        if "key" in expectation:
            assert expectation["key"] in {f.key for f in every if _stated(f) == (
                expectation["rule"], expectation["where"], expectation["severity"])}
    if path.stem.startswith("clean"):
        assert own == [], "a clean case expects none of its folder's rule"
        changes = set(tomllib.loads(path.read_text(encoding="utf-8"))) - {"description", "expect"}
        assert changes, "a clean case is a near miss: it changes what the rule looks at"
    else:
        assert own, "a triggering case must expect findings of its folder's rule"


def test_every_rule_of_the_catalogue_has_cases() -> None:
    """Every rule of every family (WB and PK included) has a triggering and a clean case."""
    for rule_id in catalogue():
        assert (CASES / rule_id / "triggers.toml").is_file(), rule_id
        assert (CASES / rule_id / "clean.toml").is_file(), rule_id


def test_every_rule_of_the_claim_has_its_function() -> None:
    """The rules checked on the claim each have a function, and no function is listed under an
    unknown id: every family but WB (found while reading; WB-010, a required claim field, is
    checked on the claim) and PK (found on a package; PR-004, identity codes in attachments,
    too). No id is listed by two families (the merged table would keep only one of them)."""
    on_the_claim = {rule_id for rule_id in catalogue() if rule_id[:2] not in ("WB", "PK")}
    assert on_the_claim - {"PR-004"} | {"WB-010"} == set(RULES)
    assert sum(len(family.RULES) for family in FAMILIES) == len(RULES)
    assert all(RULES[rule_id] is function
               for family in FAMILIES for rule_id, function in family.RULES.items())


def test_base_workbook_is_entirely_clean(tmp_path: Path) -> None:
    """The workbook every case starts from has no findings at all."""
    _, report = read_claim(write_xlsx(tmp_path / "base.xlsx", clean_claim()), today=TODAY)
    assert [(f.rule, where(f)) for f in report.findings] == []


__all__ = ["run_case", "where"]
