"""The intake's two database engines behind one small interface: SQLite in the data folder
(the embedded default) and PostgreSQL (``postgresql://…``, psycopg 3), for several intake
instances behind a load balancer.

The store writes its SQL once, with ``?`` placeholders; each engine runs it. A transaction
is serialised per claimant: SQLite takes its one write lock (``BEGIN IMMEDIATE``), PostgreSQL
an advisory lock on the claimant's Business ID, so that of two packages sharing a line sent
at one moment to two instances exactly one is received.

The schema's migrations are one list (:data:`MIGRATIONS`); a step is SQL for both engines, or
one text for each where they differ. Each engine records the version it reached (SQLite's
``user_version``, PostgreSQL's ``schema_version`` table) and applies the rest at start, in
one transaction, under a lock, so that two instances starting at once migrate once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import psycopg

__all__ = ["MIGRATIONS", "Connection", "Engine", "StorageFault", "open_engine"]

# Each step brings the schema from version N to N + 1. The first is the schema of elyclaims
# 0.1, which made its SQLite tables without a version.
MIGRATIONS: tuple[str | Mapping[str, str], ...] = (
    {"sqlite": """
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
    """, "postgresql": """
    CREATE TABLE submissions (
        submission_id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        package_id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        findings TEXT NOT NULL
    );
    CREATE TABLE statuses (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        submission_id TEXT NOT NULL REFERENCES submissions (submission_id),
        status TEXT NOT NULL,
        at TEXT NOT NULL,
        note TEXT
    );
    """},
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
    # The packages themselves in the database (nothing of a submission on an instance's
    # disk); the lines' order kept in a column (SQLite's rowid, which PostgreSQL lacks).
    {"sqlite": """
    CREATE TABLE bodies (sha256 TEXT PRIMARY KEY, body BLOB NOT NULL);
    ALTER TABLE lines ADD COLUMN position INTEGER;
    UPDATE lines SET position = rowid;
    CREATE INDEX statuses_by_submission ON statuses (submission_id, id);
    """, "postgresql": """
    CREATE TABLE bodies (sha256 TEXT PRIMARY KEY, body BYTEA NOT NULL);
    ALTER TABLE lines ADD COLUMN position BIGINT;
    CREATE INDEX statuses_by_submission ON statuses (submission_id, id);
    """},
)


class StorageFault(Exception):
    """The database failed (it is down, its disk is full, a lock waited too long)."""


class Connection(Protocol):
    """A database connection as the store uses it: rows read by column name."""

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any: ...

    def executemany(self, sql: str, rows: Any) -> Any: ...


class Engine(Protocol):
    """A database the store keeps its records in."""

    name: str

    def connection(self) -> AbstractContextManager[Connection]: ...

    def transaction(self, db: Connection, claimant: str | None = None) -> AbstractContextManager[None]: ...

    def faults(self) -> tuple[type[Exception], ...]: ...


def _steps(migration: str | Mapping[str, str], engine: str) -> list[str]:
    text = migration if isinstance(migration, str) else migration[engine]
    return [statement for statement in text.split(";") if statement.strip()]


class SQLiteEngine:
    """An SQLite file (WAL, a 30 s lock wait)."""

    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        with self.connection() as db, self.transaction(db):
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > len(MIGRATIONS):
                raise StorageFault(f"the database is of a newer elyclaims (schema {version})")
            for migration in MIGRATIONS[version:]:
                for statement in _steps(migration, self.name):
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA busy_timeout = 30000")
            yield db
        finally:
            db.close()

    @contextmanager
    def transaction(self, db: Connection, claimant: str | None = None) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the write lock at once: the check and the insert see one state.
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def faults(self) -> tuple[type[Exception], ...]:
        return (sqlite3.DatabaseError,)


class _Postgres:
    """A psycopg connection that takes the store's ``?`` placeholders."""

    def __init__(self, db: psycopg.Connection[Any]) -> None:
        self.db = db

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        return self.db.execute(sql.replace("?", "%s"), tuple(parameters))

    def executemany(self, sql: str, rows: Any) -> Any:
        with self.db.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), list(rows))


# The advisory lock that serialises migrations (any number; this one reads "elyclaim").
_MIGRATION_LOCK = 0x656C79636C61696D


class PostgresEngine:
    """A PostgreSQL database (psycopg 3), a connection a call, each with a time limit."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        with self.connection() as db, self.transaction(db):
            db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM schema_version").fetchone()
            version = 0 if row is None else int(row["version"])
            if version > len(MIGRATIONS):
                raise StorageFault(f"the database is of a newer elyclaims (schema {version})")
            for migration in MIGRATIONS[version:]:
                for statement in _steps(migration, self.name):
                    db.execute(statement)
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (len(MIGRATIONS),))

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(self.url, autocommit=True, row_factory=dict_row,
                             connect_timeout=10,
                             options="-c statement_timeout=60000 "
                                     "-c lock_timeout=30000") as db:
            yield _Postgres(db)

    @contextmanager
    def transaction(self, db: Connection, claimant: str | None = None) -> Iterator[None]:
        db.execute("BEGIN")
        try:
            if claimant is not None:
                db.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (claimant,))
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def faults(self) -> tuple[type[Exception], ...]:
        import psycopg

        return (psycopg.Error,)


def open_engine(database: str | None, folder: Path) -> Engine:
    """The engine for *database* (a ``postgresql://`` URL), or SQLite in *folder*.

    Raises:
        ValueError: *database* is another kind of URL.
        StorageFault: the database is of a newer elyclaims.
    """
    if database is None:
        return SQLiteEngine(folder / "intake.sqlite3")
    if database.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(database)
    raise ValueError("--database takes a postgresql:// address (SQLite is the default)")
