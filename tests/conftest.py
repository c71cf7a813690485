"""Fixtures shared by the tests."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from elyclaims.cli import main

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
    """Run every test in its own working directory with no ELYCLAIMS_* or locale settings."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("ELYCLAIMS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LANG", "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


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


def _hypothesis_profiles() -> None:
    """In CI, property tests run derandomized (the same examples every run); locally they
    explore new examples each time."""
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")


_hypothesis_profiles()
