"""The elyclaims benchmark: start-up, validate, build and inspect on claims of many sizes,
against bare openpyxl and bare python-calamine reading the same workbook.

    python benchmarks/run.py                       # 1,000 10,000 100,000 lines, 3 runs each
    python benchmarks/run.py --lines 1000000 --repeat 1
    python benchmarks/run.py --libreoffice         # re-save the workbooks with LibreOffice first

Every figure is the median of fresh processes (nothing is warm but the disk cache); peak
memory is the most a command's process tree held at once (elyclaims reads a workbook in a child
process beside itself), sampled, or the process's own maximum resident set (``wait4``) where
that is more (the workbooks are written in a process of their own, so that this one stays
small: a child's peak includes its parent's size at fork). The workbooks are written under
``benchmarks/.data/`` (ignored by git) as spreadsheet programs write them: shared strings and a
dimension (see ``workbooks.py``); ``--libreoffice`` re-saves them with LibreOffice headless where
it is installed (``apt install libreoffice-calc-nogui``), which the issue's reference figures
used. Where frictionless is installed (in an environment of its own: ``pip install
"frictionless[excel]"``, then ``--frictionless PATH`` or frictionless on ``PATH``), its
``validate`` of the expenses sheet is measured too, a tool an officer might use instead. The
table goes to standard output, the figures as JSON to ``--json`` (default
``benchmarks/.data/results.json``). For claims of up to :data:`PROFILED_LINES` lines the JSON
also gives ``imports``: what ``python -X importtime`` says validate's imports took, summed by
top-level package (median of the runs, in ms), so that a change that brings something heavy
onto the start of a small validate shows up by name. Nothing here asserts a time: the test
suite does not time anything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
TODAY = "2026-11-29"

BARE_OPENPYXL = """
import sys, warnings
warnings.simplefilter("ignore")
import openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
count = sum(1 for sheet in book.worksheets for _ in sheet.iter_rows(values_only=True))
"""
BARE_CALAMINE = """
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
count = sum(1 for name in book.sheet_names for _ in book.get_sheet_by_name(name).iter_rows())
"""


#: The largest claim whose validate gets an import profile (imports matter where claims are small).
PROFILED_LINES = 10_000
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


def import_profile(command: list[str], env: dict[str, str], repeat: int) -> dict[str, float]:
    """The milliseconds *command* (a Python command line) spends importing, by top-level
    package (each module's own time, ``-X importtime``), the median of *repeat* runs; the
    total under ``"(all)"``. Largest first, down to half a millisecond."""
    runs: list[dict[str, float]] = []
    for _ in range(repeat):
        done = subprocess.run([command[0], "-X", "importtime", *command[1:]], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              check=False)
        spent: dict[str, float] = {}
        for match in _IMPORT_LINE.finditer(done.stderr):
            package = match[2].split(".")[0]
            spent[package] = spent.get(package, 0.0) + int(match[1]) / 1000
        spent["(all)"] = sum(spent.values())
        runs.append(spent)
    names = {name for run in runs for name in run}
    medians = {name: round(statistics.median(run.get(name, 0.0) for run in runs), 1)
               for name in names}
    return dict(sorted(((name, ms) for name, ms in medians.items() if ms >= 0.5),
                       key=lambda item: -item[1]))


def _tree_rss(pid: int) -> int:
    """The resident kilobytes of process *pid* and all its descendants now (Linux; 0 elsewhere
    or once it has ended). Descendants are found through each thread's ``children`` file, so
    that a sample costs a few small reads, not a walk of every process on the machine (which,
    every 20 ms, took a good part of a core from the command being measured). A forked copy
    of its parent (elyclaims checks large claims on two cores that way) shares the parent's
    pages until one of them writes a page: it counts with its private pages only, or the
    shared ones would count twice (:func:`_private_kb`)."""
    if not _CHILDREN_FILES:
        return _tree_rss_by_scan(pid)
    tree, resident = [(pid, b"")], 0
    for member, parent_command in tree:  # grows as children are found
        try:
            pages = int(Path(f"/proc/{member}/statm").read_text().split()[1])
            command = Path(f"/proc/{member}/cmdline").read_bytes()
            tasks = list(Path(f"/proc/{member}/task").iterdir())
        except (OSError, IndexError, ValueError):
            continue
        copy = command == parent_command and _private_kb(member)
        resident += copy if copy else pages * _PAGE_KB
        for task in tasks:
            try:
                tree.extend((int(child), command)
                            for child in (task / "children").read_text().split())
            except (OSError, ValueError):
                continue
    return resident


_PRIVATE: dict[int, tuple[float, int]] = {}


def _private_kb(pid: int) -> int | None:
    """The kilobytes process *pid* holds alone (``smaps_rollup``), read at most every 100 ms:
    the kernel walks the whole address space for it, 10 ms for a gigabyte."""
    now = time.monotonic()
    kept = _PRIVATE.get(pid)
    if kept is not None and now - kept[0] < 0.1:
        return kept[1]
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return None
    private = sum(int(line.split()[1]) for line in lines if line.startswith("Private_"))
    _PRIVATE[pid] = (now, private)
    return private


def _tree_rss_by_scan(pid: int) -> int:
    """:func:`_tree_rss` where the kernel keeps no ``children`` files: every process's parent
    and resident size read, the tree of *pid* found among them."""
    parents: dict[int, int] = {}
    resident: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            pages = int((entry / "statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents[int(entry.name)] = int(fields[1])
        resident[int(entry.name)] = pages * _PAGE_KB
    tree, grown = {pid}, True
    while grown:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return sum(resident.get(member, 0) for member in tree)


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4
_CHILDREN_FILES = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def _run(command: list[str], env: dict[str, str],
         cwd: Path | None = None) -> tuple[float, float, int]:
    """Run *command* once: wall seconds, peak resident MiB and exit code. The peak is the
    larger of the process's own maximum (``wait4``) and the most its process tree held at once,
    sampled every 20 ms (elyclaims reads a workbook in a child process beside itself)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env, cwd=cwd)
    tree = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal tree
        while not stop.wait(0.02):
            tree = max(tree, _tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if process.stderr is not None:
        process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    return seconds, max(usage.ru_maxrss, tree) / 1024, code


def _median(command: list[str], repeat: int, env: dict[str, str],
            cwd: Path | None = None) -> dict[str, float]:
    runs = [_run(command, env, cwd) for _ in range(repeat)]
    codes = {code for _, _, code in runs}
    if codes - {0}:
        raise SystemExit(f"benchmark command failed ({codes}): {' '.join(command)}")
    return {"seconds": round(statistics.median(r[0] for r in runs), 3),
            "peak_mib": round(max(r[1] for r in runs), 1)}


def _workbook(lines: int, libreoffice: bool) -> tuple[Path, str]:
    """The claim workbook of *lines* lines, written (in a process of its own) if not there."""
    DATA.mkdir(exist_ok=True)
    for kind in (["libreoffice"] if libreoffice else []) + ["written"]:
        path = DATA / f"claim-{lines}-{kind}.xlsx"
        if path.exists():
            return path, kind
        flags = ["--libreoffice"] if kind == "libreoffice" else []
        done = subprocess.run([sys.executable, str(HERE / "workbooks.py"), str(path), str(lines),
                               *flags], check=False)
        if done.returncode == 0:
            return path, kind
        path.unlink(missing_ok=True)  # LibreOffice missing or failing: the written one
    raise SystemExit(f"could not write the {lines}-line workbook")


def measure(lines: int, repeat: int, libreoffice: bool,
            frictionless: str | None = None) -> dict[str, object]:
    """Every figure for a claim of *lines* lines (and frictionless's validate of its expenses
    sheet, with *frictionless* the command, where it is installed)."""
    python = sys.executable
    env = {**os.environ, "LANG": "C", "ELYCLAIMS_TODAY": TODAY}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed elyclaims runs
    workbook, kind = _workbook(lines, libreoffice)
    elyclaims = [python, "-m", "elyclaims"]
    subprocess.run([*elyclaims, "--version"], env=env, check=True, capture_output=True)
    subprocess.run([*elyclaims, "validate", str(workbook), "--format", "json"], env=env,
                   check=False, capture_output=True)  # not counted: keeps what a first run keeps
    with tempfile.TemporaryDirectory() as folder:
        package = Path(folder) / "claim.elyclaim.zip"
        env["XDG_DATA_HOME"] = folder  # a ledger of the benchmark's own
        figures = {
            "python -c pass": _median([python, "-c", "pass"], repeat, env),
            "elyclaims --version": _median([*elyclaims, "--version"], repeat, env),
            "bare openpyxl read": _median([python, "-c", BARE_OPENPYXL, str(workbook)], repeat,
                                          env),
            "bare calamine read": _median([python, "-c", BARE_CALAMINE, str(workbook)], repeat,
                                          env),
            "validate": _median([*elyclaims, "validate", str(workbook), "--format", "json"],
                                repeat, env),
            "build": _median([*elyclaims, "build", str(workbook), "-o", str(package)], repeat,
                             env),
            "inspect": _median([*elyclaims, "inspect", str(package), "--format", "json"],
                               repeat, env),
        }
        if frictionless:
            # frictionless refuses an absolute path as unsafe: run beside the workbook.
            figures["frictionless validate"] = _median(
                [frictionless, "validate", workbook.name, "--sheet", "Kulut"], repeat, env,
                cwd=workbook.parent)
        imports = (import_profile([*elyclaims, "validate", str(workbook), "--format", "json"],
                                  env, repeat) if lines <= PROFILED_LINES else None)
    result: dict[str, object] = {"lines": lines, "workbook": kind,
                                 "bytes": workbook.stat().st_size, "figures": figures}
    if imports is not None:
        result["imports"] = imports
    return result


def table(results: list[dict[str, object]]) -> str:
    """The figures as a table, with the ratios the performance issue sets targets for."""
    compared = any("frictionless validate" in r["figures"] for r in results)  # type: ignore[operator]
    rows = ["| lines | workbook | openpyxl s | calamine s | validate s (x openpyxl) | "
            "build s (x openpyxl) | inspect s | peak MiB validate / build | "
            "--version (x python) |"
            + (" frictionless s (x elyclaims) |" if compared else ""),
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if compared else "")]
    for result in results:
        figures = result["figures"]
        assert isinstance(figures, dict)
        bare = figures["bare openpyxl read"]["seconds"]
        validate = figures["validate"]["seconds"]
        build = figures["build"]["seconds"]
        version = figures["elyclaims --version"]["seconds"]
        python = figures["python -c pass"]["seconds"]
        rows.append(
            f"| {result['lines']:,} | {result['workbook']} | {bare:.2f} | "
            f"{figures['bare calamine read']['seconds']:.2f} | {validate:.2f} "
            f"({validate / bare:.2f}) | {build:.2f} ({build / bare:.2f}) | "
            f"{figures['inspect']['seconds']:.2f} | {figures['validate']['peak_mib']:.0f} / "
            f"{figures['build']['peak_mib']:.0f} | "
            f"{version:.2f} ({version / python:.1f}) |")
        if compared:
            other = figures.get("frictionless validate")
            rows[-1] += (f" {other['seconds']:.2f} ({other['seconds'] / validate:.1f}) |"
                         if other else " - |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--libreoffice", action="store_true",
                        help="re-save each workbook with LibreOffice headless where installed")
    parser.add_argument("--json", type=Path, default=DATA / "results.json")
    parser.add_argument("--frictionless", metavar="COMMAND", default=shutil.which("frictionless"),
                        help="frictionless's command, to compare its validate of the expenses "
                             "sheet (default: frictionless on PATH, if any)")
    args = parser.parse_args()
    found = shutil.which(args.frictionless) if args.frictionless else None
    if args.frictionless and found is None:
        raise SystemExit(f"frictionless not found: {args.frictionless}")
    # Absolute, since it runs beside the workbook.
    frictionless = str(Path(found).resolve()) if found else None
    results = []
    for lines in args.lines:
        print(f"measuring {lines:,} lines…", file=sys.stderr)
        results.append(measure(lines, args.repeat, args.libreoffice, frictionless))
    document = {"machine": {"python": platform.python_version(), "system": platform.platform(),
                            "cpus": os.cpu_count()},
                "repeat": args.repeat, "results": results}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    for result in results:
        if "imports" in result:
            spent = result["imports"]
            assert isinstance(spent, dict)
            print(f"\nvalidate's imports at {result['lines']:,} lines, ms: " + ", ".join(
                f"{name} {ms:.0f}" for name, ms in list(spent.items())[:8]))
    print(f"\n(medians of {args.repeat} fresh processes; figures in {args.json})")


if __name__ == "__main__":
    main()
