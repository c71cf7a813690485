"""Where the intake service keeps what it received: an SQLite database of submissions, their
status history and each submission's lines by duplicate key, and a folder of packages named by
their SHA-256.

The receiving side cannot trust a claimant's ledger: it keeps each claimant's received lines
itself, and refuses a package that repeats a line of another submission of the same claimant
that still counts (not withdrawn, rejected or superseded). The check and the insert are one
transaction (``BEGIN IMMEDIATE``), so that of two packages sharing a line sent at one moment
exactly one is received.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from elyclaims.files import atomic_output, sweep_scratch
from elyclaims.model import ClaimedLine, claimed_by_key
from elyclaims.values import timestamp

__all__ = ["NOT_COUNTING", "Conflict", "IntakeStore", "Withdrawal"]

#: Statuses after which a submission's lines no longer count as claimed.
NOT_COUNTING = frozenset({"withdrawn", "rejected", "superseded"})

# Each migration brings the database from version N to N + 1 (PRAGMA user_version). The
# first is the schema of elyclaims 0.1, which made its tables without a version.
_MIGRATIONS: tuple[str, ...] = (
    """
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
    """,
    """
    ALTER TABLE submissions ADD COLUMN business_id TEXT;
    ALTER TABLE submissions ADD COLUMN supersedes TEXT;
    CREATE INDEX submissions_by_claimant ON submissions (business_id, package_id);
    CREATE TABLE lines (
        submission_id TEXT NOT NULL REFERENCES submissions (submission_id),
        line_id TEXT NOT NULL,
        duplicate_key TEXT NOT NULL
    );
    CREATE INDEX lines_by_submission ON lines (submission_id);
    """,
)


class Conflict(Exception):
    """The package repeats what the service holds: lines of another submission of the same
    claimant that still count (*findings*: DU-002), or its package id with another body."""

    def __init__(self, reason: str, findings: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.findings = list(findings)


class Withdrawal(Exception):
    """The submission cannot be withdrawn: it is no longer ``received``."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True, slots=True)
class Incoming:
    """A checked package on its way into the store: its digest, id, claimant, the submission
    it names as superseded, and each line's id and duplicate key."""

    sha256: str
    package_id: str
    business_id: str
    supersedes: str | None
    lines: Sequence[tuple[str, str]]


#: Given what the claimant has claimed (by duplicate key), the package's DU-002 findings.
Check = Callable[[dict[str, ClaimedLine]], list[dict[str, Any]]]


class IntakeStore:
    """The service's data folder: ``intake.sqlite3`` and ``packages/``."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.packages = self.folder / "packages"
        self.incoming = self.folder / "incoming"
        for path in (self.folder, self.packages, self.incoming):
            path.mkdir(parents=True, exist_ok=True)
        # Bodies half-received by a service that was stopped (kill -9, a power cut).
        sweep_scratch(self.incoming, "body.")
        self._path = self.folder / "intake.sqlite3"
        with self._connection() as db, _transaction(db):
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            for migration in _MIGRATIONS[version:]:
                for statement in migration.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {len(_MIGRATIONS)}")

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
            return _receipt(db, submission_id=submission_id, sha256=sha256)

    def store(self, incoming: Path, package: Incoming, *, findings: Sequence[Mapping[str, Any]],
              check: Check) -> tuple[dict[str, Any], bool]:
        """Keep the checked package *incoming* and record its receipt and lines;
        ``(receipt, True)`` for a new submission, ``(the earlier receipt, False)`` when the
        same package came before (also when two requests race). *check* is given, inside
        the transaction, what the claimant has claimed in its other submissions that count
        (less the one the package supersedes), and returns the DU-002 findings. When the
        package supersedes a submission of its claimant that still counts, that one is marked
        ``superseded`` in the same transaction.

        Raises:
            Conflict: *check* found lines claimed before, or another submission of the
                claimant that still counts has this package id with another body; nothing
                was recorded.
            LookupError: the package supersedes no submission of its claimant.
        """
        target = self.packages / f"{package.sha256}.elyclaim.zip"
        now = timestamp(datetime.now(UTC))
        submission_id = f"{now[:10].replace('-', '')}-{uuid.uuid4().hex[:12]}"
        with self._connection() as db:
            with _transaction(db):
                earlier = _receipt(db, sha256=package.sha256)
                if earlier is not None:
                    return earlier, False
                self._admit(db, package, check)
                if not target.exists():
                    with atomic_output(target) as part:
                        shutil.copyfile(incoming, part)
                db.execute("INSERT INTO submissions (submission_id, sha256, package_id, "
                           "received_at, findings, business_id, supersedes) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?)",
                           (submission_id, package.sha256, package.package_id, now,
                            json.dumps(list(findings)), package.business_id,
                            package.supersedes))
                db.execute("INSERT INTO statuses (submission_id, status, at) VALUES "
                           "(?, 'received', ?)", (submission_id, now))
                db.executemany("INSERT INTO lines (submission_id, line_id, duplicate_key) "
                               "VALUES (?, ?, ?)",
                               ((submission_id, line_id, key) for line_id, key in package.lines))
                if package.supersedes:
                    db.execute("INSERT INTO statuses (submission_id, status, at, note) VALUES "
                               "(?, 'superseded', ?, ?)",
                               (package.supersedes, now, f"superseded by {submission_id}"))
            receipt = _receipt(db, submission_id=submission_id)
        assert receipt is not None
        return receipt, True

    def _admit(self, db: sqlite3.Connection, package: Incoming, check: Check) -> None:
        """Refuse *package* (:class:`Conflict`, :class:`LookupError`) when it repeats what the
        claimant's submissions that count hold; the superseded one among them is left out."""
        counting = {row["submission_id"]: row for row in db.execute(
            "SELECT submission_id, package_id, sha256, received_at FROM submissions "
            "WHERE business_id = ? ORDER BY received_at, submission_id", (package.business_id,))
            if _status(db, row["submission_id"]) not in NOT_COUNTING}
        if package.supersedes:
            exists = db.execute("SELECT 1 FROM submissions WHERE submission_id = ? AND "
                                "business_id = ?",
                                (package.supersedes, package.business_id)).fetchone()
            if exists is None:
                raise LookupError(package.supersedes)
            counting.pop(package.supersedes, None)
        def lines() -> Iterator[tuple[str, ClaimedLine]]:
            for submission_id, row in counting.items():
                received = date.fromisoformat(row["received_at"][:10])
                for line_id, key in db.execute("SELECT line_id, duplicate_key FROM lines WHERE "
                                               "submission_id = ? ORDER BY rowid",
                                               (submission_id,)):
                    yield key, ClaimedLine(package_id=row["package_id"], reference=submission_id,
                                           submitted_on=received, line_id=line_id)

        claimed = claimed_by_key(lines())
        duplicates = check(claimed) if claimed else []
        if duplicates:
            raise Conflict("the package claims lines that an earlier submission of the same "
                           "claimant claimed", duplicates)
        same_id = [row for row in counting.values() if row["package_id"] == package.package_id]
        if same_id:
            raise Conflict(f"the package id {package.package_id} was received before with "
                           f"another body (submission {same_id[0]['submission_id']})")

    def set_status(self, submission_id: str, status: str, note: str | None) -> None:
        """Add *status* to the submission's history."""
        with self._connection() as db:
            db.execute("INSERT INTO statuses (submission_id, status, at, note) VALUES "
                       "(?, ?, ?, ?)", (submission_id, status, timestamp(datetime.now(UTC)),
                                        note))

    def withdraw(self, submission_id: str) -> dict[str, Any]:
        """Mark a submission that is still ``received`` withdrawn, and return its receipt
        (again the same receipt for one withdrawn before).

        Raises:
            LookupError: there is no such submission.
            Withdrawal: it is no longer ``received`` (in review, decided, superseded).
        """
        with self._connection() as db:
            with _transaction(db):
                if _receipt(db, submission_id=submission_id) is None:
                    raise LookupError(submission_id)
                status = _status(db, submission_id)
                if status not in {"received", "withdrawn"}:
                    raise Withdrawal(status or "")
                if status == "received":
                    db.execute("INSERT INTO statuses (submission_id, status, at, note) VALUES "
                               "(?, 'withdrawn', ?, 'by the claimant')",
                               (submission_id, timestamp(datetime.now(UTC))))
            receipt = _receipt(db, submission_id=submission_id)
        assert receipt is not None
        return receipt

    def count(self) -> int:
        """How many submissions the service holds."""
        with self._connection() as db:
            return int(db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0])

    def counting_lines(self, business_id: str | None = None) -> int:
        """How many received lines count as claimed (of submissions not withdrawn, rejected or
        superseded), of one claimant or of all: what the authority holds."""
        with self._connection() as db:
            rows: Iterable[sqlite3.Row] = db.execute(
                "SELECT submission_id FROM submissions WHERE ? IS NULL OR business_id = ?",
                (business_id, business_id)).fetchall()
            return sum(
                int(db.execute("SELECT COUNT(*) FROM lines WHERE submission_id = ?",
                               (row["submission_id"],)).fetchone()[0])
                for row in rows if _status(db, row["submission_id"]) not in NOT_COUNTING)


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    # BEGIN IMMEDIATE takes the write lock at once: the check and the insert see one state.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _status(db: sqlite3.Connection, submission_id: str) -> str | None:
    last = db.execute("SELECT status FROM statuses WHERE submission_id = ? ORDER BY id DESC "
                      "LIMIT 1", (submission_id,)).fetchone()
    return None if last is None else str(last["status"])


def _receipt(db: sqlite3.Connection, *, submission_id: str | None = None,
             sha256: str | None = None) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM submissions WHERE submission_id = ? OR sha256 = ?",
                     (submission_id or "", sha256 or "")).fetchone()
    if row is None:
        return None
    receipt = {"submission_id": row["submission_id"], "package_id": row["package_id"],
               "package_sha256": row["sha256"], "received_at": row["received_at"],
               "status": _status(db, row["submission_id"]) or "received",
               "findings": json.loads(row["findings"])}
    if row["supersedes"]:
        receipt["supersedes"] = row["supersedes"]
    return receipt
