"""The rules checked on two cores: a forked copy of the process runs some families beside the
others, and what comes out is what one process finds."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest

from elyclaims import read_claim
from elyclaims._forked import Beside, can_fork
from elyclaims.config import Config
from elyclaims.ledger import Ledger
from elyclaims.rules import BESIDE_FAMILIES, RuleContext, run_rules
from test_rule_cases import CASE_FILES, TODAY, _ledger, _workbook, where

LINUX = pytest.mark.skipif(sys.platform != "linux",
                           reason="copies of the process are made on Linux only")


def _seen(findings: list) -> list[tuple]:
    return [(f.key, f.severity, where(f), sorted(f.parameters.items())) for f in findings]


@LINUX
def test_rules_beside_find_what_one_process_finds(tmp_path: Path) -> None:
    """Every triggering rule case, checked with a copy of the process and without: the same
    findings, in the same order; the copy's families and the others both find something."""
    assert threading.active_count() == 1, "a thread left running keeps copies from being made"
    families: set[str] = set()
    for path in CASE_FILES:
        case = tomllib.loads(path.read_text(encoding="utf-8"))
        if path.stem != "triggers" or "build" in case or "package" in case:
            continue
        folder = tmp_path / path.parent.name
        folder.mkdir()
        claim, _ = read_claim(_workbook(folder / "case.xlsx", case),
                              config=Config.model_validate(case.get("config", {})),
                              today=case.get("today", TODAY))
        if claim is None:
            continue
        claimed = {}
        if "ledger" in case:
            with Ledger.open(_ledger(folder, case["ledger"])) as ledger:
                claimed = ledger.claimed_lines()
        context = RuleContext(today=case.get("today", TODAY),
                              config=Config.model_validate(case.get("config", {})),
                              claimed=claimed)
        alone = run_rules(claim, context, parallel=False)
        beside = run_rules(claim, context, parallel=True)
        assert _seen(beside) == _seen(alone), path
        families.update(f.rule[:2] for f in beside)
    assert set(BESIDE_FAMILIES) <= families
    assert {"AM", "EL", "CT"} <= families


@LINUX
def test_a_claim_with_thousands_of_findings_checks_alike_on_two_cores(tmp_path: Path) -> None:
    """Where the copy's families find more than is worth sending back (here an identity code
    and a repeated invoice on each of 6,000 lines), this process finds them itself: the same
    findings as one process."""
    from workbooks import clean_claim, expense_row, write_xlsx

    sheets = clean_claim()
    sheets["Kulut"].rows.extend(
        expense_row(Kuvaus=f"Käynti {n} (asiakas 131052-308T)", Laskun_numero="T-1")
        for n in range(6000))
    claim, _ = read_claim(write_xlsx(tmp_path / "many.xlsx", sheets), today=TODAY)
    assert claim is not None
    context = RuleContext(today=TODAY)
    alone = run_rules(claim, context, parallel=False)
    beside = run_rules(claim, context, parallel=True)
    assert _seen(beside) == _seen(alone)
    rules = [f.rule for f in beside]
    assert rules.count("PR-001") >= 6000
    assert rules.count("DU-001") >= 5999


@LINUX
def test_a_copy_does_the_work_in_another_process() -> None:
    """The work runs in another process, and its result comes back."""
    copy = Beside.start(lambda: (os.getpid(), "tulos"))
    assert copy is not None
    given = copy.result()
    assert given is not None
    pid, text = given[0]
    assert pid != os.getpid()
    assert text == "tulos"


def _fails() -> None:
    raise ValueError("a bug in the work")


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@LINUX
@pytest.mark.parametrize("work", [_fails, _killed], ids=["raises", "killed"])
def test_a_failed_copy_gives_nothing_so_the_caller_does_the_work(work) -> None:
    copy = Beside.start(work)
    assert copy is not None
    assert copy.result() is None


@LINUX
def test_a_cancelled_copy_is_stopped_at_once() -> None:
    copy = Beside.start(lambda: time.sleep(60))
    assert copy is not None
    started = time.monotonic()
    copy.cancel()
    assert time.monotonic() - started < 10
    assert copy.result() is None


@LINUX
def test_no_copy_while_another_thread_runs() -> None:
    """A copy would hold the locks of threads it does not have: none is made while one runs,
    and the rules are then checked in this process alone, finding the same."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
        assert Beside.start(lambda: 1) is None
    finally:
        stop.set()
        thread.join()
    assert can_fork()


def _children() -> set[str]:
    """This process's child processes (Linux's /proc)."""
    return {pid for task in Path("/proc/self/task").iterdir()
            for pid in (task / "children").read_text().split()}


def _rows(path: Path) -> tuple[list[tuple], list[tuple]]:
    """A ledger's packages (without the time they were recorded) and lines, in order."""
    with sqlite3.connect(path) as database:
        packages = database.execute(
            "SELECT sha256, package_id, claimant, period_start, period_end, recipient, lines, "
            "claimed, created_at FROM packages ORDER BY rowid").fetchall()
        lines = database.execute(
            "SELECT sha256, line_id, duplicate_key, client_reference, category, service_date, "
            "net_amount FROM lines ORDER BY rowid").fetchall()
    database.close()
    return packages, lines


@LINUX
def test_the_ledger_records_the_lines_made_beside_as_it_would_itself(tmp_path: Path) -> None:
    """The lines' record made in a copy of the process while the package is built gives the
    ledger the same rows, in the same order, as the ledger makes itself: lines with and
    without an invoice number (each with its kind of key), with what each claims; and a
    rebuild records nothing twice.
    A record not taken (cancelled: a refused build), or given for another claim, leaves the
    ledger to make the rows itself; no copy is left running."""
    from elyclaims.ledger import StagedLines
    from elyclaims.package import build_package
    from workbooks import clean_claim, expense_row, write_xlsx

    sheets = clean_claim()
    sheets["Kulut"].rows.extend(
        expense_row(Laskun_numero=f"T-{n + 100}" if n % 5 else None, Kuvaus=f"Käynti {n}")
        for n in range(300))
    claim, report = read_claim(write_xlsx(tmp_path / "many.xlsx", sheets), today=TODAY)
    assert claim is not None
    built = build_package(claim, report, tmp_path / "p.zip", today=TODAY)
    with Ledger.open(tmp_path / "itself.sqlite3", create=True) as ledger:
        ledger.record_built(built, claim)
    expected = _rows(tmp_path / "itself.sqlite3")
    assert len(expected[1]) == len(claim.expenses) > 300
    keys = [key for _, _, key, *_ in expected[1]]
    assert None not in keys
    assert sum(key.startswith("own|") for key in keys) == 60  # every fifth of the 300
    assert len(set(keys)) == len(keys)
    assert {net for *_, net in expected[1]} >= {"480.00", "120.00"}

    before = _children()
    with StagedLines(claim) as staged:
        assert staged.beside
        with Ledger.open(tmp_path / "beside.sqlite3", create=True) as ledger:
            ledger.record_built(built, claim, staged=staged)
            ledger.record_built(built, claim, staged=staged)  # the same package again
        made = staged.database(claim)
    assert _rows(tmp_path / "beside.sqlite3") == expected
    assert _children() == before
    assert made is not None  # the copy made the record the ledger took: the same lines
    copied = sqlite3.connect(":memory:")
    copied.deserialize(made)
    assert copied.execute("SELECT * FROM lines ORDER BY rowid").fetchall(
        ) == [row[1:] for row in expected[1]]
    copied.close()

    other, _ = read_claim(write_xlsx(tmp_path / "clean.xlsx", clean_claim()), today=TODAY)
    assert other is not None
    with StagedLines(other) as for_another, StagedLines(claim) as cancelled:
        cancelled.cancel()
        assert for_another.database(claim) is None
        assert cancelled.database(claim) is None
        for name, staged in (("another", for_another), ("cancelled", cancelled)):
            with Ledger.open(tmp_path / f"{name}.sqlite3", create=True) as ledger:
                ledger.record_built(built, claim, staged=staged)
            assert _rows(tmp_path / f"{name}.sqlite3") == expected, name
    assert _children() == before
