"""The mutation score of the modules mutmut mutates (pyproject.toml's [tool.mutmut]), after
``mutmut run``: by module and by the groups the project holds to a floor.

Reads ``mutmut results --all true``; a survivor listed in ``tests/mutation-equivalents.txt``
(``name: why it changes nothing``; a name may end in ``*`` for every mutant of a function) is
left out of the score. Exits 1 when a held group scores
under its floor, or when an entry of the list names no survivor any more (a change in the code
renumbers a function's mutants: review the list again). Run by ``tox -e mutation``.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

EQUIVALENTS = Path(__file__).with_name("mutation-equivalents.txt")
#: The groups held to a floor (killed / mutants that are not equivalent), by module prefix.
FLOORS = {"elyclaims.rules": 0.90, "elyclaims.values": 0.90}
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
_RESULT = re.compile(r"^\s+(\S+): (.+)$")
_MODULE = re.compile(r"^(.*?)\.x[_ǁ]")


def equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    """The survivors recorded as equivalent, with why (blank lines and ``#`` comments left)."""
    listed: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, why = line.partition(":")
        if not colon or not why.strip():
            raise SystemExit(f"{path.name}:{number}: give the mutant and why: `name: reason`")
        listed[name.strip()] = why.strip()
    return listed


def results(command: tuple[str, ...] = ("mutmut", "results", "--all", "true")) -> dict[str, str]:
    """Every mutant's status, by name."""
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {found[1]: found[2] for found in map(_RESULT.match, out.splitlines()) if found}


def main() -> int:
    statuses, listed = results(), equivalents()
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    unreviewed: list[str] = []
    for name, status in statuses.items():
        if status == "not checked":  # a run limited to some mutants (`mutmut run NAME*`)
            continue
        module = _module(name)
        if status == "survived" and _listed(name, listed):
            status = "equivalent"
        elif status in ("survived", "no tests"):
            unreviewed.append(f"{name} ({status})")
        by_module[module][status] += 1
    failed = False
    print(f"{'module':40} {'mutants':>8} {'killed':>7} {'equiv.':>7} {'score':>7}")
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for module, counts in sorted(by_module.items()):
        print(_line(module, counts))
        for prefix in FLOORS:
            if module == prefix or module.startswith(prefix + "."):
                groups[prefix].update(counts)
    for prefix, floor in FLOORS.items():
        if not groups[prefix]:
            continue
        print(_line(f"{prefix} (floor {floor:.0%})", groups[prefix]))
        if _score(groups[prefix]) < floor:
            failed = True
            print(f"  under the floor: {prefix}")
    # A listed name of a module this run mutated that did not survive (or is gone: its
    # function changed and its mutants were renumbered); other modules' names are left alone.
    run = set(by_module)
    stale = sorted(entry for entry in listed if _module(entry) in run and not any(
        statuses[name] in ("survived", "not checked")
        for name in fnmatch.filter(statuses, entry)))
    for name in stale:
        print(f"listed as equivalent, but no survivor: {name}")
    print(f"{len(unreviewed)} survivors neither killed nor listed as equivalent"
          f"{':' if unreviewed else ''}")
    for name in sorted(unreviewed):
        print(f"  {name}")
    return 1 if failed or stale else 0


def _listed(name: str, listed: dict[str, str]) -> bool:
    """Whether *name* is listed, by its name or by a pattern (``...x__shape__mutmut_*``: every
    mutant of a function, where one reason holds for all)."""
    return name in listed or any("*" in entry and fnmatch.fnmatchcase(name, entry)
                                 for entry in listed)


def _module(name: str) -> str:
    found = _MODULE.match(name)
    return found[1] if found else name.rsplit(".", 1)[0]


def _score(counts: Counter[str]) -> float:
    killed = sum(counts[status] for status in KILLED)
    counted = sum(counts.values()) - counts["equivalent"] - counts["skipped"]
    return killed / counted if counted else 1.0


def _line(name: str, counts: Counter[str]) -> str:
    killed = sum(counts[status] for status in KILLED)
    return (f"{name:40} {sum(counts.values()):8} {killed:7} {counts['equivalent']:7} "
            f"{_score(counts):7.1%}")


if __name__ == "__main__":
    sys.exit(main())
