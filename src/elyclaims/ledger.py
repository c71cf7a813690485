"""The claimant's ledger: every package built and submitted, so that nothing is claimed twice.

An embedded SQLite database (the standard library's ``sqlite3``), by default in the user's data
directory, with a versioned schema (``PRAGMA user_version``) migrated in place. It records each
package built (its id, digest, claimant, period, and each line's duplicate key), each submission
(by ``submit``, or recorded with ``mark_submitted`` when a package was handed in another way)
with its receipt, and the history of each submission's status. Nothing is ever deleted: a
package that a corrected one replaces is marked superseded, a rejected one keeps its record.

Two processes may use one ledger at once: it runs in WAL mode, every change is one
transaction, and a writer waits (``busy_timeout``) for another instead of failing.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from elyclaims._forked import Beside
from elyclaims.errors import ElyclaimsError
from elyclaims.model import Claim, duplicate_key
from elyclaims.rules import ClaimedLine
from elyclaims.values import format_money, timestamp


class Built(Protocol):
    """What the ledger records of a package that was built (a
    :class:`~elyclaims.package.BuiltPackage`, without the ledger importing the package layer,
    which imports the check that reads the ledger)."""

    @property
    def sha256(self) -> str: ...
    @property
    def package_id(self) -> str: ...
    @property
    def path(self) -> Path: ...
    @property
    def lines(self) -> int: ...
    @property
    def claimed(self) -> Decimal: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def recipient(self) -> str | None: ...

__all__ = ["LEDGER_FILE", "Ledger", "LedgerError", "LedgerPackage", "LedgerSubmission",
           "StagedLines", "default_ledger_path"]

LEDGER_FILE = "ledger.sqlite3"
# Statuses after which a package's lines no longer count as claimed.
_NOT_CLAIMED = frozenset({"rejected", "superseded"})
_BUSY_MILLISECONDS = 30_000


class LedgerError(ElyclaimsError):
    """The ledger cannot be opened, is not an elyclaims ledger, or is newer than this
    elyclaims; or a package asked for is not in it."""

    kind = "ledger"


def default_ledger_path(environ: Mapping[str, str] | None = None) -> Path:
    """The ledger in the user's data directory: ``~/.local/share/elyclaims`` on Linux,
    ``%LOCALAPPDATA%\\elyclaims`` on Windows, ``~/Library/Application Support/elyclaims`` on
    macOS (platformdirs), or under ``XDG_DATA_HOME`` when that is set."""
    environ = os.environ if environ is None else environ
    xdg = environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg) / "elyclaims" / LEDGER_FILE
    from platformdirs import user_data_path

    return user_data_path("elyclaims", appauthor=False) / LEDGER_FILE


# Each migration brings the schema from version N to N + 1; applied in order, once each.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE packages (
        sha256 TEXT PRIMARY KEY,
        package_id TEXT NOT NULL,
        path TEXT NOT NULL,
        claimant TEXT,
        business_id TEXT,
        period_start TEXT,
        period_end TEXT,
        purpose TEXT,
        recipient TEXT,
        lines INTEGER NOT NULL,
        claimed TEXT NOT NULL,
        created_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        superseded_by TEXT,
        superseded_at TEXT
    );
    CREATE INDEX packages_by_id ON packages (package_id);
    CREATE TABLE lines (
        sha256 TEXT NOT NULL REFERENCES packages (sha256),
        line_id TEXT NOT NULL,
        duplicate_key TEXT,
        PRIMARY KEY (sha256, line_id)
    );
    CREATE INDEX lines_by_key ON lines (duplicate_key);
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL REFERENCES packages (sha256),
        submission_id TEXT,
        reference TEXT NOT NULL,
        how TEXT NOT NULL,
        endpoint TEXT,
        submitted_at TEXT NOT NULL,
        receipt TEXT
    );
    CREATE UNIQUE INDEX submissions_once ON submissions (sha256, reference);
    CREATE TABLE statuses (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL REFERENCES packages (sha256),
        status TEXT NOT NULL,
        at TEXT NOT NULL,
        note TEXT
    );
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


@dataclass(frozen=True, slots=True)
class LedgerSubmission:
    """One submission of a package: its id at the authority (or the reference it was handed
    in with), how, where and when, and the receipt."""

    reference: str
    submission_id: str | None
    how: str
    endpoint: str | None
    submitted_at: str
    receipt: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class LedgerPackage:
    """A package as the ledger knows it, with its submissions and status history."""

    sha256: str
    package_id: str
    path: str
    claimant: str | None
    business_id: str | None
    period_start: str | None
    period_end: str | None
    purpose: str | None
    recipient: str | None
    lines: int
    claimed: str
    created_at: str
    recorded_at: str
    superseded_by: str | None
    submissions: tuple[LedgerSubmission, ...]
    statuses: tuple[tuple[str, str, str | None], ...]

    @property
    def status(self) -> str:
        """The latest status: ``built`` until submitted, then the authority's last word."""
        if self.superseded_by is not None:
            return "superseded"
        if self.statuses:
            return self.statuses[-1][0]
        return "submitted" if self.submissions else "built"


#: Whether this Python's SQLite can copy a database made in memory (3.11 and newer, as built).
_CAN_STAGE = hasattr(sqlite3.Connection, "serialize") and hasattr(sqlite3.Connection,
                                                                   "deserialize")


class StagedLines:
    """The ledger's record of a claim's lines (each line id and duplicate key) made beside
    the build: in a forked copy of this process (see :mod:`elyclaims._forked`: on Linux, with
    no other thread, memory to spare), as a small SQLite database that
    :meth:`Ledger.record_built` copies in with one statement instead of making a row for each
    line after the package is written. Where no copy can be made, or it fails, the ledger
    makes the rows itself. Use it as a context manager: a copy whose record is not taken (the
    build was refused) is stopped."""

    def __init__(self, claim: Claim) -> None:
        self._claim = claim
        self._beside = Beside.start(lambda: _lines_database(claim)) if _CAN_STAGE else None
        self._made: bytes | None = None

    @property
    def beside(self) -> bool:
        """Whether the record is being made in a copy of this process."""
        return self._beside is not None

    def database(self, claim: Claim) -> bytes | None:
        """The record (a serialized SQLite database, its table ``lines``), when it was made
        for *claim* and the copy made it; None otherwise."""
        if self._beside is not None:
            made = self._beside.result()
            self._beside = None
            self._made = made[0] if made is not None else None
        return self._made if claim is self._claim else None

    def cancel(self) -> None:
        """Stop the copy, if it still runs."""
        if self._beside is not None:
            self._beside.cancel()
            self._beside = None

    def __enter__(self) -> StagedLines:
        return self

    def __exit__(self, *_: object) -> None:
        self.cancel()


def _lines_database(claim: Claim) -> bytes:
    """In the copy: each line's id and duplicate key, in the lines' order, as a serialized
    SQLite database."""
    gc.disable()  # the copy ends soon; a collection would write (and so copy) every object
    database = sqlite3.connect(":memory:")
    database.execute("CREATE TABLE lines (line_id TEXT NOT NULL, duplicate_key TEXT)")
    database.executemany("INSERT INTO lines VALUES (?, ?)",
                         ((line.line_id, duplicate_key(line)) for line in claim.expenses))
    database.commit()
    return database.serialize()


class Ledger:
    """An open ledger. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> Ledger:
        """Open the ledger at *path*, creating it (and its folder) when *create* is True.

        Raises:
            LedgerError: when it does not exist (and *create* is False), cannot be opened, is
                not an elyclaims ledger, or was written by a newer elyclaims.
        """
        target = Path(path)
        if not target.exists():
            if not create:
                raise LedgerError(
                    '{target}: no ledger there (build or submit a package first, or give --ledger)',
                    target=target)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise LedgerError(
                    "{target}: cannot create the ledger's folder: {reason}",
                    target=target, reason=error.strerror or error) from error
        connection: sqlite3.Connection | None = None
        try:
            connection = sqlite3.connect(target, timeout=_BUSY_MILLISECONDS / 1000,
                                         isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute(f"PRAGMA busy_timeout = {_BUSY_MILLISECONDS}")
            _write_ahead_log(connection)
            connection.execute("PRAGMA foreign_keys = ON")
            ledger = cls(target, connection)
            ledger._migrate()
        except sqlite3.DatabaseError as error:
            if connection is not None:
                connection.close()
            raise LedgerError(
                '{target}: not an elyclaims ledger, or damaged: {reason}',
                target=target, reason=error) from error
        except BaseException:
            # A ledger it cannot use (a newer schema…) is closed again, not left to the collector.
            if connection is not None:
                connection.close()
            raise
        return ledger

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock at once, so that two writers queue instead of
        # deadlocking on an upgrade from a read lock.
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            raise LedgerError(
                '{path}: cannot write the ledger: {reason}',
                path=self.path, reason=error) from error
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise LedgerError(
                '{path}: the ledger was written by a newer elyclaims (schema {version}, this one '
                'knows {known})',
                path=self.path, version=version, known=SCHEMA_VERSION)
        if version == SCHEMA_VERSION:
            return
        with self._transaction() as db:
            current = int(db.execute("PRAGMA user_version").fetchone()[0])
            for number in range(current, SCHEMA_VERSION):
                for statement in _MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ------------------------------------------------------------------------- writing

    def record_package(self, *, sha256: str, package_id: str, path: str | Path, claim: Claim,
                       recipient: str | None, lines: int, claimed: Any,
                       created_at: datetime, staged: StagedLines | None = None) -> None:
        """Record a package that was built (again: a rebuild of the same bytes changes
        nothing but the path), with each of its lines' duplicate keys: those *staged* made,
        when it made them for this very claim."""
        now = timestamp(datetime.now(UTC))
        path = Path(path).resolve()
        with self._attached(staged, claim) as source, self._transaction() as db:
            if db.execute("SELECT 1 FROM packages WHERE sha256 = ?", (sha256,)).fetchone():
                db.execute("UPDATE packages SET path = ? WHERE sha256 = ?", (str(path), sha256))
                return
            db.execute(
                "INSERT INTO packages (sha256, package_id, path, claimant, business_id, "
                "period_start, period_end, purpose, recipient, lines, claimed, created_at, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sha256, package_id, str(path), claim.claimant.name, claim.claimant.business_id,
                 _iso(claim.period_start), _iso(claim.period_end),
                 claim.purpose.value if claim.purpose else None, recipient, lines,
                 format_money(claimed), timestamp(created_at), now))
            if source:
                db.execute("INSERT INTO lines (sha256, line_id, duplicate_key) SELECT ?, "
                           "line_id, duplicate_key FROM staged.lines ORDER BY rowid", (sha256,))
                return
            db.executemany(
                "INSERT INTO lines (sha256, line_id, duplicate_key) VALUES (?, ?, ?)",
                # One row at a time: a list of a million rows would be held, and would set
                # the cycle collector going through every object the claim holds.
                ((sha256, line.line_id, duplicate_key(line)) for line in claim.expenses))

    def record_built(self, built: Built, claim: Claim, *,
                     staged: StagedLines | None = None) -> None:
        """Record a package :func:`~elyclaims.package.build_package` wrote from *claim*; its
        lines as *staged* made them beside the build, where it could."""
        self.record_package(sha256=built.sha256, package_id=built.package_id, path=built.path,
                            claim=claim, recipient=built.recipient, lines=built.lines,
                            claimed=built.claimed, created_at=built.created_at, staged=staged)

    @contextmanager
    def _attached(self, staged: StagedLines | None, claim: Claim) -> Iterator[bool]:
        """The lines *staged* made, attached as the database ``staged`` while the package is
        recorded; False (nothing attached) when there are none, or not as many as *claim*
        has."""
        database = staged.database(claim) if staged is not None else None
        if database is None:
            yield False
            return
        try:
            self._db.execute("ATTACH DATABASE ':memory:' AS staged")
            self._db.deserialize(database, name="staged")
            count = self._db.execute("SELECT count(*) FROM staged.lines").fetchone()[0]
            usable = count == len(claim.expenses)
        except sqlite3.DatabaseError:
            usable = False
        try:
            yield usable
        finally:
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.execute("DETACH DATABASE staged")

    def record_submission(self, sha256: str, *, reference: str, how: str,
                          submission_id: str | None = None, endpoint: str | None = None,
                          receipt: Mapping[str, Any] | None = None,
                          at: datetime | None = None) -> bool:
        """Record that the package *sha256* was submitted; False when this submission (the
        same reference) was recorded before.

        Raises:
            LedgerError: when the package is not in the ledger.
        """
        when = timestamp(at or datetime.now(UTC))
        with self._transaction() as db:
            self._require(db, sha256)
            if db.execute("SELECT 1 FROM submissions WHERE sha256 = ? AND reference = ?",
                          (sha256, reference)).fetchone():
                if receipt is not None:
                    db.execute("UPDATE submissions SET receipt = ? WHERE sha256 = ? AND "
                               "reference = ?", (json.dumps(receipt), sha256, reference))
                return False
            db.execute(
                "INSERT INTO submissions (sha256, submission_id, reference, how, endpoint, "
                "submitted_at, receipt) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sha256, submission_id, reference, how, endpoint, when,
                 json.dumps(receipt) if receipt is not None else None))
            status = (receipt or {}).get("status") or "submitted"
            db.execute("INSERT INTO statuses (sha256, status, at, note) VALUES (?, ?, ?, ?)",
                       (sha256, status, when, how))
            return True

    def record_status(self, sha256: str, status: str, *, note: str | None = None) -> None:
        """Add *status* to the package's history, unless it is already the latest."""
        with self._transaction() as db:
            self._require(db, sha256)
            last = db.execute("SELECT status FROM statuses WHERE sha256 = ? ORDER BY id DESC "
                              "LIMIT 1", (sha256,)).fetchone()
            if last is None or last["status"] != status:
                db.execute("INSERT INTO statuses (sha256, status, at, note) VALUES "
                           "(?, ?, ?, ?)", (sha256, status, timestamp(datetime.now(UTC)), note))

    def supersede(self, sha256: str, *, by: str | None = None) -> None:
        """Mark the package superseded (by the package *by*, when given): its lines no longer
        count as claimed. Nothing is deleted."""
        with self._transaction() as db:
            self._require(db, sha256)
            db.execute("UPDATE packages SET superseded_by = ?, superseded_at = ? WHERE "
                       "sha256 = ?", (by or "", timestamp(datetime.now(UTC)), sha256))
            db.execute("INSERT INTO statuses (sha256, status, at, note) VALUES (?, ?, ?, ?)",
                       (sha256, "superseded", timestamp(datetime.now(UTC)), by))

    @staticmethod
    def _require(db: sqlite3.Connection, sha256: str) -> None:
        if not db.execute("SELECT 1 FROM packages WHERE sha256 = ?", (sha256,)).fetchone():
            raise LedgerError(
                'package {package}… is not in the ledger (build it, or record it with ledger mark-'
                'submitted)',
                package=sha256[:12])

    # ------------------------------------------------------------------------- reading

    def claimed_lines(self, *, excluding: str | None = None) -> dict[str, ClaimedLine]:
        """The lines of every package that was submitted and is not rejected or superseded,
        by duplicate key (the earliest submission of each key; of one package's lines with
        one key, the first), except the package *excluding*.

        Packages are gone through from their submissions, not from the lines: a ledger of many
        packages built and never submitted costs nothing here."""
        packages = self._db.execute(
            "SELECT sha256, package_id, submitted_at, reference FROM ("
            "SELECT packages.sha256, packages.package_id, submissions.submitted_at, "
            "submissions.reference, row_number() OVER (PARTITION BY packages.sha256 "
            "ORDER BY submissions.submitted_at, submissions.reference) AS n "
            "FROM packages JOIN submissions USING (sha256) "
            "WHERE packages.superseded_by IS NULL) WHERE n = 1 "
            "ORDER BY submitted_at, sha256").fetchall()
        claimed: dict[str, ClaimedLine] = {}
        for package in packages:
            sha256 = package["sha256"]
            if sha256 == excluding or self._status(sha256) in _NOT_CLAIMED:
                continue
            submitted_on = date.fromisoformat(package["submitted_at"][:10])
            for key, line_id in self._db.execute(
                    "SELECT duplicate_key, line_id FROM lines WHERE sha256 = ? AND "
                    "duplicate_key IS NOT NULL ORDER BY rowid", (sha256,)):
                if key not in claimed:
                    claimed[key] = ClaimedLine(
                        package_id=package["package_id"], reference=package["reference"],
                        submitted_on=submitted_on, line_id=line_id)
        return claimed

    def _status(self, sha256: str) -> str | None:
        row = self._db.execute("SELECT status FROM statuses WHERE sha256 = ? ORDER BY id DESC "
                               "LIMIT 1", (sha256,)).fetchone()
        return None if row is None else str(row["status"])

    def packages(self) -> list[LedgerPackage]:
        """Every package recorded, oldest first."""
        rows = self._db.execute("SELECT * FROM packages ORDER BY recorded_at, rowid").fetchall()
        return [self._package(row) for row in rows]

    def find(self, key: str) -> LedgerPackage | None:
        """The package with this SHA-256 (or its beginning), package id, or submission id."""
        row = self._db.execute(
            "SELECT * FROM packages WHERE sha256 = ? OR package_id = ? OR sha256 IN "
            "(SELECT sha256 FROM submissions WHERE submission_id = ? OR reference = ?)",
            (key, key, key, key)).fetchone()
        if row is None and len(key) >= 8 and all(c in "0123456789abcdef" for c in key):
            matches = self._db.execute("SELECT * FROM packages WHERE sha256 LIKE ?",
                                       (f"{key}%",)).fetchall()
            row = matches[0] if len(matches) == 1 else None
        return None if row is None else self._package(row)

    def _package(self, row: sqlite3.Row) -> LedgerPackage:
        submissions = tuple(
            LedgerSubmission(reference=s["reference"], submission_id=s["submission_id"],
                             how=s["how"], endpoint=s["endpoint"],
                             submitted_at=s["submitted_at"],
                             receipt=json.loads(s["receipt"]) if s["receipt"] else None)
            for s in self._db.execute("SELECT * FROM submissions WHERE sha256 = ? ORDER BY id",
                                      (row["sha256"],)))
        statuses = tuple(
            (s["status"], s["at"], s["note"])
            for s in self._db.execute("SELECT * FROM statuses WHERE sha256 = ? ORDER BY id",
                                      (row["sha256"],)))
        return LedgerPackage(
            sha256=row["sha256"], package_id=row["package_id"], path=row["path"],
            claimant=row["claimant"], business_id=row["business_id"],
            period_start=row["period_start"], period_end=row["period_end"],
            purpose=row["purpose"], recipient=row["recipient"], lines=row["lines"],
            claimed=row["claimed"], created_at=row["created_at"],
            recorded_at=row["recorded_at"], superseded_by=row["superseded_by"],
            submissions=submissions, statuses=statuses)


def _write_ahead_log(connection: sqlite3.Connection) -> None:
    """Put the database in WAL mode (it stays so). Switching needs a moment alone with the
    file, for which SQLite's busy handler does not wait: when another process holds it (two
    creating the ledger at once), try again, a bounded number of times."""
    for attempt in range(200):
        try:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 199:
                raise
            time.sleep(0.05)
            continue
        if str(mode).lower() == "wal":
            return
        time.sleep(0.05)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None

