"""Fixtures shared by the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from elyclaims.cli import main
from postgres import cluster

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_claims"


@dataclass
class Run:
    """What one CLI run gave: exit code, standard output and error."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """The standard output parsed as JSON."""
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test in its own working directory with no ELYCLAIMS_* or locale settings, and
    a data folder of its own (so the default ledger is never the user's)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    for name in list(os.environ):
        if name.startswith("ELYCLAIMS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LANG", "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server's URL for the session (tests/postgres.py)."""
    with cluster() as url:
        yield url


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run ``elyclaims`` in-process with the given arguments."""

    def run(*args: str | Path) -> Run:
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse's usage errors
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def run_elyclaims(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    encoding: str = "utf-8",
    timeout: float = 120,
) -> Run:
    """Run ``python -m elyclaims`` in a real subprocess (so a traceback would show as one).

    *env* adds to a clean environment (no ``ELYCLAIMS_*``, ``LANG=C``); the output is decoded
    with *encoding*, strictly, so output the stream could not take fails the test.
    """
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("ELYCLAIMS_", "LC_", "PYTHONIOENCODING"))}
    environment.update({"LANG": "C", **(env or {})})
    done = subprocess.run(
        [sys.executable, "-m", "elyclaims", *(str(a) for a in args)],
        capture_output=True, env=environment, cwd=cwd, timeout=timeout, check=False,
    )
    return Run(done.returncode, done.stdout.decode(encoding), done.stderr.decode(encoding))


def _hypothesis_profiles() -> None:
    """In CI, property tests run derandomized (the same examples every run); locally they
    explore new examples each time."""
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")


_hypothesis_profiles()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under mutation testing (mutmut names the mutant in ``MUTANT_UNDER_TEST``, a name such
    as ``elyclaims.rules.eligibility.x_within_period__mutmut_3``), the tests most likely to
    fail run first: the rule cases of the mutated family, and the test files that import from
    the mutated module; then the other rule cases; then the rest. mutmut stops at the first
    test that fails, and most mutants fail one of those, where they would otherwise wait for
    hundreds of other tests. Otherwise the order is pytest's own."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if not mutant.startswith("elyclaims."):
        return
    from elyclaims.rules import RULES

    module = mutant.split(".x", 1)[0]
    families = {rule_id[:2] for rule_id, function in RULES.items()
                if function.__module__ == module}
    importing: dict[str, bool] = {}

    def imports_from_module(item: pytest.Item) -> bool:
        test_module = getattr(item, "module", None)
        if test_module is None:
            return False
        if test_module.__name__ not in importing:
            importing[test_module.__name__] = any(
                getattr(value, "__module__", None) == module
                for value in vars(test_module).values())
        return importing[test_module.__name__]

    def first(item: pytest.Item) -> int:
        if "test_rule_case[" in item.nodeid:
            case = item.nodeid.split("test_rule_case[", 1)[1]
            return 0 if case[:2] in families else 1
        return 0 if imports_from_module(item) else 2

    items.sort(key=first)
