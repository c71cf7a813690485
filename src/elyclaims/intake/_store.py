"""Where the intake service keeps what it received: submissions, their status history, each
submission's lines by duplicate key and the packages themselves, in one database (SQLite in the
data folder by default, or PostgreSQL: :mod:`elyclaims.intake._engines`).

The receiving side cannot trust a claimant's ledger: it keeps each claimant's received lines
itself, and refuses a package that repeats a line of another submission of the same claimant
that still counts (not withdrawn, rejected or superseded). The check and the insert are one
transaction, serialised per claimant, so that of two packages sharing a line sent at one moment
(to one instance or to two) exactly one is received. Every reading and writing is scoped by
the claimant who asks: a claimant never reads another's receipt.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from elyclaims.files import sweep_scratch
from elyclaims.intake._engines import Connection, Engine, open_engine
from elyclaims.model import ClaimedLine, claimed_by_key
from elyclaims.privacy import sanitize
from elyclaims.submission import Receipt
from elyclaims.values import timestamp

__all__ = ["NOT_COUNTING", "Conflict", "IntakeStore", "Withdrawal"]

#: Statuses after which a submission's lines no longer count as claimed.
NOT_COUNTING = frozenset({"withdrawn", "rejected", "superseded"})


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
    """The service's records in *database* (a ``postgresql://`` URL), or in SQLite in
    *folder*. *folder* also holds bodies being received (``incoming/``), swept at start of
    what a stopped service left."""

    def __init__(self, folder: str | Path, database: str | None = None) -> None:
        self.folder = Path(folder)
        self.incoming = self.folder / "incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)
        # Bodies half-received by a service that was stopped (kill -9, a power cut).
        sweep_scratch(self.incoming, "body.")
        self.engine: Engine = open_engine(database, self.folder)

    @property
    def faults(self) -> tuple[type[Exception], ...]:
        """What the database raises when it fails."""
        return self.engine.faults()

    def ready(self) -> None:
        """Return when the database answers; raise what it raises when it does not."""
        with self.engine.connection() as db:
            db.execute("SELECT 1 FROM submissions WHERE 1 = 0").fetchall()

    def receipt(self, *, claimant: str | None, submission_id: str | None = None,
                sha256: str | None = None) -> Receipt | None:
        """The receipt of a submission of *claimant*'s (of anyone's for None: an operator),
        by its id or its package's digest, or None."""
        with self.engine.connection() as db:
            return _receipt(db, claimant, submission_id=submission_id, sha256=sha256)

    def submissions(self, *, claimant: str | None, status: str | None = None,
                    limit: int = 1000) -> list[Receipt]:
        """The receipts of *claimant*'s submissions (everyone's for None), oldest first, of
        one *status* or all."""
        with self.engine.connection() as db:
            rows = db.execute(
                "SELECT submission_id FROM submissions WHERE (CAST(? AS TEXT) IS NULL OR business_id = ?) "
                "ORDER BY received_at, submission_id", (claimant, claimant)).fetchall()
            receipts = []
            for row in rows:
                receipt = _receipt(db, claimant, submission_id=row["submission_id"])
                if receipt is not None and (status is None or receipt.status == status):
                    receipts.append(receipt)
                    if len(receipts) >= limit:
                        break
            return receipts

    def store(self, incoming: Path, package: Incoming, *, findings: Sequence[Mapping[str, Any]],
              check: Check) -> tuple[Receipt, bool]:
        """Keep the checked package *incoming* and record its receipt and lines;
        ``(receipt, True)`` for a new submission, ``(the earlier receipt, False)`` when the
        same claimant sent the same package before (also when two requests race). *check* is
        given, inside the transaction, what the claimant has claimed in its other submissions
        that count (less the one the package supersedes), and returns the DU-002 findings.
        When the package supersedes a submission of its claimant that still counts, that one
        is marked ``superseded`` in the same transaction.

        Raises:
            Conflict: *check* found lines claimed before, or another submission of the
                claimant that still counts has this package id with another body; nothing
                was recorded.
            LookupError: the package supersedes no submission of its claimant.
        """
        now = timestamp(datetime.now(UTC))
        submission_id = f"{now[:10].replace('-', '')}-{uuid.uuid4().hex[:12]}"
        body = incoming.read_bytes()
        claimant = package.business_id
        with self.engine.connection() as db:
            with self.engine.transaction(db, claimant):
                earlier = _receipt(db, claimant, sha256=package.sha256)
                if earlier is not None:
                    return earlier, False
                self._admit(db, package, check)
                db.execute("INSERT INTO submissions (submission_id, sha256, package_id, "
                           "received_at, findings, business_id, supersedes) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?)",
                           (submission_id, package.sha256, package.package_id, now,
                            json.dumps(list(findings)), claimant, package.supersedes))
                db.execute("INSERT INTO bodies (sha256, body) VALUES (?, ?)",
                           (package.sha256, body))
                db.execute("INSERT INTO statuses (submission_id, status, at) VALUES "
                           "(?, 'received', ?)", (submission_id, now))
                db.executemany("INSERT INTO lines (submission_id, line_id, duplicate_key, "
                               "position) VALUES (?, ?, ?, ?)",
                               [(submission_id, line_id, key, position) for position, (
                                   line_id, key) in enumerate(package.lines)])
                if package.supersedes:
                    db.execute("INSERT INTO statuses (submission_id, status, at, note) VALUES "
                               "(?, 'superseded', ?, ?)",
                               (package.supersedes, now, f"superseded by {submission_id}"))
            receipt = _receipt(db, claimant, submission_id=submission_id)
        assert receipt is not None
        return receipt, True

    def _admit(self, db: Connection, package: Incoming, check: Check) -> None:
        """Refuse *package* (:class:`Conflict`, :class:`LookupError`) when it repeats what the
        claimant's submissions that count hold; the superseded one among them is left out."""
        counting = {row["submission_id"]: row for row in db.execute(
            "SELECT submission_id, package_id, sha256, received_at FROM submissions "
            "WHERE business_id = ? ORDER BY received_at, submission_id",
            (package.business_id,)).fetchall()
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
                for line in db.execute("SELECT line_id, duplicate_key FROM lines WHERE "
                                       "submission_id = ? ORDER BY position",
                                       (submission_id,)).fetchall():
                    yield line["duplicate_key"], ClaimedLine(
                        package_id=row["package_id"], reference=submission_id,
                        submitted_on=received, line_id=line["line_id"])

        claimed = claimed_by_key(lines())
        duplicates = check(claimed) if claimed else []
        if duplicates:
            raise Conflict("the package claims lines that an earlier submission of the same "
                           "claimant claimed", duplicates)
        same_id = [row for row in counting.values() if row["package_id"] == package.package_id]
        if same_id:
            raise Conflict(f"the package id {package.package_id} was received before with "
                           f"another body (submission {same_id[0]['submission_id']})")

    def package(self, sha256: str) -> bytes | None:
        """The package received with this digest, as it came."""
        with self.engine.connection() as db:
            row = db.execute("SELECT body FROM bodies WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else bytes(row["body"])

    def set_status(self, submission_id: str, status: str, note: str | None) -> Receipt:
        """Add *status* to the submission's history (the note masked as every output is) and
        return its receipt.

        Raises:
            LookupError: there is no such submission.
        """
        with self.engine.connection() as db:
            if _receipt(db, None, submission_id=submission_id) is None:
                raise LookupError(submission_id)
            db.execute("INSERT INTO statuses (submission_id, status, at, note) VALUES "
                       "(?, ?, ?, ?)", (submission_id, status, timestamp(datetime.now(UTC)),
                                        sanitize(note) if note else None))
            receipt = _receipt(db, None, submission_id=submission_id)
        assert receipt is not None
        return receipt

    def withdraw(self, submission_id: str, *, claimant: str | None) -> Receipt:
        """Mark a submission of *claimant*'s that is still ``received`` withdrawn, and return
        its receipt (again the same receipt for one withdrawn before).

        Raises:
            LookupError: *claimant* has no such submission.
            Withdrawal: it is no longer ``received`` (in review, decided, superseded).
        """
        with self.engine.connection() as db:
            with self.engine.transaction(db, claimant):
                if _receipt(db, claimant, submission_id=submission_id) is None:
                    raise LookupError(submission_id)
                status = _status(db, submission_id)
                if status not in {"received", "withdrawn"}:
                    raise Withdrawal(status or "")
                if status == "received":
                    db.execute("INSERT INTO statuses (submission_id, status, at, note) VALUES "
                               "(?, 'withdrawn', ?, 'by the claimant')",
                               (submission_id, timestamp(datetime.now(UTC))))
            receipt = _receipt(db, claimant, submission_id=submission_id)
        assert receipt is not None
        return receipt

    def count(self) -> int:
        """How many submissions the service holds."""
        with self.engine.connection() as db:
            return int(db.execute("SELECT COUNT(*) AS n FROM submissions").fetchone()["n"])

    def counting_lines(self, business_id: str | None = None) -> int:
        """How many received lines count as claimed (of submissions not withdrawn, rejected or
        superseded), of one claimant or of all: what the authority holds."""
        with self.engine.connection() as db:
            rows = db.execute(
                "SELECT submission_id FROM submissions WHERE CAST(? AS TEXT) IS NULL OR business_id = ?",
                (business_id, business_id)).fetchall()
            return sum(
                int(db.execute("SELECT COUNT(*) AS n FROM lines WHERE submission_id = ?",
                               (row["submission_id"],)).fetchone()["n"])
                for row in rows if _status(db, row["submission_id"]) not in NOT_COUNTING)


def _status(db: Connection, submission_id: str) -> str | None:
    last = db.execute("SELECT status FROM statuses WHERE submission_id = ? ORDER BY id DESC "
                      "LIMIT 1", (submission_id,)).fetchone()
    return None if last is None else str(last["status"])


def _receipt(db: Connection, claimant: str | None, *, submission_id: str | None = None,
             sha256: str | None = None) -> Receipt | None:
    """A submission's receipt, by its id or its digest, when *claimant* sent it (None: any)."""
    row = db.execute("SELECT * FROM submissions WHERE (submission_id = ? OR sha256 = ?) AND "
                     "(CAST(? AS TEXT) IS NULL OR business_id = ?)",
                     (submission_id or "", sha256 or "", claimant, claimant)).fetchone()
    if row is None:
        return None
    return Receipt.model_validate({
        "submission_id": row["submission_id"], "package_id": row["package_id"],
        "package_sha256": row["sha256"], "received_at": row["received_at"],
        "status": _status(db, row["submission_id"]) or "received",
        "findings": json.loads(row["findings"]), "supersedes": row["supersedes"] or None})
