"""A real PostgreSQL for the tests: the server named by ``ELYCLAIMS_TEST_POSTGRES`` (``.ci/run``
starts one), or else a cluster of the distribution's PostgreSQL made in a temporary folder on a
free port (as the ``postgres`` user when the tests run as root, which initdb refuses), stopped
when the tests end. Each user of it gets a database of its own. Where PostgreSQL is not
installed the tests that need it skip and say so; in CI they fail instead."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["cluster", "fresh_database"]

# Read once, at import: each test runs with the ELYCLAIMS_* variables cleared (conftest).
_GIVEN = os.environ.get("ELYCLAIMS_TEST_POSTGRES")


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda path: int(Path(path).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def cluster() -> Iterator[str]:
    """The URL of a PostgreSQL server's ``postgres`` database, for as long as the block runs."""
    if _GIVEN:
        yield _GIVEN
        return
    binaries = _binaries()
    if binaries is None:
        reason = ("PostgreSQL is not installed (Debian: apt-get install postgresql; .ci/run "
                  "installs it)")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="elyclaims-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    try:
        subprocess.run([*prefix, str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run([*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-w", "-l",
                        str(folder / "log"), "-o",
                        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c max_connections=200", "start"],
                       check=True, capture_output=True, timeout=120)
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run([*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"], capture_output=True, timeout=120, check=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server: str) -> str:
    """A new, empty database on *server* (its URL)."""
    import psycopg

    name = f"elyclaims_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + f"/{name}"
