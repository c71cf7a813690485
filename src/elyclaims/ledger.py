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
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from elyclaims.errors import ElyclaimsError
from elyclaims.model import Claim, ClaimedLine, claimed_by_key, client_key, duplicate_key, own_party
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
    @property
    def supersedes(self) -> str | None: ...

__all__ = ["DEFAULT_LEDGER", "LEDGER_FILE", "SENDING", "ClaimedTotal", "DefaultLedger", "Ledger",
           "LedgerError", "LedgerPackage", "LedgerSubmission", "chosen_ledger",
           "default_ledger_path", "ledger_location"]

LEDGER_FILE = "ledger.sqlite3"
# Statuses after which a package's lines no longer count as claimed.
_NOT_CLAIMED = frozenset({"rejected", "superseded", "withdrawn", "not-received"})
#: The status a package has while it is being sent: until the authority's answer is recorded
#: (by this submit, or by the next submit or status after a stop), its lines count as claimed.
SENDING = "sending"
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


def ledger_location(configured: str | Path | None = None,
                    environ: Mapping[str, str] | None = None) -> Path:
    """Where the ledger is, as every door finds it: *configured* (the config's ``ledger``),
    else ``ELYCLAIMS_LEDGER``, else :func:`default_ledger_path`."""
    environ = os.environ if environ is None else environ
    given = configured or environ.get("ELYCLAIMS_LEDGER", "").strip()
    return Path(given) if given else default_ledger_path(environ)


class DefaultLedger:
    """The ledger the command line would use (see :func:`ledger_location`): what the Python
    API reads and records in unless it is given another, or ``ledger=None`` to opt out."""

    def __repr__(self) -> str:
        return "DEFAULT_LEDGER"


#: Use the ledger the command line would use (the API's default).
DEFAULT_LEDGER = DefaultLedger()


@contextmanager
def chosen_ledger(choice: Ledger | str | Path | DefaultLedger | None, *,
                  configured: str | Path | None = None,
                  create: bool = False) -> Iterator[Ledger | None]:
    """The ledger *choice* names, open for the block: None for None, and for the default
    ledger when it does not exist and *create* is False (reading never creates one); an open
    :class:`Ledger` as it is (its owner closes it).

    Raises:
        LedgerError: as :meth:`Ledger.open` does.
    """
    if choice is None or isinstance(choice, Ledger):
        yield choice
        return
    if isinstance(choice, DefaultLedger):
        path = ledger_location(configured)
        if not create and not path.is_file():
            yield None
            return
    else:
        path = Path(choice)
    with Ledger.open(path, create=create) as ledger:
        yield ledger


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
    # 2: what a line claims (client, category, service date, net), for `ledger claimed`; the
    # submission a package supersedes; uninvoiced lines' keys from here on (older packages'
    # uninvoiced lines keep no key: their claim is not at hand to make one).
    """
    ALTER TABLE lines ADD COLUMN client_reference TEXT;
    ALTER TABLE lines ADD COLUMN category TEXT;
    ALTER TABLE lines ADD COLUMN service_date TEXT;
    ALTER TABLE lines ADD COLUMN net_amount TEXT;
    ALTER TABLE packages ADD COLUMN supersedes TEXT;
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)
#: The columns of a line's record, in the order :func:`_line_rows` makes them.
_LINE_COLUMNS = "line_id, duplicate_key, client_reference, category, service_date, net_amount"


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
    #: The submission this package names as the one it replaces.
    supersedes: str | None = None

    @property
    def status(self) -> str:
        """The latest status: ``built`` until submitted, then the authority's last word."""
        if self.superseded_by is not None:
            return "superseded"
        if self.statuses:
            return self.statuses[-1][0]
        return "submitted" if self.submissions else "built"


@dataclass(slots=True)
class ClaimedTotal:
    """What was claimed for one client in one category: lines, net amount, the first and last
    service date, and the packages (id, submission reference) they went in."""

    client: str
    category: str
    lines: int = 0
    net: Decimal = Decimal("0.00")
    first_date: str | None = None
    last_date: str | None = None
    packages: dict[str, str] = field(default_factory=dict)

    def add(self, net: Decimal, served: str | None, package_id: str, reference: str) -> None:
        """Count one line of *net* served on *served* (ISO), claimed in *package_id*."""
        self.lines += 1
        self.net += net
        if served is not None:
            self.first_date = min(self.first_date or served, served)
            self.last_date = max(self.last_date or served, served)
        self.packages.setdefault(package_id, reference)


def _line_rows(claim: Claim) -> Iterator[tuple[str, str | None, str | None, str | None,
                                               str | None, str | None]]:
    """Each line's record (:data:`_LINE_COLUMNS`), in the lines' order, one at a time: a list
    of a million rows would be held, and would set the cycle collector going through every
    object the claim holds."""
    own = own_party(claim)
    for line in claim.expenses:
        served, net = line.service_date, line.net_amount
        yield (line.line_id, duplicate_key(line, own), line.client_reference, line.category,
               served.isoformat() if served is not None else None,
               format_money(net) if net is not None else None)


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
        except sqlite3.OperationalError as error:
            # The file may be intact: the disk is full, the folder read-only, the file locked.
            if connection is not None:
                connection.close()
            raise LedgerError(
                '{target}: the ledger cannot be opened: {reason} (is the disk full, or the '
                'folder read-only?)',
                target=target, reason=error) from error
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
            self._db.execute("COMMIT")
        except BaseException as error:
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.execute("ROLLBACK")
            if isinstance(error, sqlite3.DatabaseError):
                # A full disk, a read-only folder: nothing was recorded, the ledger is intact.
                raise LedgerError(
                    '{path}: cannot write the ledger: {reason}; nothing was recorded',
                    path=self.path, reason=error) from error
            raise

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
                       created_at: datetime, supersedes: str | None = None) -> None:
        """Record a package that was built (again: a rebuild of the same bytes changes
        nothing but the path), with each of its lines' duplicate keys. *supersedes* is the
        submission the package names as the one it replaces."""
        now = timestamp(datetime.now(UTC))
        path = Path(path).resolve()
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM packages WHERE sha256 = ?", (sha256,)).fetchone():
                db.execute("UPDATE packages SET path = ? WHERE sha256 = ?", (str(path), sha256))
                return
            db.execute(
                "INSERT INTO packages (sha256, package_id, path, claimant, business_id, "
                "period_start, period_end, purpose, recipient, lines, claimed, created_at, "
                "recorded_at, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sha256, package_id, str(path), claim.claimant.name, claim.claimant.business_id,
                 _iso(claim.period_start), _iso(claim.period_end),
                 claim.purpose.value if claim.purpose else None, recipient, lines,
                 format_money(claimed), timestamp(created_at), now, supersedes))
            db.executemany(
                f"INSERT INTO lines (sha256, {_LINE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((sha256, *row) for row in _line_rows(claim)))

    def record_built(self, built: Built, claim: Claim) -> None:
        """Record a package :func:`~elyclaims.package.build_package` wrote from *claim*."""
        self.record_package(sha256=built.sha256, package_id=built.package_id, path=built.path,
                            claim=claim, recipient=built.recipient, lines=built.lines,
                            claimed=built.claimed, created_at=built.created_at,
                            supersedes=built.supersedes)

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

    def claimed_lines(self, *, excluding: str | None = None,
                      superseding: str | None = None) -> dict[str, ClaimedLine]:
        """The lines of every package that was submitted and is not rejected, withdrawn or
        superseded, by duplicate key: the earliest submission of each key (of one package's
        lines with one key, the first), with how many lines of that key were claimed in all.
        Left out: the package *excluding* (a SHA-256), and the one whose submission
        *superseding* (a submission id or reference) names, which a new package replaces.

        Packages are gone through from their submissions, not from the lines: a ledger of many
        packages built and never submitted costs nothing here."""
        def lines() -> Iterator[tuple[str, ClaimedLine]]:
            for package in self._submitted(excluding, superseding):
                submitted_on = date.fromisoformat(package["submitted_at"][:10])
                for key, line_id in self._db.execute(
                        "SELECT duplicate_key, line_id FROM lines WHERE sha256 = ? AND "
                        "duplicate_key IS NOT NULL ORDER BY rowid", (package["sha256"],)):
                    yield key, ClaimedLine(package_id=package["package_id"],
                                           reference=package["reference"],
                                           submitted_on=submitted_on, line_id=line_id)

        return claimed_by_key(lines())

    def _submitted(self, excluding: str | None = None,
                   superseding: str | None = None) -> list[sqlite3.Row]:
        """The packages whose lines count as claimed: submitted, not superseded, rejected or
        withdrawn, each with its first submission, in the order they were submitted."""
        packages = self._db.execute(
            "SELECT sha256, package_id, submitted_at, reference FROM ("
            "SELECT packages.sha256, packages.package_id, submissions.submitted_at, "
            "submissions.reference, row_number() OVER (PARTITION BY packages.sha256 "
            "ORDER BY submissions.submitted_at, submissions.reference) AS n "
            "FROM packages JOIN submissions USING (sha256) "
            "WHERE packages.superseded_by IS NULL) WHERE n = 1 "
            # A package whose sending was begun, but whose answer is not recorded: the
            # authority may hold it (the process stopped after the request went out).
            "UNION ALL SELECT packages.sha256, packages.package_id, statuses.at, "
            "'(' || ? || ')' FROM packages JOIN statuses USING (sha256) "
            "WHERE packages.superseded_by IS NULL AND statuses.status = ? AND NOT EXISTS "
            "(SELECT 1 FROM submissions WHERE submissions.sha256 = packages.sha256) AND "
            "statuses.id = (SELECT max(id) FROM statuses AS last WHERE last.sha256 = "
            "packages.sha256) "
            "ORDER BY 3, 1", (SENDING, SENDING)).fetchall()
        replaced = set()
        if superseding:
            replaced = {row["sha256"] for row in self._db.execute(
                "SELECT sha256 FROM submissions WHERE submission_id = ? OR reference = ?",
                (superseding, superseding))}
        return [package for package in packages
                if package["sha256"] != excluding and package["sha256"] not in replaced
                and self._status(package["sha256"]) not in _NOT_CLAIMED]

    def claimed(self, *, client: str | None = None, start: date | None = None,
                end: date | None = None) -> list[ClaimedTotal]:
        """What has been claimed (in packages submitted and not rejected, withdrawn or
        superseded), per client and category, with the packages it went in: of *client* only
        (compared as client references compare), of service dates from *start* to *end*
        (both included) only, when given. Lines of packages recorded before the ledger kept
        what each line claims (schema 1) are not known here."""
        wanted = client_key(client) if client is not None else None
        totals: dict[tuple[str, str], ClaimedTotal] = {}
        for package in self._submitted():
            reference = package["reference"]
            for row in self._db.execute(
                    "SELECT client_reference, category, service_date, net_amount FROM lines "
                    "WHERE sha256 = ? AND net_amount IS NOT NULL ORDER BY rowid",
                    (package["sha256"],)):
                served = row["service_date"]
                if wanted is not None and client_key(row["client_reference"]) != wanted:
                    continue
                if (start is not None or end is not None) and served is None:
                    continue
                if start is not None and served < start.isoformat():
                    continue
                if end is not None and served > end.isoformat():
                    continue
                group = (row["client_reference"] or "", row["category"] or "")
                total = totals.get(group)
                if total is None:
                    total = totals[group] = ClaimedTotal(client=group[0], category=group[1])
                total.add(Decimal(row["net_amount"]), served, package["package_id"], reference)
        return [totals[group] for group in sorted(totals, key=lambda g: (client_key(g[0]), g[1]))]

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
            submissions=submissions, statuses=statuses, supersedes=row["supersedes"])


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

