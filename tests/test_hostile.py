"""Hostile input, privacy and the error boundary: nothing crashes, leaks or hides a bug.

Every claim about a crash or a traceback is checked on a real process; fuzzing flips bytes of
the real archives; identity codes are planted in every case and with every century sign.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES, run_elyclaims
from elyclaims import read_claim
from elyclaims.config import Config, load_config
from elyclaims.errors import ConfigError
from elyclaims.limits import LimitExceeded, ReadLimits
from elyclaims.model import Claim
from elyclaims.package import BuildRefused, build_package, inspect_package, write_claim_xml
from elyclaims.refdata import reference_data
from elyclaims.render import report_to_text
from elyclaims.values import (
    CellValueError,
    parse_code,
    parse_date,
    parse_money,
    parse_text,
    parse_year,
    parse_yes_no,
    parse_yes_no_date,
)
from workbooks import Sheet, clean_claim, expense_row, write_xlsx

FUZZ = Path(__file__).parent / "fuzz"
CORPUS = FUZZ / "corpus"
SAMPLE = SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx"
EPOCH = {"SOURCE_DATE_EPOCH": "1793491200"}

# ---------------------------------------------------------------------------------- fuzzing

# Target -> cases. Thousands in all; the workers run side by side, each in its own process.
FUZZ_TARGETS = {"workbook-bytes": 3000, "workbook-xml": 2000, "package-bytes": 3000,
                "package-xml": 2000, "csv-bytes": 2000, "package-structure": 1000}


@pytest.fixture(scope="module")
def fuzz_workers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, subprocess.Popen[str]]]:
    """All fuzz workers, started at once (seeded: the same cases every run); any a test did
    not wait for (a run of some targets only) is stopped at the end. They start before the
    per-test isolation does, so they get a data folder of their own here: never the user's
    ledger (whose lines every validate would read)."""
    out = tmp_path_factory.mktemp("fuzz")
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("ELYCLAIMS_")}
    environment.update({"LANG": "C", "XDG_DATA_HOME": str(out / "xdg-data")})
    workers = {}
    for target, count in FUZZ_TARGETS.items():
        workers[target] = subprocess.Popen(
            [sys.executable, str(FUZZ / "worker.py"), target, "2026", str(count),
             str(out / target)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
        )
    yield workers
    for worker in workers.values():
        if worker.returncode is None:
            worker.kill()
            worker.communicate()


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(FUZZ_TARGETS))
def test_fuzzed_inputs_exit_0_1_or_2_with_a_json_report(
    fuzz_workers: dict[str, subprocess.Popen[str]], target: str
) -> None:
    """Thousands of mutated workbooks, CSV exports and packages (bytes of the archive flipped,
    truncated, inserted; values inside members changed): every run exits 0, 1 or 2 with a JSON
    report, and the worker process itself never dies."""
    worker = fuzz_workers[target]
    stdout, stderr = worker.communicate(timeout=600)
    assert worker.returncode == 0, stdout[-4000:] + stderr[-4000:]
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["cases"] == FUZZ_TARGETS[target]
    assert summary["failed"] == 0
    assert sum(summary["codes"].values()) == summary["cases"]
    assert set(summary["codes"]) <= {"0", "1", "2"}


CORPUS_FILES = sorted(CORPUS.iterdir())


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_inputs_that_once_crashed_are_findings_now(path: Path) -> None:
    """Each input that once crashed elyclaims gives, in a real process, exit 1 or 2, a JSON
    report and no traceback."""
    command = "inspect" if path.suffix == ".zip" else "validate"
    run = run_elyclaims(command, path, "--format", "json")
    assert run.code in {1, 2}, run.err
    assert "Traceback" not in run.out + run.err
    assert run.json()["summary"]["errors"] >= 1


# ------------------------------------------------------------------------ never raises

ANY_VALUE = (st.none() | st.booleans() | st.integers() | st.floats() | st.text()
             | st.decimals(allow_nan=True, allow_infinity=True) | st.dates() | st.datetimes())


@given(ANY_VALUE, st.booleans())
def test_money_parser_never_raises_anything_but_a_cell_error(value: object, comma: bool) -> None:
    """Any value of any magnitude is a Decimal of cents below a trillion, or a cell error."""
    try:
        amount = parse_money(value, decimal_comma=comma)
    except CellValueError:
        return
    assert amount is None or (isinstance(amount, Decimal) and abs(amount) < 10**12
                              and amount == amount.quantize(Decimal("0.01")))


@given(st.sampled_from([parse_date, parse_text, parse_year, parse_code, parse_yes_no,
                        parse_yes_no_date]), ANY_VALUE)
def test_cell_parsers_never_raise_anything_but_a_cell_error(parse: object, value: object) -> None:
    """The date, text, year, code and yes/no parsers answer any value or raise CellValueError."""
    with contextlib.suppress(CellValueError):
        parse(value)  # type: ignore[operator]


@given(st.integers(min_value=-(10**60), max_value=10**60) | st.text(alphabet="0123456789 ,.-€",
                                                                       max_size=80))
def test_huge_amounts_are_a_finding_not_a_crash(value: object) -> None:
    """Amounts far beyond any cost (28 digits and more) are refused as a cell error."""
    try:
        amount = parse_money(value)
    except CellValueError:
        return
    assert amount is None or abs(amount) < 10**12


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(st.binary(max_size=4096))
def test_inspect_never_raises_on_any_bytes(tmp_path: Path, data: bytes) -> None:
    """Any bytes named .zip are a report, never an exception."""
    path = tmp_path / "any.zip"
    path.write_bytes(data)
    inspected = inspect_package(path)
    assert not inspected.ok


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(st.lists(ANY_VALUE.filter(lambda v: not isinstance(v, float) or v == v), min_size=11,
                max_size=11))
def test_read_claim_never_raises_on_any_cell_values(tmp_path: Path, cells: list[object]) -> None:
    """A workbook line holding any values at all is read into findings, never an exception."""
    from openpyxl.utils.exceptions import IllegalCharacterError

    sheets = clean_claim()
    sheets["Kulut"].rows[1] = [c if not isinstance(c, Decimal) else str(c) for c in cells]
    try:
        path = write_xlsx(tmp_path / "any.xlsx", sheets)
    except (IllegalCharacterError, ValueError, TypeError, OverflowError):
        return  # openpyxl cannot write such a value: no workbook holds it
    _, report = read_claim(path, today=date(2026, 11, 29))
    assert report.opened


# ----------------------------------------------------------------------- exit codes


@pytest.mark.parametrize(("args", "code"), [
    (["validate", "nowhere.xlsx"], 2),
    (["inspect", "nowhere.elyclaim.zip"], 2),
    (["inspect", "."], 2),
    (["validate", str(SAMPLE), "--config", "nowhere.toml"], 2),
    (["build", str(SAMPLE), "-o", "no/such/folder/out.zip"], 2),
    (["validate", str(SAMPLE), "--max-findings", "-3"], 2),
    (["frobnicate"], 2),
])
def test_exit_codes_in_a_real_process(tmp_path: Path, args: list[str], code: int) -> None:
    """Unopenable inputs, bad configs, unwritable outputs and usage errors exit 2 without a
    traceback (an ERP script reads 1 as "the claim has errors")."""
    run = run_elyclaims(*args, cwd=tmp_path)
    assert run.code == code, run.err
    assert "Traceback" not in run.out + run.err


def test_debug_variable_is_not_config(tmp_path: Path) -> None:
    """ELYCLAIMS_DEBUG (and any other ELYCLAIMS_* that is no config key) is not an error."""
    run = run_elyclaims("validate", SAMPLE, env={"ELYCLAIMS_DEBUG": "1", "ELYCLAIMS_TODAY": "2026-11-29",
                                                 "ELYCLAIMS_NO_SUCH_KEY": "1"})
    assert run.code == 0, run.err


_BUG = """
import sys
import elyclaims.pipeline
def broken(*args, **kwargs):
    raise RuntimeError("an injected bug")
elyclaims.pipeline.read_claim = broken
from elyclaims.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _with_bug(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ELYCLAIMS_")}
    return subprocess.run([sys.executable, "-c", _BUG, *args], capture_output=True, text=True,
                          env={**environment, **(env or {})}, check=False, timeout=60)


def test_a_bug_is_exit_70_with_one_line() -> None:
    """An exception that reaches main() is exit 70 and one line saying it is a bug; no
    traceback."""
    done = _with_bug("validate", str(SAMPLE))
    assert done.returncode == 70
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.count("\n") == 1
    assert "bug in elyclaims" in done.stderr
    assert "ELYCLAIMS_DEBUG=1" in done.stderr


def test_a_bug_under_format_json_is_a_json_error_document() -> None:
    """With --format json the bug is also a JSON document with "error" on standard output."""
    done = _with_bug("validate", str(SAMPLE), "--format", "json")
    assert done.returncode == 70
    error = json.loads(done.stdout)["error"]
    assert error["kind"] == "internal"
    assert error["exit_code"] == 70


def test_debug_shows_the_traceback() -> None:
    """ELYCLAIMS_DEBUG=1 shows the traceback of a bug."""
    done = _with_bug("validate", str(SAMPLE), env={"ELYCLAIMS_DEBUG": "1"})
    assert done.returncode == 70
    assert "Traceback" in done.stderr
    assert "an injected bug" in done.stderr


# ---------------------------------------------------------------------------- limits


def _bomb(path: Path, unpacked: int) -> Path:
    """A workbook whose first sheet unpacks to *unpacked* bytes of valid rows."""
    base = write_xlsx(path.with_name("base.xlsx"), clean_claim())
    row = b'<row r="9"><c r="A9" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with target.open(info.filename, "w", force_zip64=True) as member:
                member.write(head)
                block = row * (1 << 14)
                for _ in range(unpacked // len(block)):
                    member.write(block)
                member.write(b"</sheetData>" + tail)
    return path


# The peak is read from VmHWM: ru_maxrss survives exec on Linux, so a child forked from a
# large pytest process would report the parent's size rather than its own.
_MEASURE = """
import json, resource, sys, time
from pathlib import Path
from elyclaims import read_claim

def peak_kib():
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

started = time.monotonic()
claim, report = read_claim(sys.argv[1])
print(json.dumps({"findings": [[f.key, f.parameters.get("limit")] for f in report.findings],
                  "seconds": time.monotonic() - started,
                  "peak_kib": peak_kib()}))
"""


@pytest.mark.slow
def test_a_small_workbook_that_unpacks_to_gigabytes_is_refused_at_once(tmp_path: Path) -> None:
    """A few megabytes that unpack to over a gigabyte: WB-001 naming the limit, in seconds,
    with peak memory far below a gigabyte."""
    bomb = _bomb(tmp_path / "bomb.xlsx", 1100 * 1024 * 1024)
    assert bomb.stat().st_size < 8 * 1024 * 1024
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(bomb)], capture_output=True,
                          text=True, check=True, timeout=120)
    measured = json.loads(done.stdout)
    assert measured["findings"] == [["WB-001/limit", "member_bytes"]]
    assert measured["seconds"] < 10
    assert measured["peak_kib"] < 300 * 1024


def _unused_strings(path: Path, chunks: Iterator[bytes], level: int = 6) -> Path:
    """A valid claim workbook with a shared-string table of *chunks* (strings no cell uses),
    written as they come (the test workbooks' cells hold their texts inline)."""
    base = write_xlsx(path.with_name("base.xlsx"), clean_claim())
    shared = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    content_type = ("application/vnd.openxmlformats-officedocument.spreadsheetml."
                    "sharedStrings+xml")
    added = {
        "xl/_rels/workbook.xml.rels": (b"</Relationships>", f'<Relationship Type="{shared}" '
                                       'Target="sharedStrings.xml" Id="rIdS"/>'.encode()),
        "[Content_Types].xml": (b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" '
                                f'ContentType="{content_type}"/>'.encode()),
    }
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in added:
                end, addition = added[info.filename]
                data = data.replace(end, addition + end)
            target.writestr(info, data)
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                         b'main">')
            for chunk in chunks:
                member.write(chunk)
            member.write(b"</sst>")
    return path


# The tree's peak: the reader's child is waited for, so RUSAGE_CHILDREN holds the largest
# descendant's high-water mark (each started from a small process, so its own).
_TREE_PEAK = """
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "elyclaims", *sys.argv[1:]], capture_output=True)
print(json.dumps({"code": done.returncode, "out": done.stdout.decode(), "err": done.stderr.decode(),
                  "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def _validate_measured(*args: str | Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ELYCLAIMS_")}
    done = subprocess.run([sys.executable, "-c", _TREE_PEAK, "validate", *map(str, args),
                           "--format", "json", "--ledger", "none"],
                          capture_output=True, text=True, check=True, timeout=300,
                          env={**environment, **(env or {})})
    measured: dict[str, Any] = json.loads(done.stdout)
    assert "Traceback" not in measured["err"]
    return measured


def _swelling(count: int) -> Iterator[bytes]:
    """*count* blocks of 20,000 short unused strings (760 KB each), which deflate packs 70 to
    190 times (under the ratio limit) and calamine holds at some 1.6 times their size."""
    block = b"".join(b"<si><t>unused %07d padding</t></si>" % (i % 50) for i in range(20_000))
    return (block for _ in range(count))


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="RUSAGE_CHILDREN needs POSIX")
def test_a_workbook_that_swells_in_memory_is_refused_at_its_ceiling(tmp_path: Path) -> None:
    """Unused shared strings that unpack to 200 MB from 1.4 MB: with a ceiling of 64 MiB plus
    ten times the file's size, the reader stops at the ceiling and the finding says which limit
    and how to raise it (WB-001/memory); the tree never holds the strings. The defaults (256 MiB
    plus 64 times its size) refuse it too; a memory_bytes raised in the environment reads it."""
    bomb = _unused_strings(tmp_path / "swell.xlsx", _swelling(340))
    size = bomb.stat().st_size
    assert size < 4 * 1024 * 1024
    ceiling = 64 * 1024 * 1024 + 10 * size
    (tmp_path / "set").mkdir()
    config = tmp_path / "set" / "elyclaims.toml"  # not beside the workbook, where it is found
    config.write_text("[limits]\nmemory_bytes = 67108864\nmemory_ratio = 10\n", encoding="utf-8")
    measured = _validate_measured(bomb, "--config", config)
    assert measured["code"] == 2, measured["err"]
    findings = json.loads(measured["out"])["findings"]
    assert [f["message_key"] for f in findings] == ["WB-001/memory"]
    assert f"({ceiling // (1024 * 1024)} MiB)" in findings[0]["message"]
    assert "memory_bytes" in findings[0]["hint"]
    assert measured["peak_kib"] * 1024 < ceiling + 16 * 1024 * 1024
    assert [f["message_key"] for f in json.loads(_validate_measured(bomb)["out"])["findings"]
            ] == ["WB-001/memory"]  # 256 MiB plus 64 times 1.4 MB is not enough either
    read = _validate_measured(bomb, env={"ELYCLAIMS_LIMITS__MEMORY_BYTES": str(2 << 30)})
    assert read["code"] == 0, read["out"]
    assert read["peak_kib"] * 1024 > ceiling  # what the ceiling kept it from


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="RUSAGE_CHILDREN needs POSIX")
def test_megabytes_that_unpack_to_a_gigabyte_of_strings_are_refused(tmp_path: Path) -> None:
    """A 6 MB workbook whose unused shared strings unpack to a gigabyte, just under the
    member_bytes limit (1.05 GB peak, exit 0, before the ceiling followed the file's size): with
    the default limits, WB-001/memory, the whole tree under 1 GiB."""
    bomb = _unused_strings(tmp_path / "swell.xlsx", _swelling(1400))
    size = bomb.stat().st_size
    assert size < 8 * 1024 * 1024
    measured = _validate_measured(bomb)
    assert measured["code"] == 2, measured["err"]
    findings = json.loads(measured["out"])["findings"]
    assert [f["message_key"] for f in findings] == ["WB-001/memory"]
    assert measured["peak_kib"] * 1024 < ReadLimits().reader_memory(size) + 16 * 1024 * 1024
    assert measured["peak_kib"] < 1024 * 1024


def _long_text(total: int) -> Iterator[bytes]:
    """One unused shared string of *total* characters, in runs of one letter (so that it packs
    under the ratio limit, as a crafted one would)."""
    yield b"<si><t>"
    letters = b"abcdefghijklmnopqrstuvwxyz"
    step = 1 << 20
    for start in range(0, total, step):
        yield b"".join(letters[(start // 97 + i) % 26:][:1] * 97
                       for i in range(min(step, total - start) // 97))
    yield b"</t></si>"


@pytest.mark.skipif(sys.platform == "win32", reason="RUSAGE_CHILDREN needs POSIX")
@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_text_longer_than_a_cell_is_refused_before_it_is_loaded(tmp_path: Path,
                                                                  engine: str) -> None:
    """A shared string of 150 million characters (no cell uses it): WB-001 naming the cell_chars
    limit, decided while the table is scanned in blocks, so neither engine (nor this process)
    ever holds the text: the tree stays far below its size."""
    bomb = _unused_strings(tmp_path / "long.xlsx", _long_text(150_000_000), level=9)
    measured = _validate_measured(bomb, env={"ELYCLAIMS_ENGINE": engine})
    assert measured["code"] == 2, measured["err"]
    findings = json.loads(measured["out"])["findings"]
    assert [f["message_key"] for f in findings] == ["WB-001/limit"]
    assert "cell_chars" in findings[0]["message"]
    assert measured["peak_kib"] < 100 * 1024


@pytest.mark.parametrize(("text", "over"), [
    ("x" * 40, False),
    ("x" * 41, True),
    ("&amp;" * 40, False),  # 200 bytes, 40 characters
    ("&amp;" * 41, True),
    ("_x000D_" * 40, False),  # Excel's escape of a carriage return: one character
    ("ä" * 40, False),  # 80 bytes in UTF-8
    ("&#x10FFFF;" * 40, False),
])
def test_shared_texts_are_counted_in_characters(tmp_path: Path, text: str, over: bool) -> None:
    """The scan counts a text's characters as a spreadsheet does (entities, Excel's _xHHHH_
    escapes and multi-byte letters each one), so a text at the limit passes and one over it is
    refused, wherever a block boundary falls."""
    from elyclaims.archives import shared_texts_within

    for padding in (0, 65_536 - 7, 1 << 20):
        chunks = iter([b"<si><t>" + b"p" * 30 + b"</t></si>" * (padding > 0),
                       b"<si><t>q</t></si>" * (padding // 17),
                       b"<si><t>" + text.encode() + b"</t></si>"])
        path = _unused_strings(tmp_path / f"t{padding}.xlsx", chunks)
        with zipfile.ZipFile(path) as archive:
            if over:
                with pytest.raises(LimitExceeded) as raised:
                    shared_texts_within(archive, 40)
                assert raised.value.actual == 41
            else:
                shared_texts_within(archive, 40)


def test_limits_are_set_in_the_config_and_the_environment(tmp_path: Path) -> None:
    """[limits] in elyclaims.toml and ELYCLAIMS_LIMITS__* set the limits; a workbook over one
    is WB-001 naming it, and the report says how to raise it."""
    (tmp_path / "elyclaims.toml").write_text("[limits]\nrows = 3\n", encoding="utf-8")
    config = load_config(search_dir=tmp_path, environ={})
    assert config.limits.rows == 3
    _, report = read_claim(SAMPLE, config=config)
    assert [f.key for f in report.findings] == ["WB-001/limit"]
    assert "[limits] rows" in report.findings[0].hint("en")
    from_env = load_config(search_dir=tmp_path, environ={"ELYCLAIMS_LIMITS__COLUMNS": "4"})
    assert from_env.limits.columns == 4
    _, report = read_claim(SAMPLE, config=Config(limits=ReadLimits(columns=4)))
    assert report.findings[0].parameters["limit"] == "columns"
    (tmp_path / "elyclaims.toml").write_text("[limits]\nno_such_limit = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no_such_limit"):
        load_config(search_dir=tmp_path, environ={})


@pytest.mark.parametrize(("limits", "name"), [
    (ReadLimits(cell_chars=10), "cell_chars"),
    (ReadLimits(members=3), "members"),
    (ReadLimits(member_bytes=1000), "member_bytes"),
    (ReadLimits(total_bytes=5000), "total_bytes"),
    (ReadLimits(xml_depth=2), "xml_depth"),
])
def test_each_limit_refuses_with_its_name(tmp_path: Path, limits: ReadLimits, name: str) -> None:
    """Each read limit, set low, refuses the clean workbook with WB-001 naming that limit."""
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()), limits=limits)
    assert [(f.key, f.parameters.get("limit")) for f in report.findings] == [
        ("WB-001/limit", name)]


def test_csv_limits(tmp_path: Path) -> None:
    """A CSV export over the row or column limit is WB-001 naming the limit."""
    folder = SAMPLES / "helsinki-erp-2026-09"
    paths = sorted(folder.glob("*.csv"))
    _, report = read_claim(paths, limits=ReadLimits(rows=2))
    assert ("WB-001/limit", "rows") in [(f.key, f.parameters.get("limit")) for f in report.findings]


# ------------------------------------------------------------------------ XML hardening

_ENTITY_DECLARATION = ('<!DOCTYPE x [<!ENTITY secret SYSTEM "file://{path}">'
                       '<!ENTITY lol "lollollollollollollollol">]>')


@pytest.mark.parametrize("member", ["xl/worksheets/sheet3.xml", "xl/styles.xml",
                                    "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                    "[Content_Types].xml"])
def test_external_entities_leak_nothing(tmp_path: Path, member: str) -> None:
    """A workbook whose XML declares an external entity (pointing at a local secret) is
    WB-001, and the secret appears in no output."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SALAISUUS-4711", encoding="utf-8")
    base = write_xlsx(tmp_path / "base.xlsx", clean_claim())
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(hostile, "w") as target:
        assert member in source.namelist()
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                root = data.index(b"<", data.index(b"?>") + 2 if data.startswith(b"<?") else 0)
                data = (data[:root] + _ENTITY_DECLARATION.format(path=secret).encode()
                        + data[root:].replace(b"<t>Psykoterapia</t>", b"<t>&secret;</t>"))
            target.writestr(info, data)
    run = run_elyclaims("validate", hostile, "--format", "json")
    assert run.code == 2
    assert "SALAISUUS" not in run.out + run.err
    assert [f["message_key"] for f in run.json()["findings"]] == ["WB-001/entities"]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_declaration_deep_in_a_sheet_leaks_nothing(tmp_path: Path, engine: str) -> None:
    """A document type can only be declared before the root element: one written deep in a
    sheet's data (past the first block the scan reads) is bad XML, WB-001, and the entity it
    declares reaches no output."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SALAISUUS-4711", encoding="utf-8")
    sheets = clean_claim()
    sheets["Kulut"].rows.extend(expense_row(Laskun_numero=f"F-{n}") for n in range(4000))
    base = write_xlsx(tmp_path / "base.xlsx", sheets)
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(hostile, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet3.xml":
                deep = data.rindex(b"</row>", 0, len(data) - 1000) + len(b"</row>")
                assert deep > 1024 * 1024
                data = (data[:deep] + _ENTITY_DECLARATION.format(path=secret).encode()
                        + data[deep:].replace(b"</c></row>", b'</c><c r="Z2" t="inlineStr">'
                                              b"<is><t>&secret;</t></is></c></row>", 1))
            target.writestr(info, data)
    config = tmp_path / "elyclaims.toml"
    config.write_text(f'engine = "{engine}"\n', encoding="utf-8")
    run = run_elyclaims("validate", hostile, "--format", "json", "--config", config)
    assert run.code == 2
    assert "SALAISUUS" not in run.out + run.err
    assert [f["rule"] for f in run.json()["findings"]] == ["WB-001"]


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/evil.xml", "xl\\evil.xml"])
def test_workbook_with_unsafe_member_names_is_refused(tmp_path: Path, name: str) -> None:
    """A workbook holding a member outside the archive's folder is WB-001 (damaged)."""
    base = write_xlsx(tmp_path / "base.xlsx", clean_claim())
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(hostile, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr(name, b"<x/>")
    _, report = read_claim(hostile)
    assert [f.key for f in report.findings] == ["WB-001/damaged"]


# ---------------------------------------------------------------- identity codes planted

CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
SIGNS = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900,
         "A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 2000, "F": 2000}


def _codes() -> list[str]:
    """A valid identity code for every century sign, in upper and in lower case."""
    codes = []
    for number, sign in enumerate(SIGNS):
        birth = f"{(number % 27) + 1:02d}{(number % 12) + 1:02d}{(40 + number) % 100:02d}"
        individual = f"{100 + number * 37:03d}"
        code = f"{birth}{sign}{individual}{CHECK[int(birth + individual) % 31]}"
        codes.append(code if number % 2 else code.lower())
    return codes


CODES = _codes()


def _planted_workbook(folder: Path) -> Path:
    """Every text field, header, sheet name and value column of the clean workbook with a
    code in it (each century sign in turn, upper and lower case)."""
    codes = iter(CODES * 6)
    sheets = clean_claim()
    for row in sheets["Hakemus"].rows:
        if isinstance(row[1], str) and row[0] not in {"Hakijatyyppi", "Tarkoitus"}:
            row[1] = f"{row[1]} {next(codes)}"
    sheets["Hakemus"].rows.append(["Päätöksen numero", f"OH-{next(codes)}"])
    sheets["Asiakkaat"].rows[0].append(f"Muistiinpano {next(codes)}")
    sheets["Asiakkaat"].rows[1].append("x")
    sheets["Asiakkaat"].rows[2][0] = next(codes)  # a client reference that is a code
    headers = sheets["Kulut"].rows[0]
    headers.extend(["Hyvitettävä lasku", "Liite", "Kuitattu", next(codes)])
    for row in sheets["Kulut"].rows[1:]:
        for column in (2, 3, 4, 5, 6, 7):
            row[column] = f"{row[column]} {next(codes)}"
        row.extend([f"H-{next(codes)}", f"{next(codes)}.pdf", f"EL-008: {next(codes)}", "x"])
    sheets["Kulut"].rows[2][1] = next(codes)
    sheets[f"Muistio {next(codes)}"] = Sheet([["huomio"]])
    return write_xlsx(folder / f"kulut {next(codes)}.xlsx", sheets)


def _files_text(folder: Path) -> Iterator[str]:
    for path in folder.rglob("*"):
        if path.is_file():
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    for info in archive.infolist():
                        yield archive.read(info).decode("utf-8", "replace")
            else:
                yield path.read_bytes().decode("utf-8", "replace")


def _leaks(text: str) -> list[str]:
    upper = text.upper()
    return [code for code in CODES if code.upper() in upper]


@pytest.mark.slow
def test_planted_identity_codes_reach_no_output_file_or_package(tmp_path: Path) -> None:
    """Codes planted in every text field, header, sheet name, file name and config reason are
    found (PR-001/PR-003, so nothing is built) and appear in no output of any command, in any
    language and format, nor in any file written."""
    workbook = _planted_workbook(tmp_path)
    config = tmp_path / "elyclaims.toml"
    config.write_text(
        f'[[acknowledge]]\nrule = "EL-008"\nreason = "Perusteltu {CODES[3]}"\n'
        f'[claimant]\ncontact_person = "Maija {CODES[4]}"\n', encoding="utf-8")
    outputs = tmp_path / "out"
    outputs.mkdir()
    runs = []
    for lang in ("fi", "sv", "en"):
        for output_format in ("text", "json"):
            runs.append(run_elyclaims("validate", workbook, "--lang", lang, "--format",
                                      output_format, cwd=tmp_path))
    build = run_elyclaims("build", workbook, "-o", outputs / "p.zip", "--format", "json",
                          cwd=tmp_path)
    runs.append(build)
    runs.append(run_elyclaims("validate", workbook, "--no-such-flag", CODES[0], cwd=tmp_path))
    runs.append(run_elyclaims("inspect", tmp_path / f"{CODES[1]}.zip", cwd=tmp_path))
    # The outputs an officer asks for although errors remain: an annotated copy and a report.
    runs.append(run_elyclaims("validate", workbook, "--annotate", outputs / "annotated.xlsx",
                              "--lang", "fi", cwd=tmp_path))
    runs.append(run_elyclaims("report", workbook, "-o", outputs / "report.html", cwd=tmp_path))
    assert build.code == 1
    found = {f["rule"] for f in build.json()["findings"]}
    assert {"PR-001", "PR-003"} <= found
    for run in runs:
        assert _leaks(run.out + run.err) == [], (run.out + run.err)[:3000]
    # The package was refused: only the annotated copy and the report were written, and no
    # code is in any part of either (cells, comments, sheet names, the summary sheet).
    assert sorted(path.name for path in outputs.iterdir()) == ["annotated.xlsx", "report.html"]
    for text in _files_text(outputs):
        assert _leaks(text) == [], text[:3000]


def test_pr001_finds_codes_outside_the_cells(tmp_path: Path) -> None:
    """PR-001 reports a code in a header, a sheet name and a config reason, each where it is."""
    sheets = clean_claim()
    sheets["Kulut"].rows[0].append(f"Hetu {CODES[0]}")
    sheets[f"Lista {CODES[2]}"] = Sheet([["x"]])
    config = Config.model_validate({"acknowledge": [
        {"rule": "EL-008", "reason": f"ks. {CODES[5]}"}]})
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), config=config,
                           today=date(2026, 11, 29))
    found = [f for f in report.findings if f.rule == "PR-001"]
    assert {(f.location.sheet, f.location.row, f.location.field) for f in found} == {
        ("Kulut", 1, None), (f"Lista {CODES[2]}", None, None),
        (None, None, "acknowledge[1].reason")}
    assert _leaks(report_to_text(report)) == []
    assert _leaks(" ".join(str(f.location) for f in report.findings)) == []


def test_inspect_of_a_package_carrying_codes_prints_none(tmp_path: Path) -> None:
    """A package written by hand with codes in it (not by build, which refuses) is reported by
    inspect with PR-001, and no code reaches its output."""
    claim, _ = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()))
    assert claim is not None
    lines = tuple(line.model_copy(update={"description": f"Käynti {CODES[i]}"})
                  for i, line in enumerate(claim.expenses))
    tampered = claim.model_copy(update={"expenses": lines, "claimant": claim.claimant.model_copy(
        update={"name": f"Hakija {CODES[7]}"})})
    package = _hand_made_package(tmp_path, tampered)
    for output_format in ("text", "json"):
        run = run_elyclaims("inspect", package, "--format", output_format)
        assert run.code == 1
        assert "PR-001" in run.out
        assert _leaks(run.out + run.err) == []


def _hand_made_package(folder: Path, claim: Claim) -> Path:
    import hashlib
    import io
    from datetime import UTC, datetime

    from elyclaims.package import Member, manifest_xml, normalize_claim

    buffer = io.BytesIO()
    created = datetime(2026, 11, 1, tzinfo=UTC)
    refdata = reference_data()
    write_claim_xml(buffer, normalize_claim(claim, refdata, created.date()),
                    package_id="0" * 8 + "-0000-5000-8000-" + "0" * 12, created_at=created,
                    ruleset="2026.11", findings=[], refdata=refdata)
    claim_xml = buffer.getvalue()
    member_file = folder / "claim.xml"
    member_file.write_bytes(claim_xml)
    member = Member("claim.xml", member_file, len(claim_xml), hashlib.sha256(claim_xml).hexdigest(),
                    "application/xml")
    manifest = manifest_xml([member], package_id="0" * 8 + "-0000-5000-8000-" + "0" * 12,
                            ruleset="2026.11", created_at=created)
    package = folder / "hand.elyclaim.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("manifest.xml", manifest)
        archive.writestr("claim.xml", claim_xml)
    return package


# --------------------------------------------------------------------- the API's promise


def test_build_package_refuses_a_claim_with_another_claims_clean_report(tmp_path: Path) -> None:
    """A claim with errors, handed the clean report of another claim, is checked again and
    refused; nothing is written."""
    _, clean_report = read_claim(write_xlsx(tmp_path / "clean.xlsx", clean_claim()))
    sheets = clean_claim()
    sheets["Kulut"].rows[1] = expense_row(Palvelupäivä="31.2.2026")
    broken, broken_report = read_claim(write_xlsx(tmp_path / "broken.xlsx", sheets))
    assert broken is not None
    assert clean_report.ok
    assert not broken_report.ok
    with pytest.raises(BuildRefused) as refused:
        build_package(broken, clean_report, tmp_path / "out.zip")
    assert "WB-004" in {f.rule for f in refused.value.report.findings}
    assert not (tmp_path / "out.zip").exists()


def test_build_package_rechecks_a_changed_claim(tmp_path: Path) -> None:
    """A claim changed after it was checked (a new object) is checked again before it is
    built: a negative amount without a credited invoice is refused."""
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()),
                               today=date(2026, 11, 29))
    assert claim is not None
    changed = claim.model_copy(update={"expenses": (
        claim.expenses[0].model_copy(update={"net_amount": Decimal("-5.00")}),
        *claim.expenses[1:])})
    with pytest.raises(BuildRefused) as refused:
        build_package(changed, report, tmp_path / "out.zip")
    assert "AM-003" in {f.rule for f in refused.value.report.findings}
    built = build_package(claim, report, tmp_path / "ok.zip")
    assert inspect_package(built.path).ok


def test_read_claim_takes_a_config_path(tmp_path: Path) -> None:
    """read_claim accepts the path of a config file, as the README shows."""
    config = tmp_path / "asetukset.toml"
    config.write_text('[severity]\n"EL-008" = "error"\n', encoding="utf-8")
    sheets = clean_claim()
    sheets["Kulut"].rows[1][4] = None
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), config=config)
    assert [f.severity.value for f in report.findings if f.rule == "EL-008"] == ["error"]
    with pytest.raises(ConfigError):
        read_claim(SAMPLE, config=tmp_path / "nowhere.toml")


# ---------------------------------------------------------------------- permissions


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_package_gets_the_umasks_permissions(tmp_path: Path, umask: int, mode: int) -> None:
    """A package is written with the mode the user's umask gives, like any new file."""
    output = tmp_path / "p.zip"
    done = subprocess.run([sys.executable, "-m", "elyclaims", "build", str(SAMPLE), "-o",
                           str(output)], capture_output=True, check=False,
                          preexec_fn=lambda: os.umask(umask), timeout=60)
    assert done.returncode == 0, done.stderr
    assert output.stat().st_mode & 0o777 == mode
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["p.zip"]  # no temporary file



# ----------------------------------------------------------- document type declarations

_PROLOG_PARTS = st.lists(st.sampled_from([
    "<?xml version='1.0' encoding='utf-8'?>", "<!-- a comment -->", "<!-- <!DOCTYPE x> -->",
    "<?pi data?>", " ", "\n", "\t", "\r\n"]), max_size=6)


@given(prolog=_PROLOG_PARTS, bom=st.booleans(), utf16=st.booleans(),
       declaration=st.sampled_from(['<!DOCTYPE x SYSTEM "x.dtd">', "<!DOCTYPE x [<!ENTITY e 'v'>]>",
                                    "<!doctype x>", "<!DOCTYPE x [<!ENTITY % p 'x'>]>"]))
def test_a_declaration_is_found_after_any_prolog(prolog: list[str], bom: bool, utf16: bool,
                                                 declaration: str) -> None:
    """A document type declaration after any prolog (declaration, comments, processing
    instructions, white space; a BOM; UTF-8 or UTF-16) is found; the same document without it
    is not refused, nor one whose comment or text only reads like one."""
    from elyclaims.package import declares_document_type

    def encoded(text: str) -> bytes:
        data = text.encode("utf-16") if utf16 else text.encode()
        return (b"\xef\xbb\xbf" + data) if bom and not utf16 else data

    start = "".join(prolog)
    assert declares_document_type(encoded(f"{start}{declaration}<a/>"))
    assert not declares_document_type(encoded(f"{start}<a>&lt;!DOCTYPE x&gt;</a>"))


@pytest.mark.slow
def test_a_csv_line_of_millions_of_columns_is_refused_as_it_is_read(tmp_path: Path) -> None:
    """A CSV export whose one line holds twenty million delimiters (20 MB): WB-001 naming the
    columns limit, with peak memory far below what twenty million strings take (1.3 GB for
    fifty million before)."""
    csv_file = tmp_path / "kulut.csv"
    csv_file.write_bytes(b"Palvelup\xc3\xa4iv\xc3\xa4;Asiakastunnus\n" + b";" * 20_000_000 + b"\n")
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(csv_file)], capture_output=True,
                          text=True, check=True, timeout=120)
    measured = json.loads(done.stdout)
    assert ["WB-001/limit", "columns"] in measured["findings"]
    assert measured["peak_kib"] < 300 * 1024
