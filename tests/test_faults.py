"""Faults of the machine are errors, not bugs: a full disk under the output, the ledger or the
workbook outputs is exit 2 naming the path and the cause, never exit 70, never a stray
traceback, never "damaged" about an intact ledger, and never a package the ledger does not know.

The full disk is real: a 1 MiB tmpfs mounted for the test (root on Linux, as CI runs). Where no
file system can be mounted the tests say so and skip; in CI they fail instead."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SAMPLES, Run, run_elyclaims

SAMPLE = SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx"
TODAY = {"ELYCLAIMS_TODAY": "2026-11-29"}


class Disk:
    """A small file system of its own, filled on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fill(self, leave: int = 0) -> None:
        """Fill the disk up to *leave* bytes free."""
        free = shutil.disk_usage(self.path).free
        with (self.path / "filler").open("ab") as handle:
            remaining = free - leave
            block = b"\0" * 65536
            try:
                while remaining > 0:
                    remaining -= handle.write(block[:min(len(block), remaining)])
            except OSError:
                pass  # full (tmpfs counts in pages)

    def empty(self) -> None:
        (self.path / "filler").unlink(missing_ok=True)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Disk]:
    """A 1 MiB tmpfs at *tmp_path*/disk, unmounted afterwards."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mountpoint)],
                          capture_output=True, text=True, check=False) if shutil.which(
        "mount") else None
    if done is None or done.returncode != 0:
        reason = "no tmpfs can be mounted here (needs root on Linux): " + (
            done.stderr.strip() if done is not None else "no mount command")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield Disk(mountpoint)
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def _clean_failure(run: Run, path: Path, cause: str = "No space left on device") -> None:
    assert run.code == 2, run.out + run.err
    assert "Traceback" not in run.err
    assert "internal error" not in run.err
    assert "Exception ignored" not in run.err
    assert str(path) in run.err
    assert cause in run.err


def test_a_full_disk_under_each_output_is_exit_2(disk: Disk, tmp_path: Path) -> None:
    """The package, the template, the annotated copy and the HTML report on a full disk: exit
    2 with the path and the cause, no file at the output, no scratch file left."""
    disk.fill()
    ledger = tmp_path / "ledger.sqlite3"
    outputs = {
        "build": ("build", SAMPLE, "-o", disk.path / "p.zip", "--ledger", ledger),
        "template": ("template", disk.path / "t.xlsx"),
        "annotate": ("validate", SAMPLE, "--annotate", disk.path / "a.xlsx"),
        "report": ("report", SAMPLE, "-o", disk.path / "r.html"),
    }
    for name, args in outputs.items():
        run = run_elyclaims(*args, env=TODAY)
        target = next(arg for arg in args if isinstance(arg, Path) and arg.parent == disk.path)
        _clean_failure(run, target)
        assert sorted(p.name for p in disk.path.iterdir()) == ["filler"], name
    assert not ledger.exists()  # nothing recorded of a package never written


def test_a_full_disk_under_the_ledger_writes_no_package(disk: Disk, tmp_path: Path) -> None:
    """The ledger cannot record (its disk full as it writes, or as it opens): the build says
    so (exit 2, "cannot write the ledger", never "damaged"), writes no package, and the ledger
    is intact and readable once there is room again."""
    ledger = disk.path / "ledger.sqlite3"
    first = run_elyclaims("build", SAMPLE, "-o", tmp_path / "a.zip", "--ledger", ledger,
                          env=TODAY)
    assert first.code == 0, first.err
    disk.fill(leave=8192)
    refused = run_elyclaims("build", SAMPLE, "-o", tmp_path / "b.zip", "--ledger", ledger,
                            env={**TODAY, "SOURCE_DATE_EPOCH": "1793491200"})
    assert refused.code == 2, refused.out + refused.err
    assert "damaged" not in refused.err
    assert "Traceback" not in refused.err
    assert str(ledger) in refused.err
    assert not (tmp_path / "b.zip").exists()
    disk.fill()
    opened = run_elyclaims("status", "--ledger", ledger)
    assert "damaged" not in opened.err
    assert "Traceback" not in opened.err
    disk.empty()
    listed = run_elyclaims("status", "--ledger", ledger, "--format", "json")
    assert listed.code == 0, listed.err
    assert [p["path"].rsplit("/", 1)[-1] for p in listed.json()["packages"]] == ["a.zip"]


def test_the_intake_on_a_full_disk_answers_507_and_stays_up(disk: Disk, tmp_path: Path) -> None:
    """The intake's data on a full disk: a package is refused with 507 (nothing stored, no
    stray part file), the service keeps answering, and the same package is received once
    there is room again."""
    import hashlib

    import requests

    from test_submission import TOKEN, Service, _start, _stop

    folder = disk.path / "service"
    folder.mkdir()
    built = run_elyclaims("build", SAMPLE, "-o", tmp_path / "p.zip", "--ledger",
                          tmp_path / "l.sqlite3", env=TODAY)
    assert built.code == 0, built.err
    body = (tmp_path / "p.zip").read_bytes()
    service: Service = _start(disk.path, "intake")
    try:
        disk.fill()

        def post() -> requests.Response:
            return requests.post(f"{service.url}/v1/claims", data=body, timeout=30, headers={
                "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/zip",
                "Idempotency-Key": hashlib.sha256(body).hexdigest()})

        refused = post()
        assert refused.status_code == 507, refused.text
        assert str(disk.path) not in refused.text
        assert requests.get(f"{service.url}/v1/health", timeout=5).status_code == 200
        assert list((service.data / "incoming").iterdir()) == []
        disk.empty()
        assert post().status_code == 201
    finally:
        _stop(service)
    assert "Traceback" not in "".join(service.log), "".join(service.log)


def _dead_pid() -> int:
    """The id of a process that has ended."""
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


@pytest.mark.slow
def test_a_build_killed_midway_leaves_nothing_the_next_one_does_not_clear(
        tmp_path: Path) -> None:
    """kill -9 of a build while its scratch files (claim.xml, the ZIP's part: whole claim data)
    lie beside the output: no package at the output; the next build of that output clears
    what the stopped one left (not a living process's), writes the package, and the ledger
    knows the package on disk."""
    import signal
    import sys
    import time

    from workbooks import clean_claim, expense_row, write_xlsx

    sheets = clean_claim()
    sheets["Kulut"].rows.extend(expense_row(Laskun_numero=f"T-{n + 10}") for n in range(20_000))
    workbook = write_xlsx(tmp_path / "big.xlsx", sheets)
    output, ledger = tmp_path / "p.zip", tmp_path / "ledger.sqlite3"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ELYCLAIMS_")}
    building = subprocess.Popen(
        [sys.executable, "-m", "elyclaims", "build", str(workbook), "-o", str(output),
         "--ledger", str(ledger)], env={**environment, **TODAY, "LANG": "C"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(tmp_path.glob(".p.zip.*")):
        time.sleep(0.01)
    building.send_signal(signal.SIGKILL)
    building.wait(timeout=10)
    left = list(tmp_path.glob(".p.zip.*"))
    assert left, "the build was not caught with its scratch files"
    assert not output.exists()
    living = tmp_path / f".p.zip.{os.getpid()}.abcd.part"  # a build still running
    living.write_bytes(b"x")
    stale = tmp_path / f".p.zip.{_dead_pid()}.efgh.claim.xml"
    stale.write_bytes(b"<claim/>")
    again = run_elyclaims("build", workbook, "-o", output, "--ledger", ledger, env=TODAY)
    assert again.code == 0, again.err
    assert sorted(p.name for p in tmp_path.glob(".p.zip.*")) == [living.name]
    listed = run_elyclaims("status", "--ledger", ledger, "--format", "json").json()["packages"]
    assert [Path(p["path"]).name for p in listed] == ["p.zip"]


def test_the_intake_clears_bodies_a_stopped_service_left(tmp_path: Path) -> None:
    """A body half-received by a service that was killed stays in incoming/ only until the
    service's store opens again; one of a service still running is left alone."""
    from elyclaims.intake import IntakeStore

    incoming = tmp_path / "data" / "incoming"
    incoming.mkdir(parents=True)
    stale = incoming / f"body.{_dead_pid()}.abcd.part"
    stale.write_bytes(b"PK half a claim")
    living = incoming / f"body.{os.getpid()}.efgh.part"
    living.write_bytes(b"PK")
    IntakeStore(tmp_path / "data")
    assert sorted(p.name for p in incoming.iterdir()) == [living.name]


def _killed_at(args: list[str], after: float) -> None:
    """Run ``elyclaims ARGS`` and kill -9 it *after* seconds (or let it end first)."""
    import signal
    import sys
    import time

    environment = {k: v for k, v in os.environ.items() if not k.startswith("ELYCLAIMS_")}
    process = subprocess.Popen([sys.executable, "-m", "elyclaims", *args],
                               env={**environment, **TODAY, "LANG": "C"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(after)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.slow
def test_kill_9_at_twenty_moments_of_a_build_and_a_submit(tmp_path: Path) -> None:
    """A build and a submit (to a real intake on loopback) killed at twenty evenly spread
    moments, each then run again: the ledger knows every package at the output, no scratch
    file remains, the authority received the package once, and the ledger holds its receipt."""
    import hashlib
    import time

    from test_submission import TOKEN, _start, _stop
    from workbooks import clean_claim, expense_row, write_xlsx

    sheets = clean_claim()
    sheets["Kulut"].rows.extend(expense_row(Laskun_numero=f"T-{n + 10}") for n in range(1_500))
    workbook = write_xlsx(tmp_path / "kulut.xlsx", sheets)
    ledger, output = tmp_path / "ledger.sqlite3", tmp_path / "p.zip"
    build = ["build", str(workbook), "-o", str(output), "--ledger", str(ledger)]
    started = time.monotonic()
    assert run_elyclaims(*build, env=TODAY).code == 0
    took = time.monotonic() - started
    service = _start(tmp_path, "intake")
    token = tmp_path / "token.txt"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    submit = ["submit", str(output), "--endpoint", service.url, "--token-file", str(token),
              "--ledger", str(ledger)]
    try:
        for moment in range(20):
            output.unlink(missing_ok=True)
            _killed_at(build, took * moment / 20)
            if output.exists():  # put in place before the kill: the ledger must know it
                digest = hashlib.sha256(output.read_bytes()).hexdigest()
                listed = run_elyclaims("status", "--ledger", ledger, "--format", "json")
                assert digest in {p["sha256"] for p in listed.json()["packages"]}, moment
            rebuilt = run_elyclaims(*build, env=TODAY)
            assert rebuilt.code == 0, rebuilt.err
            assert list(tmp_path.glob(".p.zip.*")) == [], moment
        sent = time.monotonic()
        assert run_elyclaims(*submit, env=TODAY).code == 0
        took = time.monotonic() - sent
        for moment in range(20):
            _killed_at(submit, took * moment / 20)
            again = run_elyclaims(*submit, "--format", "json", env=TODAY)
            assert again.code == 0, again.err
        receipts = {again.json()["receipt"]["submission_id"]}
        listed = run_elyclaims("status", "--ledger", ledger, "--format", "json").json()
        sent_packages = [p for p in listed["packages"] if p["submissions"]]
        assert [s["submission_id"] for p in sent_packages for s in p["submissions"]] == [
            *receipts]
    finally:
        _stop(service)

    assert service.store().count() == 1
