"""A bounded load test of the intake service on loopback: 24 concurrent clients post 12
packages of 10,000 lines each, every package twice, to one ``elyclaims serve`` (SQLite, or the
PostgreSQL named by --database). It checks that exactly 12 submissions were received (each
package's two posts answered 201 and 200 with one receipt) and that no answer was a 5xx, and
prints the throughput and the latency (p50, p99) of the posts.

    python benchmarks/intake_load.py
    python benchmarks/intake_load.py --database postgresql://postgres@127.0.0.1:5432/load

The PostgreSQL database must exist and be empty. Packages are built first (not timed).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from elyclaims.intake import add_token
from workbooks import write_claim_workbook

CLIENTS = 24
PACKAGES = 12
LINES = 10_000


def _build(folder: Path, number: int, lines: int) -> bytes:
    workbook = write_claim_workbook(folder / f"load-{number}.xlsx", lines, invoices=f"P{number}")
    package = folder / f"load-{number}.elyclaim.zip"
    subprocess.run([sys.executable, "-m", "elyclaims", "build", str(workbook), "-o",
                    str(package), "--ledger", str(folder / f"ledger-{number}.sqlite3")],
                   check=True, capture_output=True, env={"ELYCLAIMS_TODAY": "2026-11-29",
                                                         "PATH": "/usr/bin:/bin"})
    return package.read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="postgresql://... (default: SQLite)")
    parser.add_argument("--lines", type=int, default=LINES)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="elyclaims-load-") as scratch:
        folder = Path(scratch)
        print(f"building {PACKAGES} packages of {arguments.lines:,} lines ...", flush=True)
        bodies = [_build(folder, number, arguments.lines) for number in range(PACKAGES)]
        token = add_token(folder / "tokens", "3221308-6", "load test")
        command = [sys.executable, "-m", "elyclaims", "serve", "--port", "0", "--data",
                   str(folder / "data"), "--token-file", str(folder / "tokens"),
                   "--max-body-bytes", str(256 << 20)]
        if arguments.database:
            command += ["--database", arguments.database]
        service = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        assert service.stderr is not None
        line = service.stderr.readline()
        while "listening on" not in line:
            line = service.stderr.readline()
        url = line.split("listening on ", 1)[1].strip()
        threading.Thread(target=lambda: [None for _ in service.stderr or ()],
                         daemon=True).start()
        jobs = [body for body in bodies for _ in range(2)]
        random.Random(7).shuffle(jobs)
        answers: list[tuple[int, float, str]] = []
        lock = threading.Lock()

        def client() -> None:
            with requests.Session() as session:
                while True:
                    with lock:
                        if not jobs:
                            return
                        body = jobs.pop()
                    started = time.monotonic()
                    answer = session.post(f"{url}/v1/claims", data=body, timeout=600, headers={
                        "Authorization": f"Bearer {token}", "Content-Type": "application/zip",
                        "Idempotency-Key": hashlib.sha256(body).hexdigest()})
                    took = time.monotonic() - started
                    with lock:
                        answers.append((answer.status_code, took,
                                        answer.json().get("submission_id", "")))

        started = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
        service.terminate()
        service.wait(timeout=60)
    statuses = sorted(status for status, _, _ in answers)
    receipts = {receipt for status, _, receipt in answers if status in {200, 201}}
    latencies = sorted(took for _, took, _ in answers)
    engine = "PostgreSQL" if arguments.database else "SQLite"
    print(f"{engine}: {len(answers)} posts by {CLIENTS} clients in {wall:.1f} s: "
          f"{len(answers) / wall:.2f} posts/s, {PACKAGES * arguments.lines / wall:,.0f} "
          f"lines received/s; p50 {statistics.median(latencies):.2f} s, "
          f"p99 {latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]:.2f} s")
    print(f"answers: { {s: statuses.count(s) for s in sorted(set(statuses))} }; "
          f"receipts: {len(receipts)}")
    assert statuses.count(201) == PACKAGES, statuses
    assert len(receipts) == PACKAGES, receipts
    assert not any(status >= 500 for status in statuses)


if __name__ == "__main__":
    main()
