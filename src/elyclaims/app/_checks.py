"""The app's work: checks of a workbook (or CSV files), each run by the library exactly as
``elyclaims validate`` runs it, in a thread of its own so that the page stays responsive and
shows how far the reading and checking have come.

An uploaded file is kept in the app's private folder (created for this run, readable by its
user only, removed when the app stops); a file opened from disk is read where it is, and
"check again" reads it there again. The app keeps the last :data:`KEPT` checks; an older one
is forgotten with its files.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from elyclaims.config import Config
from elyclaims.errors import ElyclaimsError

__all__ = ["KEPT", "Check", "Checks"]

#: How many checks the app keeps (with their reports and uploaded files).
KEPT = 20


@dataclass
class Check:
    """One check of one input (a workbook, or the CSV files of one export)."""

    id: str
    inputs: list[Path]
    #: The names the report shows for *inputs*: an upload's own file name, or the path opened.
    names: list[str]
    uploaded: bool
    folder: Path | None
    state: str = "running"  # running, done, failed
    stage: str = "read"
    done: int = 0
    total: int | None = None
    claim: Any = None
    report: Any = None
    failure: ElyclaimsError | None = None
    #: The package built from this check (:class:`~elyclaims.package.BuiltPackage`), the
    #: report that refused it, its inspection, the authority's receipt, and why sending failed.
    built: Any = None
    refused: Any = None
    inspected: Any = None
    receipt: Any = None
    unsent: str | None = None
    #: The config the check was made with.
    config: Any = None
    #: The input's rows by (sheet, row), read again when the page first shows one.
    rows: dict[tuple[str, int], list[tuple[str, str, object]]] | None = None

    def listen(self, stage: str, done: int, total: int | None) -> None:
        """The library's progress (:mod:`elyclaims.progress`)."""
        self.stage, self.done, self.total = stage, done, total

    def shown(self, text: str) -> str:
        """*text* with the paths the library was given as the names the officer knows."""
        for given, name in zip(self.inputs, self.names, strict=True):
            text = text.replace(str(given), name)
        return text


class Checks:
    """The checks of this run of the app, newest last."""

    def __init__(self, folder: Path, *, today: date | None, ledger: Path | None) -> None:
        self.folder = folder
        self.today = today
        self.ledger = ledger
        self._checks: OrderedDict[str, Check] = OrderedDict()
        self._lock = threading.Lock()

    def folder_for_upload(self) -> tuple[str, Path]:
        """A new check's id and its private folder for uploaded files."""
        check_id = uuid.uuid4().hex[:12]
        folder = self.folder / check_id
        folder.mkdir(mode=0o700)
        return check_id, folder

    def start(self, check_id: str, inputs: list[Path], names: list[str], *, uploaded: bool,
              folder: Path | None, config: Config, wait: bool = False) -> Check:
        """Start checking *inputs* with *config*; with *wait*, return once the check is
        done."""
        check = Check(check_id, inputs, names, uploaded, folder, config=config)
        with self._lock:
            self._checks[check_id] = check
            while len(self._checks) > KEPT:
                _, old = self._checks.popitem(last=False)
                if old.folder is not None:
                    shutil.rmtree(old.folder, ignore_errors=True)
        if wait:
            self._run(check)
        else:
            threading.Thread(target=self._run, args=(check,), daemon=True,
                             name=f"check-{check_id}").start()
        return check

    def again(self, check: Check, config: Config) -> Check:
        """A new check of *check*'s files (a file opened from disk is read where it is now; an
        upload's files pass to the new check with their folder)."""
        folder, check.folder = check.folder, None
        return self.start(uuid.uuid4().hex[:12], check.inputs, check.names,
                          uploaded=check.uploaded, folder=folder, config=config)

    def recent(self) -> list[Check]:
        """The checks kept, newest first."""
        with self._lock:
            return list(reversed(self._checks.values()))

    def get(self, check_id: str) -> Check | None:
        with self._lock:
            return self._checks.get(check_id)

    def _run(self, check: Check) -> None:
        from elyclaims.pipeline import read_claim
        from elyclaims.progress import reporting

        try:
            with reporting(check.listen):
                ledger = self.ledger if self.ledger is not None and self.ledger.is_file() else None
                check.claim, check.report = read_claim(
                    [str(path) for path in check.inputs], config=check.config, today=self.today,
                    ledger=ledger)
            check.state = "done"
        except ElyclaimsError as error:
            check.failure = error
            check.state = "failed"
        except Exception as error:  # the thread's last guard: the page says, the log names it
            import logging

            logging.getLogger("elyclaims.app.error").error(
                "check failed", extra={"fields": {"kind": type(error).__name__}})
            check.state = "failed"
