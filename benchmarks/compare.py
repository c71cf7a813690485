"""Two versions of elyclaims, interleaved: is a change faster, slower or the same?

    git worktree add /tmp/before <commit>
    python benchmarks/compare.py /tmp/before/src src --lines 1000 10000 100000 --repeat 5
    python benchmarks/compare.py /tmp/before/src src --lines 1000000 --repeat 3

Each run is a fresh ``python -m elyclaims validate`` (then ``build``) of the same generated
workbook (``workbooks.py``, under ``benchmarks/.data/``), with ``PYTHONPATH`` at one source tree
or the other, the two trees taking turns so that a machine growing busier weighs on both alike.
A run is measured by a small process that starts the command and waits for it: wall time, CPU
time (user + system, of the command and every process it waited for: the calamine child too)
and the largest resident set of any of them. The medians are printed per size, command and
tree; CPU time is the figure to judge a change by on a shared machine. Each run has a ledger of
its own in a temporary folder. Both trees are measured as an installed elyclaims runs: their
bytecode compiled first (as pip does on install), with ``PYTHONDONTWRITEBYTECODE`` unset, and
one run of each command not counted (which keeps the parsed data files; see
``elyclaims.datafiles``). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from workbooks import write_claim_workbook

DATA = Path(__file__).resolve().parent / ".data"
# Runs the command in argv, then says its wall time, CPU time and largest process (KiB).
_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([time.perf_counter() - started, used.ru_utime + used.ru_stime,
                  used.ru_maxrss]))
"""


def _workbook(lines: int) -> Path:
    path = DATA / f"claim-{lines}.xlsx"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        write_claim_workbook(path, lines)
    return path


def _run(source: str, command: str, workbook: Path) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PYTHONPATH": source, "ELYCLAIMS_LEDGER": f"{folder}/ledger.db",
               "ELYCLAIMS_TODAY": "2026-11-29"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        args = (["validate", str(workbook), "--format", "json"] if command == "validate"
                else ["build", str(workbook), "-o", f"{folder}/claim.elyclaim.zip"])
        done = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m",
                               "elyclaims", *args], env=env, capture_output=True, text=True,
                              check=True)
        measured: list[float] = json.loads(done.stdout)
        return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="the source tree (its src folder) to compare against")
    parser.add_argument("after", help="the source tree (its src folder) of the change")
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per tree and figure")
    parser.add_argument("--commands", nargs="+", default=["validate", "build"],
                        choices=["validate", "build"])
    args = parser.parse_args()
    trees = {"before": str(Path(args.before).resolve()), "after": str(Path(args.after).resolve())}
    for source in trees.values():
        subprocess.run([sys.executable, "-m", "compileall", "-q", source], check=True)
    print(f"{'lines':>9} {'command':<9} {'tree':<7} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9}")
    for lines in args.lines:
        workbook = _workbook(lines)
        for command in args.commands:
            runs: dict[str, list[list[float]]] = {name: [] for name in trees}
            for source in trees.values():
                _run(source, command, workbook)  # not counted: keeps what a first run keeps
            for _ in range(args.repeat):
                for name, source in trees.items():
                    runs[name].append(_run(source, command, workbook))
            for name, measured in runs.items():
                wall = statistics.median(run[0] for run in measured)
                cpu = statistics.median(run[1] for run in measured)
                peak = max(run[2] for run in measured) / 1024
                print(f"{lines:>9,} {command:<9} {name:<7} {wall:>8.3f} {cpu:>8.3f} {peak:>9.0f}")


if __name__ == "__main__":
    main()
