"""How soon the officer's app is usable, and how long its check of a workbook takes: starts
``elyclaims app --no-browser`` (bytecode compiled), reads the address it prints, opens it as
the browser does (the one-time secret for the session cookie) and times the start page's first
answer; then posts a 1,000-line workbook to ``/api/validate``. Each run is a new process;
medians of --repeat runs, wall time, with the CPU time of the app's process (user + sys).

    python benchmarks/app_start.py
    python benchmarks/app_start.py --repeat 15 --lines 10000
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workbooks import write_claim_workbook


def _one(folder: Path, workbook: Path) -> tuple[float, float, float]:
    """Seconds to a usable start page, seconds for the check over HTTP, CPU seconds of the
    app's process in all."""
    environment = {**os.environ, "TMPDIR": str(folder), "ELYCLAIMS_TODAY": "2026-11-29"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "elyclaims", "app", "--no-browser",
                                "--ledger", str(folder / "none.sqlite3")],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=folder,
                               env=environment)
    assert process.stdout is not None
    address = process.stdout.readline().decode().strip()
    session = requests.Session()
    page = session.get(address, timeout=30)
    ready = time.perf_counter() - started
    assert page.status_code == 200, page.text
    base = address.split("/?", 1)[0]
    checking = time.perf_counter()
    answer = session.post(f"{base}/api/validate", timeout=120,
                          headers={"X-CSRF-Token": session.cookies["elyclaims_csrf"]},
                          files={"file": (workbook.name, workbook.read_bytes())})
    checked = time.perf_counter() - checking
    assert answer.status_code == 200, answer.text
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return ready, checked, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--lines", type=int, default=1000)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q",
                    str(Path(__file__).resolve().parents[1] / "src")], check=False)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        workbook = write_claim_workbook(folder / f"claim-{args.lines}.xlsx", args.lines)
        runs = [_one(folder, workbook) for _ in range(args.repeat)]
    ready, checked, cpu = (statistics.median(values) for values in zip(*runs, strict=True))
    print(f"elyclaims app, medians of {args.repeat} runs:")
    print(f"  start to a usable page: {ready:.2f} s wall")
    print(f"  POST /api/validate, {args.lines:,} lines: {checked:.2f} s wall")
    print(f"  the app's process in all: {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
