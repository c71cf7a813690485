"""The intake service's WSGI application.

- ``GET /v1/health``: 200 ``{"status": "ok"}``.
- ``POST /v1/claims``: 201 and the receipt; 200 and the same receipt for a package received
  before; 401 without a valid token; 413 when the body is over the limit (refused before it is
  read); 422 with the findings when the package is invalid, when the ``Idempotency-Key`` is
  not its SHA-256, or when it supersedes no submission of its claimant; 409 with DU-002
  findings when it repeats a line of another submission of the same claimant that still
  counts (not withdrawn, rejected or superseded), or when such a submission has its package
  id with another body. A package that names a submission it supersedes marks that one
  ``superseded`` as it is received.
- ``POST /v1/claims/{id}/withdraw``: the claimant withdraws a submission still ``received``:
  200 and the receipt (also for one withdrawn before); 409 once it is in review or decided.
- ``GET /v1/claims/{id}``: 200 and the receipt with its current status (by the submission id,
  or by the package's SHA-256); 401; 404.
- ``PUT /v1/claims/{id}/status``: an operator records a status (``in-review``, ``accepted``,
  ``partly-accepted``, ``rejected``, ``paid``); 200 and the receipt.

Tokens are compared in constant time. Access logs name the method, the path, the status, the
size and the time, never anything of the package.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elyclaims.intake._store import Conflict, Incoming, IntakeStore, Withdrawal
from elyclaims.privacy import sanitize

if TYPE_CHECKING:
    from elyclaims.model import ClaimedLine
    from elyclaims.package import PackagedClaim

__all__ = ["IntakeSettings", "make_app"]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]

_ACCESS = logging.getLogger("elyclaims.intake.access")
_ERRORS = logging.getLogger("elyclaims.intake.error")
_CLAIM = re.compile(r"^/v1/claims/([A-Za-z0-9-]{1,64})$")
_STATUS = re.compile(r"^/v1/claims/([A-Za-z0-9-]{1,64})/status$")
_WITHDRAW = re.compile(r"^/v1/claims/([A-Za-z0-9-]{1,64})/withdraw$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_OPERATOR_STATUSES = frozenset({"in-review", "accepted", "partly-accepted", "rejected", "paid"})
_BLOCK = 1 << 16
#: Less free space than this under the data folder is a full disk (507).
_ROOM_BYTES = 64 << 10


@dataclass(frozen=True)
class IntakeSettings:
    """How the service runs: its data folder, the claimants' and operators' tokens, and the
    largest package it accepts."""

    data: Path
    tokens: Sequence[str] = field(default=(), repr=False)
    operator_tokens: Sequence[str] = field(default=(), repr=False)
    max_body_bytes: int = 64 * 1024 * 1024

    @staticmethod
    def read_tokens(path: str | Path | None) -> tuple[str, ...]:
        """The tokens in a file, one a line (blank lines and ``#`` comments left out)."""
        if path is None:
            return ()
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


class _Reply(Exception):
    def __init__(self, status: str, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _authorized(environ: Environ, tokens: Sequence[str]) -> bool:
    header = str(environ.get("HTTP_AUTHORIZATION", ""))
    given = header[7:].strip() if header.startswith("Bearer ") else ""
    # Every token is compared, in constant time, whichever matches.
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(given.encode(), token.encode())
    return matched and bool(given)


def _findings(findings: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {"rule": f.rule, "severity": f.severity.value, "message_key": f.key,
         "message": f.message("en"), "hint": f.hint("en"), "member": f.location.sheet,
         "row": f.location.row, "line_id": f.line_id}
        for f in findings
    ]


def make_app(settings: IntakeSettings) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    """The WSGI application for *settings* (its store is opened once, the package schemas
    parsed before the first request)."""
    from elyclaims.package import claim_schema, manifest_schema

    store = IntakeStore(settings.data)
    claim_schema()
    manifest_schema()

    def application(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", ""))
        try:
            status, body = _route(method, path, environ, settings, store)
        except _Reply as reply:
            status, body = reply.status, reply.body
        except (OSError, sqlite3.DatabaseError) as error:
            status, body = _fault(error, store.folder)
        data = sanitize(json.dumps(body, ensure_ascii=False)).encode("utf-8")
        start_response(status, [("Content-Type", "application/json; charset=utf-8"),
                                ("Content-Length", str(len(data)))])
        _ACCESS.info("%s %s %s %d %.0fms", method, path, status.split()[0], len(data),
                     (time.monotonic() - started) * 1000)
        return [data]

    return application


def _fault(error: OSError | sqlite3.DatabaseError, folder: Path) -> tuple[str, dict[str, Any]]:
    """A fault of the service's own storage: 507 when its disk is full (SQLite may say only
    "disk I/O error": the data folder's free space decides), else 503 (try again later);
    nothing was stored. The answer and the log name the cause, not the service's paths or
    anything of the package."""
    try:
        room = shutil.disk_usage(folder).free
    except OSError:
        room = None
    full = (isinstance(error, OSError) and error.errno in {errno.ENOSPC, errno.EDQUOT}) or (
        room is not None and room < _ROOM_BYTES)
    cause = "its disk is full" if full else (
        error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__)
    _ERRORS.error("storage fault: %s", cause)
    status = "507 Insufficient Storage" if full else "503 Service Unavailable"
    return status, {"error": f"the service cannot store anything now: {cause}; nothing was "
                             "stored, send the package again later"}


def _route(method: str, path: str, environ: Environ, settings: IntakeSettings,
           store: IntakeStore) -> tuple[str, dict[str, Any]]:
    if path == "/v1/health" and method == "GET":
        return "200 OK", {"status": "ok"}
    if path == "/v1/claims" and method == "POST":
        return _receive(environ, settings, store)
    if (match := _STATUS.match(path)) and method == "PUT":
        return _set_status(match.group(1), environ, settings, store)
    if (match := _WITHDRAW.match(path)) and method == "POST":
        return _withdraw(match.group(1), environ, settings, store)
    if (match := _CLAIM.match(path)) and method == "GET":
        if not _authorized(environ, (*settings.tokens, *settings.operator_tokens)):
            raise _Reply("401 Unauthorized", {"error": "a valid bearer token is needed"})
        # By its submission id, or by its package's SHA-256 (a claimant whose sending stopped
        # before the answer came asks so).
        which = match.group(1)
        receipt = store.receipt(submission_id=which,
                                sha256=which if _SHA256.match(which) else None)
        if receipt is None:
            raise _Reply("404 Not Found", {"error": "no such submission"})
        return "200 OK", receipt
    raise _Reply("404 Not Found", {"error": "no such resource"})


def _body(environ: Environ, settings: IntakeSettings, store: IntakeStore) -> tuple[Path, str]:
    """The request body in a temporary file of the store, and its SHA-256; refused (413)
    before a byte is read when it says it is too large, and stopped when it is."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.max_body_bytes:
        raise _Reply("413 Payload Too Large",
                     {"error": f"the package is over {settings.max_body_bytes} bytes"})
    handle, raw = tempfile.mkstemp(dir=store.incoming, prefix=f"body.{os.getpid()}.",
                                   suffix=".part")
    path = Path(raw)
    digest = hashlib.sha256()
    size = 0
    stream = environ["wsgi.input"]
    try:
        with open(handle, "wb") as target:
            while size < length:
                block = stream.read(min(_BLOCK, length - size))
                if not block:
                    break
                size += len(block)
                digest.update(block)
                target.write(block)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest()


def _receive(environ: Environ, settings: IntakeSettings,
             store: IntakeStore) -> tuple[str, dict[str, Any]]:
    from elyclaims.package import inspect_package

    if not _authorized(environ, settings.tokens):
        raise _Reply("401 Unauthorized", {"error": "a valid bearer token is needed"})
    key = str(environ.get("HTTP_IDEMPOTENCY_KEY", "")).strip().lower()
    if not _SHA256.match(key):
        raise _Reply("422 Unprocessable Entity",
                     {"error": "the Idempotency-Key must be the package's SHA-256"})
    earlier = store.receipt(sha256=key)
    incoming, digest = _body(environ, settings, store)
    try:
        if digest != key:
            raise _Reply("422 Unprocessable Entity",
                         {"error": "the Idempotency-Key is not the SHA-256 of the body"})
        if earlier is not None:
            return "200 OK", earlier
        inspected = inspect_package(incoming)
        findings = _findings(inspected.report.findings)
        if not inspected.ok or inspected.packaged is None:
            raise _Reply("422 Unprocessable Entity",
                          {"error": "the package is not valid", "findings": findings})
        return _keep(incoming, digest, inspected.packaged, findings, store)
    finally:
        incoming.unlink(missing_ok=True)


def _keep(incoming: Path, digest: str, packaged: PackagedClaim, findings: list[dict[str, Any]],
          store: IntakeStore) -> tuple[str, dict[str, Any]]:
    """Store a valid package unless it repeats what its claimant claimed before (409)."""
    from elyclaims.config import Config
    from elyclaims.model import duplicate_key, own_party
    from elyclaims.rules import RuleContext
    from elyclaims.rules.duplicates import claimed_before

    claim = packaged.claim
    own = own_party(claim)
    keys = [(line.line_id, key) for line in claim.expenses
            if (key := duplicate_key(line, own)) is not None]
    # The schema made the claimant's Business ID present.
    package = Incoming(sha256=digest, package_id=packaged.package_id,
                       business_id=claim.claimant.business_id or "",
                       supersedes=packaged.supersedes, lines=keys)

    def check(claimed: dict[str, ClaimedLine]) -> list[dict[str, Any]]:
        context = RuleContext(today=packaged.judged_on or packaged.created_at.date(),
                              config=Config(), claimed=claimed)
        return _findings(claimed_before(claim, context))

    try:
        receipt, created = store.store(incoming, package, findings=findings, check=check)
    except Conflict as conflict:
        raise _Reply("409 Conflict", {"error": conflict.reason,
                                      "findings": conflict.findings}) from conflict
    except LookupError as missing:
        raise _Reply("422 Unprocessable Entity",
                     {"error": "the package supersedes a submission this claimant does not "
                      "have"}) from missing
    return ("201 Created" if created else "200 OK"), receipt


def _withdraw(submission_id: str, environ: Environ, settings: IntakeSettings,
              store: IntakeStore) -> tuple[str, dict[str, Any]]:
    if not _authorized(environ, settings.tokens):
        raise _Reply("401 Unauthorized", {"error": "a valid bearer token is needed"})
    try:
        return "200 OK", store.withdraw(submission_id)
    except LookupError as missing:
        raise _Reply("404 Not Found", {"error": "no such submission"}) from missing
    except Withdrawal as refused:
        raise _Reply("409 Conflict", {"error": "only a submission still received can be "
                                      f"withdrawn; this one is {refused.status}",
                                      "status": refused.status}) from refused


def _set_status(submission_id: str, environ: Environ, settings: IntakeSettings,
                store: IntakeStore) -> tuple[str, dict[str, Any]]:
    if not _authorized(environ, settings.operator_tokens):
        raise _Reply("401 Unauthorized", {"error": "an operator's bearer token is needed"})
    if store.receipt(submission_id=submission_id) is None:
        raise _Reply("404 Not Found", {"error": "no such submission"})
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), 4096)
        data = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except (ValueError, TypeError) as error:
        raise _Reply("400 Bad Request", {"error": "the body must be JSON"}) from error
    status = data.get("status") if isinstance(data, dict) else None
    if status not in _OPERATOR_STATUSES:
        raise _Reply("422 Unprocessable Entity",
                     {"error": f"status must be one of {sorted(_OPERATOR_STATUSES)}"})
    note = data.get("note")
    store.set_status(submission_id, str(status), str(note)[:500] if note else None)
    receipt = store.receipt(submission_id=submission_id)
    assert receipt is not None
    return "200 OK", receipt
