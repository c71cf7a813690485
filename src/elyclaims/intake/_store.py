"""Where the intake service keeps what it received: an SQLite database of submissions and
their status history, and a folder of packages named by their SHA-256."""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elyclaims.files import atomic_output
from elyclaims.values import timestamp

__all__ = ["IntakeStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    submission_id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    package_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    findings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS statuses (
    id INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (submission_id),
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT
);
"""


class IntakeStore:
    """The service's data folder: ``intake.sqlite3`` and ``packages/``."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.packages = self.folder / "packages"
        self.incoming = self.folder / "incoming"
        for path in (self.folder, self.packages, self.incoming):
            path.mkdir(parents=True, exist_ok=True)
        self._path = self.folder / "intake.sqlite3"
        with self._connection() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA busy_timeout = 30000")
        try:
            yield db
        finally:
            db.close()

    def receipt(self, *, submission_id: str | None = None,
                sha256: str | None = None) -> dict[str, Any] | None:
        """The receipt of a submission (by its id or its package's digest), or None."""
        with self._connection() as db:
            row = db.execute("SELECT * FROM submissions WHERE submission_id = ? OR sha256 = ?",
                             (submission_id or "", sha256 or "")).fetchone()
            if row is None:
                return None
            last = db.execute("SELECT status FROM statuses WHERE submission_id = ? ORDER BY "
                              "id DESC LIMIT 1", (row["submission_id"],)).fetchone()
        return {"submission_id": row["submission_id"], "package_id": row["package_id"],
                "package_sha256": row["sha256"], "received_at": row["received_at"],
                "status": last["status"] if last else "received",
                "findings": json.loads(row["findings"])}

    def store(self, incoming: Path, *, sha256: str, package_id: str,
              findings: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], bool]:
        """Keep the checked package *incoming* and record its receipt; ``(receipt, True)``
        for a new submission, ``(the earlier receipt, False)`` when the same package came
        before (also when two requests race: the database's uniqueness decides)."""
        target = self.packages / f"{sha256}.elyclaim.zip"
        if not target.exists():
            with atomic_output(target) as part:
                shutil.copyfile(incoming, part)
        now = timestamp(datetime.now(UTC))
        submission_id = f"{now[:10].replace('-', '')}-{uuid.uuid4().hex[:12]}"
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                existing = db.execute("SELECT submission_id FROM submissions WHERE sha256 = ?",
                                      (sha256,)).fetchone()
                if existing is None:
                    db.execute("INSERT INTO submissions VALUES (?, ?, ?, ?, ?)",
                               (submission_id, sha256, package_id, now,
                                json.dumps(list(findings))))
                    db.execute("INSERT INTO statuses (submission_id, status, at) VALUES "
                               "(?, 'received', ?)", (submission_id, now))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        receipt = self.receipt(sha256=sha256)
        assert receipt is not None
        return receipt, existing is None

    def set_status(self, submission_id: str, status: str, note: str | None) -> None:
        """Add *status* to the submission's history."""
        with self._connection() as db:
            db.execute("INSERT INTO statuses (submission_id, status, at, note) VALUES "
                       "(?, ?, ?, ?)", (submission_id, status, timestamp(datetime.now(UTC)),
                                        note))

    def count(self) -> int:
        """How many submissions the service holds."""
        with self._connection() as db:
            return int(db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0])
