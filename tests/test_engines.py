"""The two workbook engines give the same rows: python-calamine (the default, fast) and openpyxl
(the tested fallback). Every kind of cell a spreadsheet program writes is read both ways, and so
is every workbook the tests and samples use; the findings and totals agree too."""

from __future__ import annotations

import sys
import zipfile
from contextlib import ExitStack
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO, SAMPLES
from elyclaims import read_claim
from elyclaims.config import Config
from elyclaims.findings import column_letter
from elyclaims.limits import DEFAULT_LIMITS
from elyclaims.reading import read_xlsx
from elyclaims.render import report_to_dict
from workbooks import (
    EXPENSE_HEADERS_FI,
    EXPENSES_FI,
    Sheet,
    clean_claim,
    expense_row,
    write_xls,
    write_xlsx,
)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _raw_workbook(path: Path, rows: str, *, shared: list[str], date1904: bool = False,
                  declared: int | None = None) -> Path:
    """A one-sheet workbook written as raw SpreadsheetML: *rows* is the sheetData's XML;
    *declared* the number of shared strings the table claims (by default, how many it has)."""
    styles = (f'<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
              'formatCode="d\\.m\\.yyyy\\ h:mm"/></numFmts><fonts count="1"><font/></fonts>'
              '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
              '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
              '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="4"><xf/>'
              '<xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="21" applyNumberFormat="1"/>'
              '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>')
    strings = "".join(shared)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        archive.writestr("xl/workbook.xml", (
            f'<workbook xmlns="{_MAIN}" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships">'
            + ('<workbookPr date1904="1"/>' if date1904 else "")
            + '<sheets><sheet name="Kulut" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.'
            'org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>'))
        archive.writestr("xl/styles.xml", styles)
        archive.writestr("xl/sharedStrings.xml",
                         f'<sst xmlns="{_MAIN}" count="{declared or len(shared)}" '
                         f'uniqueCount="{declared or len(shared)}">{strings}</sst>')
        archive.writestr("xl/worksheets/sheet1.xml",
                         f'<worksheet xmlns="{_MAIN}"><sheetData>{rows}</sheetData></worksheet>')
    return path


_CELLS = """
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>inline</t></is></c></row>
<row r="2"><c r="A2"><v>42</v></c><c r="B2"><v>42.5</v></c><c r="C2"><v>1E+20</v></c><c r="D2"><v>-0.1</v></c></row>
<row r="3"><c r="A3" s="1"><v>46204</v></c><c r="B3" s="3"><v>46204.604166666664</v></c><c r="C3" s="2"><v>0.5</v></c></row>
<row r="4"><c r="A4" t="b"><v>1</v></c><c r="B4" t="b"><v>0</v></c><c r="C4" t="e"><v>#DIV/0!</v></c><c r="D4" t="e"><f>NA()</f><v>#N/A</v></c></row>
<row r="5"><c r="A5"><f>A2*2</f><v>84</v></c><c r="B5"><f t="shared" ref="B5:B6" si="0">A2+1</f><v>43</v></c><c r="C5"><f>A2</f></c></row>
<row r="6"><c r="B6"><f t="shared" si="0"/><v>44</v></c><c r="D6" t="str"><f>"x"&amp;"y"</f><v>xy</v></c></row>
<row r="8" hidden="1"><c r="E8" t="s"><v>2</v></c></row>
"""
_SHARED = ["<si><t>plain</t></si>",
           "<si><r><rPr><b/></rPr><t xml:space=\"preserve\">rich </t></r><r><t xml:space=\"preserve\">text</t></r></si>",
           "<si><t>hidden row</t></si>"]


def _rows(path: Path, engine: str, **options: Any) -> list[dict[str, Any]]:
    with ExitStack() as closer:
        sheets = read_xlsx(path, closer, DEFAULT_LIMITS, engine=engine, **options)
        return [{"name": sheet.name, "hidden": sheet.hidden, "hidden_rows": sheet.hidden_rows,
                 "uncalculated": sheet.uncalculated, "merged": sheet.merged,
                 "template": sheet.template, "size": sheet.size,
                 "rows": [(number, _normal(values)) for number, values in sheet.rows]}
                for sheet in sheets]


def _normal(values: Any) -> list[object]:
    """A row as the reader uses it: trailing empty cells left out, a date-time at midnight
    is the date it names (openpyxl gives every date as a date-time)."""
    cells = [value.date() if isinstance(value, datetime) and value.time() == time() else value
             for value in values]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def test_every_kind_of_cell_reads_the_same_in_both_engines(tmp_path: Path) -> None:
    """Shared and inline strings, rich text, integers and floats, dates, date-times, times,
    booleans, error cells, formulas (cached, shared, uncached, string results), hidden rows."""
    path = _raw_workbook(tmp_path / "cells.xlsx", _CELLS, shared=_SHARED)
    fast, fallback = _rows(path, "calamine"), _rows(path, "openpyxl")
    assert fast == fallback
    rows = dict(fast[0]["rows"])
    assert rows[1] == ["plain", "rich text", "inline"]
    assert rows[2] == [42, 42.5, 1e20, -0.1]
    assert rows[3][:2] == [date(2026, 7, 1), datetime(2026, 7, 1, 14, 30)]
    assert rows[4] == [True, False, "#DIV/0!", "#N/A"]
    assert rows[5] == [84, 43]
    assert rows[6] == [None, 44, None, "xy"]
    assert fast[0]["uncalculated"] == {(5, 3)}
    assert fast[0]["hidden_rows"] == {8}


def test_1904_dates_read_the_same(tmp_path: Path) -> None:
    """A workbook in the 1904 date system (old Mac Excel) gives the same dates."""
    rows = '<row r="1"><c r="A1" s="1"><v>44742</v></c></row>'
    path = _raw_workbook(tmp_path / "1904.xlsx", rows, shared=[], date1904=True)
    assert _rows(path, "calamine") == _rows(path, "openpyxl")
    assert _rows(path, "calamine")[0]["rows"] == [(1, [date(2026, 7, 1)])]


def _test_workbooks(folder: Path) -> list[Path]:
    """The workbooks of the samples and fixtures, and of the tests' own kinds."""
    made = []
    merged = clean_claim()
    merged["Kulut"].merged = ["B2:B3"]
    hidden = clean_claim()
    hidden["Kulut"].hidden_rows = {3}
    hidden["Muistio"] = Sheet([["huom"]], hidden=True)
    troubled = clean_claim()
    troubled["Kulut"].rows.extend([expense_row(Palvelupäivä="32.1.2026"),
                                   expense_row(ALV="#DIV/0!"), ["Yhteensä", *[None] * 7, 99]])
    for name, sheets in (("merged", merged), ("hidden", hidden), ("troubled", troubled)):
        made.append(write_xlsx(folder / f"{name}.xlsx", sheets))
    return [*sorted(SAMPLES.glob("*.xlsx")), REPO / "tests" / "fixtures" /
            "libreoffice-subtotals.xlsx", *made]


def test_every_test_workbook_reads_the_same_in_both_engines(tmp_path: Path) -> None:
    """The samples, the LibreOffice fixture and the tests' workbooks: the same rows."""
    for path in _test_workbooks(tmp_path):
        assert _rows(path, "calamine") == _rows(path, "openpyxl"), path.name


def test_findings_and_totals_agree_across_the_engines(tmp_path: Path) -> None:
    """read_claim gives the same findings and totals whichever engine reads the workbook."""
    for path in _test_workbooks(tmp_path):
        reports = []
        for engine in ("calamine", "openpyxl"):
            _, report = read_claim(path, config=Config(engine=engine), today=date(2026, 11, 29))
            reports.append(report_to_dict(report, lang="fi"))
        assert reports[0] == reports[1], path.name
        assert reports[0]["summary"]["lines"] > 0


@pytest.mark.parametrize(("setting", "loaded"), [("openpyxl", ["openpyxl"]), ("calamine", [])])
def test_the_engine_setting_chooses_the_reader(setting: str, loaded: list[str]) -> None:
    """``engine`` (here as ELYCLAIMS_ENGINE) decides which library reads the cells: openpyxl
    in this process, or python-calamine in a child process, so that neither is imported here;
    an unknown engine is a configuration error, exit 2."""
    import os
    import subprocess
    import sys

    from conftest import run_elyclaims

    probe = ("import sys; from elyclaims import read_claim; from elyclaims.config import "
             "load_config; read_claim(sys.argv[1], config=load_config(None)); "
             "print(sorted(m for m in ('openpyxl', 'python_calamine') if m in sys.modules))")
    sample = SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx"
    done = subprocess.run([sys.executable, "-c", probe, str(sample)], capture_output=True,
                          text=True, env={**os.environ, "ELYCLAIMS_ENGINE": setting}, check=True)
    assert done.stdout.strip() == repr(loaded)
    refused = run_elyclaims("validate", sample, env={"ELYCLAIMS_ENGINE": "xlrd"})
    assert refused.code == 2
    assert "engine" in refused.err
    assert "Traceback" not in refused.err


@pytest.mark.parametrize("space", [" ", "\n", "\t", "\r\n"])
@pytest.mark.parametrize(("content", "limit"), [("><v>1</v></c>", "columns"),
                                                (' s="1"/>', "cells")])
def test_a_workbook_that_would_make_calamine_allocate_without_bound_is_refused_first(
        tmp_path: Path, space: str, content: str, limit: str) -> None:
    """Cells at A1 and XFD1048576 would make calamine allocate its whole grid (hundreds of
    gigabytes; the process aborts, beyond any except). The scan refuses the sheet first: one
    WB-001 naming the limit (the columns one for a far value, the cells one for a far cell that
    carries only formatting), in a real process that exits 2, no traceback. Also where the far
    cell's reference follows a line break or a tab (legal XML; the scan's quick search looks
    for references after a plain space, and must notice what it cannot see)."""
    from conftest import run_elyclaims

    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
            f'<row r="1048576"><c{space}r="XFD1048576"{content}</row>')
    path = _raw_workbook(tmp_path / "grid.xlsx", rows, shared=["<si><t>x</t></si>"])
    assert path.stat().st_size < 8000
    run = run_elyclaims("validate", path, "--format", "json", timeout=60)
    assert run.code == 2, run.err
    findings = run.json()["findings"]
    assert [(f["message_key"], f["rule"]) for f in findings] == [("WB-001/limit", "WB-001")]
    assert limit in findings[0]["message"]
    assert "Traceback" not in run.err


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_blank_texts_and_long_texts_read_alike_in_both_engines(tmp_path: Path,
                                                               engine: str) -> None:
    """A cell of spaces only is an empty cell in both engines (the calamine child sends it as
    None); a text longer than the cell_chars limit is refused in both (the child measures each
    text it sends, a blank one too), with WB-001 naming the limit."""
    from elyclaims.limits import ReadLimits

    sheets = clean_claim()
    sheets["Kulut"].rows.append(expense_row(Kuvaus=" " * 30, Perustelu="\t \u3000",
                                            Laskun_numero="T-9"))
    path = write_xlsx(tmp_path / "blank.xlsx", sheets)
    claim, _ = read_claim(path, config=Config(engine=engine), today=date(2026, 11, 29))
    assert claim is not None
    line = claim.expenses[-1]
    assert line.invoice_number == "T-9"
    assert (line.description, line.justification) == (None, None)
    assert "description" in line.source.cells
    reports = [report_to_dict(read_claim(path, config=Config(engine=name),
                                         today=date(2026, 11, 29))[1], lang="fi")
               for name in ("calamine", "openpyxl")]
    assert reports[0] == reports[1]
    _, refused = read_claim(path, config=Config(engine=engine, limits=ReadLimits(cell_chars=20)),
                            today=date(2026, 11, 29))
    assert [(f.key, f.parameters.get("limit")) for f in refused.findings] == [
        ("WB-001/limit", "cell_chars")]


def _readers_of(path: Path) -> list[str]:
    """The calamine child processes still reading *path* (Linux's /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "elyclaims._calamine_child" in command and str(path) in command:
            found.append(entry.name)
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("case", ["read", "refused", "openpyxl"])
def test_the_reader_never_outlives_the_command(tmp_path: Path, case: str) -> None:
    """No calamine child is left running after a command: a workbook read, a file refused
    before it is read (text named .xlsx), a config that chooses openpyxl."""
    from conftest import run_elyclaims

    path = tmp_path / "claim.xlsx"
    if case == "refused":
        path.write_text("Palvelupäivä;Asiakastunnus\n", encoding="utf-8")
    else:
        write_xlsx(path, clean_claim())
    env = {"ELYCLAIMS_ENGINE": "openpyxl"} if case == "openpyxl" else {}
    run = run_elyclaims("validate", path, "--format", "json", env=env)
    assert run.code == (2 if case == "refused" else 0), run.err
    assert "Traceback" not in run.err
    assert _readers_of(path) == []


def test_limits_from_the_config_reach_the_reader(tmp_path: Path) -> None:
    """The reader's child is given the config's limits: a config's cell_chars limit refuses
    a longer text through the command line too."""
    from conftest import run_elyclaims

    sheets = clean_claim()
    sheets["Kulut"].rows.append(expense_row(Kuvaus="k" * 40, Laskun_numero="T-9"))
    path = write_xlsx(tmp_path / "long.xlsx", sheets)
    config = tmp_path / "elyclaims.toml"
    config.write_text("[limits]\ncell_chars = 20\n", encoding="utf-8")
    run = run_elyclaims("validate", path, "--format", "json", "--config", config)
    assert run.code == 2, run.err
    findings = run.json()["findings"]
    assert [f["message_key"] for f in findings] == ["WB-001/limit"]
    assert "cell_chars" in findings[0]["message"]
    assert "the limit is 20" in findings[0]["message"]


_UNBOUNDED = {
    # A reference in single quotes, as XML allows and no text search for r="…" finds.
    "a reference in single quotes": ('<row r="1"><c r="A1"><v>1</v></c></row><row r="1900000">'
                                     "<c r='XFD1900000'><v>1</v></c></row>", None),
    # A shared-string table that claims four trillion strings.
    "a shared-string count": ('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', 4 * 10**12),
}


@pytest.mark.parametrize("name", list(_UNBOUNDED))
def test_what_makes_calamine_abort_is_a_finding_not_a_crash(tmp_path: Path, name: str) -> None:
    """Small workbooks that each make python-calamine allocate hundreds of gigabytes and abort
    its process (found by trying; the scan does not look for either). calamine reads in a child
    process under an address-space ceiling, so this process says WB-001 (the memory limit: what
    calamine asked for is over it), exits 2, in a real process, no traceback; the openpyxl
    engine reads each without trouble."""
    from conftest import run_elyclaims

    rows, declared = _UNBOUNDED[name]
    path = _raw_workbook(tmp_path / "crafted.xlsx", rows, shared=["<si><t>x</t></si>"],
                         declared=declared)
    assert path.stat().st_size < 8000
    run = run_elyclaims("validate", path, "--format", "json", timeout=120)
    assert run.code == 2, run.err
    assert [f["message_key"] for f in run.json()["findings"]] == ["WB-001/memory"]
    assert "Traceback" not in run.err
    assert "memory allocation" not in run.err
    fallback = run_elyclaims("validate", path, "--format", "json", timeout=120,
                             env={"ELYCLAIMS_ENGINE": "openpyxl"})
    assert "Traceback" not in fallback.err
    assert "WB-001" not in {f["rule"] for f in fallback.json()["findings"]}


class _Planted:
    """An object whose unpickling would run a command: what a compromised child could send."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        import os

        return os.system, (f"touch {self.marker}",)


def test_the_child_frames_unpickle_to_cell_values_only(tmp_path: Path) -> None:
    """The calamine child's frames are unpickled by an unpickler that knows only cell values
    (lists, texts, numbers, booleans and the datetime types): such a frame comes back equal; a
    frame that names any other callable (here os.system) is refused and nothing runs."""
    import io
    import pickle

    from elyclaims.reading._calamine import FrameUnpickler

    frame = ("rows", 7, [[None, "x", 1, 1.5, True, date(2026, 1, 2),
                          datetime(2026, 1, 2, 3, 4), time(5, 6), timedelta(days=3)]])
    assert FrameUnpickler(io.BytesIO(pickle.dumps(frame, protocol=5))).load() == frame
    marker = tmp_path / "ran"
    planted = pickle.dumps(("rows", 1, [[_Planted(marker)]]), protocol=5)
    with pytest.raises(pickle.UnpicklingError):
        FrameUnpickler(io.BytesIO(planted)).load()
    assert not marker.exists()


@pytest.mark.parametrize("columns", [2_000, 1_000])
def test_cells_without_references_count_against_the_limits(tmp_path: Path, columns: int) -> None:
    """A first row of cells without references (each follows the one before it) and one cell
    far below: the scan places them as calamine would, so the sheet is over the columns limit
    (2,000 cells) or, at 1,000 columns, over the cells its rectangle may span. One WB-001
    naming the limit, exit 2, no traceback (calamine would have aborted the process)."""
    from conftest import run_elyclaims

    rows = ('<row r="1">' + "<c><v>1</v></c>" * columns + "</row>"
            '<row r="1900000"><c r="A1900000"><v>1</v></c></row>')
    path = _raw_workbook(tmp_path / "crafted.xlsx", rows, shared=[])
    for engine in ("calamine", "openpyxl"):
        run = run_elyclaims("validate", path, "--format", "json", timeout=120,
                            env={"ELYCLAIMS_ENGINE": engine})
        assert run.code == 2, run.err
        (finding,) = run.json()["findings"]
        assert finding["message_key"] == "WB-001/limit"
        assert ("columns" if columns > 1024 else "cells") in finding["message"]
        assert "Traceback" not in run.err


def test_a_table_below_empty_rows_reads_the_same_in_both_engines(tmp_path: Path) -> None:
    """Expenses whose header stands below empty rows (an ERP export with a gap on top):
    calamine gives the rows above the data as empty rows, and the child numbers every row
    from the sheet's first. Every line is read, at its own row, as openpyxl reads it."""
    sheets = clean_claim()
    sheets["Kulut"].rows[:0] = [[], [], []]
    expenses = sheets["Kulut"].rows
    last = len(expenses)
    path = write_xlsx(tmp_path / "gap.xlsx", sheets)
    reports = [report_to_dict(read_claim(path, config=Config(engine=engine),
                                         today=date(2026, 11, 29))[1], lang="en")
               for engine in ("calamine", "openpyxl")]
    assert reports[0] == reports[1]
    assert reports[0]["summary"]["lines"] == len(EXPENSES_FI)
    claim, _ = read_claim(path, config=Config(engine="calamine"), today=date(2026, 11, 29))
    assert claim is not None
    assert [line.source.row for line in claim.expenses] == list(range(5, last + 1))


def _formatted(number: int, columns: str | list[str], values: bool) -> str:
    """A row as LibreOffice writes it: cells of *columns*, with a value each or formatting only."""
    cells = "".join(f'<c r="{column}{number}" s="0" t="n"><v>{number}</v></c>' if values
                    else f'<c r="{column}{number}" s="0"/>' for column in columns)
    return (f'<row r="{number}" customFormat="false" ht="12.8" hidden="false" '
            f'customHeight="false" outlineLevel="0" collapsed="false">{cells}</row>')


def test_the_extent_of_a_sheet_read_in_blocks(tmp_path: Path) -> None:
    """The scan reads a sheet a block at a time (a megabyte; here 16 KiB, so that small sheets
    cross many blocks) and finds each block's column letters without listing every reference.
    A column first met in a late block widens the data; a column met only in a block without
    any value (formatting only) does not, even where a later block has values in other
    columns. Both engines read the same rows."""
    block = 16 * 1024
    late = "".join(_formatted(n, "ABC", True) for n in range(1, 141))
    late += _formatted(141, "ABCM", True)
    formatted = ("".join(_formatted(n, "ABCZ", False) for n in range(1, 64))
                 + "".join(_formatted(n, "ABC", False) for n in range(64, 141))
                 + "".join(_formatted(n, "ABC", True) for n in range(141, 157)))
    wide = "".join(_formatted(n, [column_letter(c) for c in range(1, 101)], True)
                   for n in range(1, 25))  # more letters than the scan searches one by one
    for name, xml, width, first in (("late", late, 13, 1), ("formatted", formatted, 3, 141),
                                    ("wide", wide, 100, 1)):
        path = _raw_workbook(tmp_path / f"{name}.xlsx", xml, shared=[])
        with zipfile.ZipFile(path) as archive:
            assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 1.2 * block
        with ExitStack() as closer:
            (sheet,) = read_xlsx(path, closer, DEFAULT_LIMITS, engine="openpyxl",
                                 scan_block=block)
            widths = {len(values) for _, values in sheet.rows}
        assert widths == {width}, name
        fast = _rows(path, "calamine", scan_block=block)
        assert fast == _rows(path, "openpyxl", scan_block=block)
        assert next(number for number, values in fast[0]["rows"] if values) == first


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_cells_without_references_are_read_where_they_fall(tmp_path: Path, engine: str) -> None:
    """A cell's reference is optional in SpreadsheetML (some exports leave every one out): a
    cell without one follows the cell before it. Such a sheet gives the same rows as the same
    sheet with references, also where only some cells have one, and a row left without any
    reference still counts its last cell's column."""
    import re

    referenced = _raw_workbook(tmp_path / "with.xlsx", _CELLS, shared=_SHARED)
    # Rows 1 to 5 fill their columns from A, so their cells fall where the references said
    # (an error cell and an uncalculated formula among them); rows 6 and 8 keep theirs.
    rows = _CELLS.strip().split("\n")
    mixed = "".join([re.sub(r' r="[A-Z]+\d+"', "", row) for row in rows[:5]] + rows[5:])
    assert mixed.count(' r="') == 7 + 3  # the rows' numbers, and the cells of rows 6 and 8
    without = _raw_workbook(tmp_path / "without.xlsx", mixed, shared=_SHARED)
    assert _rows(without, engine) == _rows(referenced, engine)
    wide = _raw_workbook(tmp_path / "wide.xlsx",
                         '<row r="1">' + "<c><v>1</v></c>" * 12 + "</row>", shared=[])
    (sheet,) = _rows(wide, engine)
    assert sheet["rows"] == [(1, [1] * 12)]


def test_a_sheet_passed_over_and_tables_longer_than_a_frame_read_the_same(tmp_path: Path) -> None:
    """The child sends rows in frames of 2,048, sheet after sheet. A first sheet of notes
    (5,000 rows, not a table: its rows are passed over), an expenses table of 4,100 lines with
    a totals row in the second frame, and a hidden row and an error text in the third:
    the calamine and openpyxl engines give the same report, every line numbered as in the sheet."""
    sheets = {"Muistiinpanot": Sheet([[f"muistiinpano {n}", n] for n in range(5000)]),
              **clean_claim()}
    expenses = sheets["Kulut"].rows
    expenses.extend(expense_row(Laskun_numero=f"F-{n}", Veroton_summa=10 + n / 100,
                                Verollinen_summa=10 + n / 100) for n in range(4100))
    expenses.insert(2500, ["Yhteensä"] + [None] * (len(EXPENSE_HEADERS_FI) - 1))
    assert len(expenses) > 4100
    expenses[4098][EXPENSE_HEADERS_FI.index("Veroton summa")] = "#DIV/0!"
    sheets["Kulut"].hidden_rows = {4100}
    path = write_xlsx(tmp_path / "long.xlsx", sheets)
    reports = [report_to_dict(read_claim(path, config=Config(engine=engine),
                                         today=date(2026, 11, 29))[1], lang="en")
               for engine in ("calamine", "openpyxl")]
    assert reports[0] == reports[1]
    assert reports[0]["summary"]["lines"] == 4100 + len(EXPENSES_FI)
    located = {(f["rule"], f["row"]) for f in reports[0]["findings"]}
    assert {("WB-008", 4100), ("WB-004", 4099)} <= located


# ------------------------------------------------------------ the fast line reader


_TRICKY = [None, "", "  ", "x", " a  b ", "a\u00a0b", "#DIV/0!", "#n/a", 0, 1, -1, 1.5, 0.1 + 0.2,
           1e20, 12.345, float("nan"), True, False, date(2026, 7, 1), datetime(2026, 7, 2, 14, 30),
           "1.7.2026", "2026-07-01", "31.2.2026", "7/9/2026", "1 234,56", "640,-", "(120,00)",
           "-", "kyllä", "ei", "ja", "x", "092", 92, "Helsinki", "HVA04", "2345678-0", "23456780",
           "FI23456780", "2345678-1", "HEALTH", "terveydenhuollon palvelut", "lentoliput",
           "1990", 1990, "IHK-1", "46204", 46204, "9" * 40]


@pytest.mark.parametrize("model_name", ["ExpenseLine", "Client"])
def test_the_fast_line_reader_gives_what_pydantic_validation_gives(model_name: str) -> None:
    """Every field of a line and of a client, fed every kind of tricky value: the fast reader
    (a table's rows read column by column, each distinct value once, then constructed) and
    pydantic's full validation of each row agree on each value and on each finding. The rows
    are read as one table, so that values equal across types (``1``, ``1.0``, ``True``) and
    columns that repeat meet in one column."""
    import random

    from elyclaims import assemble, model
    from elyclaims.findings import Location

    target = getattr(model, model_name)
    names = tuple(name for name in target.model_fields if name not in {"line_id", "source"})
    rng = random.Random(2026)
    extra = {"line_id": "Kulut:2"} if model_name == "ExpenseLine" else {}
    for kinds in (_TRICKY, [value for value in _TRICKY if not isinstance(value, bool)]):
        rows = [tuple(rng.choice(kinds) for _ in names) for _ in range(400)]
        for decimal_comma in (True, False):
            read, problems = model.read_rows(target, names, rows, decimal_comma=decimal_comma,
                                             memo=model.CellMemo())
            for index, row in enumerate(rows):
                values = {name: value for name, value in zip(names, row, strict=True)
                          if value is not None}
                slow_findings: list[Any] = []
                locations = {name: Location(sheet="Kulut", row=2, field=name) for name in values}
                slow = assemble._validate(target, {**values, **extra}, locations,
                                          decimal_comma=decimal_comma, line="Kulut:2",
                                          values=values, findings=slow_findings,
                                          unreadable=set())
                fast = model.construct(target, {**extra, **read[index]})
                assert fast.model_dump() == slow.model_dump(), values
                assert fast == slow, values
                # A line's fields in their declared order, in a dictionary that shares its
                # keys with every other line's (a sixth of a million-line claim's memory).
                if model_name == "ExpenseLine":
                    assert list(fast.__dict__) == list(target.model_fields)
                    assert sys.getsizeof(fast.__dict__) < sys.getsizeof(dict(fast.__dict__))
                failed = problems.get(index, {})
                assert sorted(("WB-009" if problem.decimals else f"WB-004/{problem.kind}"
                               if problem.kind else "WB-004", name)
                              for name, problem in failed.items()) == sorted(
                    (f.key, f.location.field) for f in slow_findings), values


def _general_fold(text: str) -> str:
    """normalize_label's general path, written out: NFKD, no combining marks, casefold, white
    space collapsed, trailing noise off."""
    import re
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = re.sub(r"[\s\u00a0\u202f\u2007]+", " ", stripped.casefold()).strip()
    return re.sub(r"(\s*(\(\s*(€|eur)\s*\)|€|\*|:))+$", "", folded).strip()


@given(st.text(alphabet=st.characters(max_codepoint=127)) | st.sampled_from(
    ["Veroton summa (EUR)*", "Net (eur):", "Yht.", " a\tb ", "X: ", "(eur)", "ALV *:"]))
def test_the_ascii_fold_is_the_general_fold(text: str) -> None:
    """Folding ASCII text the fast way gives what the general fold gives."""
    from elyclaims.vocabulary import normalize_label

    assert normalize_label.__wrapped__(text) == _general_fold(text)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_is_left_as_it_was(tmp_path: Path, enabled: bool) -> None:
    """Reading, checking, building and inspecting pause the cycle collector only while they
    run: afterwards it is on again if it was on, and still off if the caller had it off."""
    import gc

    from elyclaims.package import build_package, inspect_package

    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        claim, report = read_claim(path, today=date(2026, 11, 29))
        assert gc.isenabled() is enabled
        assert claim is not None
        built = build_package(claim, report, tmp_path / "p.zip", today=date(2026, 11, 29))
        assert gc.isenabled() is enabled
        assert inspect_package(built.path).ok
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_checks_in_two_threads_leave_the_collector_paused_until_both_end() -> None:
    """The collector is one for the process: a check ending in one thread while another still
    runs (the intake's workers) does not switch it on under the other, and the last to end
    restores it as it was."""
    import gc
    import threading

    from elyclaims._memory import cycle_collector_paused

    was = gc.isenabled()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with cycle_collector_paused():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second() -> None:
        with cycle_collector_paused():
            first_in.wait(10)
            second_in.set()
            first_out.wait(10)
            seen["after the first ended"] = gc.isenabled()

    try:
        gc.enable()
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert seen == {"after the first ended": False}
        assert gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="3.14's collector has no third generation")
def test_what_a_check_made_is_left_to_the_oldest_generation(tmp_path: Path) -> None:
    """The objects a check made while the collector was paused are handed to the oldest
    generation, which is collected seldom, not left for the next young collection to walk
    every one of them (a tenth of a second for 100,000 lines)."""
    import gc

    path = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    was = gc.isenabled()
    try:
        gc.enable()
        claim, _ = read_claim(path, today=date(2026, 11, 29))
        assert any(thing is claim for thing in gc.get_objects(generation=2))
    finally:
        gc.enable() if was else gc.disable()


# ----------------------------------------------------------- .xls and .ods workbooks


def _xls(path: Path) -> Path:
    """The clean claim as a legacy Excel 97-2003 workbook (dates as Excel dates)."""
    return write_xls(path, clean_claim())


def _summary_and_findings(path: Path) -> tuple[dict[str, Any], list[tuple[str, str | None]]]:
    _, report = read_claim(path, today=date(2026, 11, 29))
    document = report_to_dict(report, lang="en")
    return document["summary"], [(f["message_key"], f["cell"]) for f in document["findings"]]


def test_a_legacy_xls_workbook_is_read_as_its_xlsx_twin(tmp_path: Path) -> None:
    """An .xls is read (no longer refused): the same totals and findings as the .xlsx."""
    legacy = _xls(tmp_path / "kulut.xls")
    modern = write_xlsx(tmp_path / "kulut.xlsx", clean_claim())
    assert _summary_and_findings(legacy) == _summary_and_findings(modern)
    assert _summary_and_findings(legacy)[0]["lines"] == 3


def test_an_ods_workbook_saved_by_libreoffice_is_read_as_its_xlsx_twin() -> None:
    """The LibreOffice fixture saved as .ods and as .xlsx: the same lines, totals, subtotal
    rows and findings (merged cells too)."""
    fixtures = REPO / "tests" / "fixtures"
    ods = _summary_and_findings(fixtures / "libreoffice-subtotals.ods")
    xlsx = _summary_and_findings(fixtures / "libreoffice-subtotals.xlsx")
    assert ods == xlsx
    assert ods[0]["lines"] == 4


def test_a_crafted_ods_cannot_take_the_process_down(tmp_path: Path) -> None:
    """An .ods whose one row repeats a cell over 16,384 columns and a million rows (billions of
    cells) is read in a child process: this process says WB-001 and exits 2, in seconds."""
    from conftest import run_elyclaims

    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Kulut">'
        '<table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float"'
        ' office:value="1"/></table:table-row></table:table></office:spreadsheet></office:body>'
        '</office:document-content>')
    path = tmp_path / "grid.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    run = run_elyclaims("validate", path, "--format", "json", timeout=300)
    assert run.code == 2, run.err
    assert [f["rule"] for f in run.json()["findings"]] == ["WB-001"]
    assert "Traceback" not in run.err


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_repeated_values_are_held_once(tmp_path: Path, engine: str) -> None:
    """A claim of many lines holds each repeated text, date and amount once (the memory a
    million lines need): the same provider, client and date are one object on every line,
    the same amount one Decimal, and a line without VAT has one Decimal for net and gross.
    (openpyxl gives every date as a date-time, which each line turns into a date of its own.)"""
    sheets = clean_claim()
    sheets["Kulut"].rows.extend(expense_row(Laskun_numero=f"T-{n}", Veroton_summa=480.5,
                                            Verollinen_summa=480.5) for n in range(2, 40))
    claim, _ = read_claim(write_xlsx(tmp_path / "many.xlsx", sheets),
                          config=Config(engine=engine), today=date(2026, 11, 29))
    assert claim is not None
    lines = claim.expenses[3:]
    assert len(lines) == 38
    for line in lines[1:]:
        assert line.provider is lines[0].provider
        assert line.client_reference is lines[0].client_reference
        assert line.service_date is lines[0].service_date or engine == "openpyxl"
        assert line.net_amount is lines[0].net_amount
        assert line.gross_amount is line.net_amount
    assert len({id(line.invoice_number) for line in lines}) == 38
